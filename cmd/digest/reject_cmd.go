package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/store"
)

type rejectOptions struct {
	reason string
}

func newRejectCmd(a *app) *cobra.Command {
	var o rejectOptions
	cmd := &cobra.Command{
		Use:   "reject ID... [--reason TEXT]",
		Short: "Set drafts aside so their links are not proposed again",
		Long: `Move each draft to drafts/rejected/, recording the reason and the time in its
sidecar. A rejected link counts as known: 'digest new' and 'digest batch'
skip it unless --force. Prints each rejected draft's path. IDs may be
prefixes of 6+ hex digits.`,
		Example: `  digest reject 3b96c7 --reason "paywalled"`,
		Args:    argsN(1, -1),
		RunE:    func(cmd *cobra.Command, args []string) error { return runReject(cmd.Context(), a, o, args) },
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the draft is rejected, kept in its sidecar")
	return cmd
}

func runReject(ctx context.Context, a *app, o rejectOptions, args []string) error {
	_, ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	ids, err := resolveDrafts(ws, args)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p, err := rejectDraft(ctx, a, ws, id, o.reason)
		if err != nil {
			return err
		}
		fmt.Fprintln(a.Stdout, p)
	}
	return nil
}

// rejectDraft moves draft id to drafts/rejected/ under the workspace lock
// and returns the rejected markdown's path.
func rejectDraft(ctx context.Context, a *app, ws *store.Workspace, id, reason string) (string, error) {
	lock, err := lockWorkspace(ctx, ws)
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	if !ws.HasDraft(id) {
		if _, err := resolveDraft(ws, id); err != nil {
			return "", err
		}
		return "", errDraftGone
	}
	p, err := ws.Reject(id, reason, a.Now())
	if err != nil {
		return "", err
	}
	return relPath(a.workdir, p), nil
}
