package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/store"
)

type draftsOptions struct {
	json bool
}

func newDraftsCmd(a *app) *cobra.Command {
	var o draftsOptions
	cmd := &cobra.Command{
		Use:   "drafts",
		Short: "List the drafts waiting for review, with what needs attention",
		Long: `List the drafts, oldest first: id, title, link, engine, when made, and the
flags that need a person's attention before accepting:

  to review           cells the offline engine could not fill ("(to review)")
  evidence not found  a signal's evidence quote is not in the article (or none)
  cut article         the article was cut to fit the model's input
  keyword absent      a keyword does not occur in the article's text
  duplicate           the link is already archived, or was rejected before
  format              the markdown file fails 'digest check'

On a terminal each draft takes three lines; piped, one tab-separated line:
id, created (RFC 3339), engine, title, url, flags. --json prints an array of
{id, title, url, engine, model, created, path, flags: [{kind, items}]}, where
kind is to_review, evidence_not_found, input_cut, keyword_absent, duplicate
or format; see the README, section Review.`,
		Args: argsN(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runDrafts(a, o) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array")
	return cmd
}

// draftInfo is one draft as `digest drafts` lists it; its JSON is the
// documented --json shape (README, section Review): keep it stable.
type draftInfo struct {
	ID      string       `json:"id"`
	Title   string       `json:"title"`
	URL     string       `json:"url"`
	Engine  string       `json:"engine"`
	Model   string       `json:"model"`
	Created time.Time    `json:"created"`
	Path    string       `json:"path"`
	Flags   []store.Flag `json:"flags"`
}

func runDrafts(a *app, o draftsOptions) error {
	c, err := a.config()
	if err != nil {
		return err
	}
	infos, bad := listDrafts(a, a.workspace(c))
	for _, err := range bad {
		fmt.Fprintf(a.Stderr, "digest: %s\n", oneLine(err.Error()))
	}
	if err := printDrafts(a, o, infos); err != nil {
		return err
	}
	if len(bad) > 0 {
		return silentError{exitFailure}
	}
	return nil
}

func printDrafts(a *app, o draftsOptions, infos []draftInfo) error {
	if o.json {
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	if len(infos) == 0 {
		a.status("no drafts: make some with 'digest new URL' or 'digest batch FILE'")
		return nil
	}
	if !a.StdoutTTY {
		for _, d := range infos {
			fmt.Fprintf(a.Stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Created.Format(time.RFC3339), d.Engine,
				tsvField(d.Title), tsvField(d.URL), flagLabels(d.Flags))
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	titleWidth := max(a.termWidth()-34, 20) // after id, date and engine
	for _, d := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID[:8], d.Created.Local().Format("2006-01-02"), d.Engine, clipRunes(d.Title, titleWidth))
		fmt.Fprintf(tw, "\t%s\n", d.URL)
		if len(d.Flags) > 0 {
			fmt.Fprintf(tw, "\t! %s\n", flagLabels(d.Flags))
		}
	}
	return tw.Flush()
}

// listDrafts reads every draft with its flags, oldest first; drafts that
// cannot be read are returned as errors.
func listDrafts(a *app, ws *store.Workspace) ([]draftInfo, []error) {
	ids, err := ws.DraftIDs()
	if err != nil {
		return nil, []error{fmt.Errorf("list drafts: %w", err)}
	}
	infos := []draftInfo{}
	var bad []error
	for _, id := range ids {
		d, md, err := ws.ReadDraft(id)
		if err != nil {
			if !errors.Is(err, store.ErrNoDraft) { // gone meanwhile: not an error
				bad = append(bad, err)
			}
			continue
		}
		mdPath, _ := ws.DraftPaths(id)
		infos = append(infos, draftInfo{
			ID: id, Title: d.Entry.Title, URL: d.Entry.URL, Engine: d.Engine, Model: d.Model,
			Created: d.Created, Path: relPath(a.workdir, mdPath), Flags: ws.Flags(d, md),
		})
	}
	slices.SortStableFunc(infos, func(x, y draftInfo) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return infos, bad
}

func flagLabels(fs []store.Flag) string {
	l := make([]string, len(fs))
	for i, f := range fs {
		l[i] = f.Label()
	}
	return strings.Join(l, ", ")
}

// tsvField keeps a field on its line and in its column.
func tsvField(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// resolveDrafts turns id arguments (MinPrefix+ hex digits each) into draft
// ids, failing on the first that names no draft or several.
func resolveDrafts(ws *store.Workspace, args []string) ([]string, error) {
	ids := make([]string, 0, len(args))
	for _, arg := range args {
		id, err := resolveDraft(ws, arg)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func resolveDraft(ws *store.Workspace, arg string) (string, error) {
	id, err := ws.ResolveDraft(arg)
	var amb *store.AmbiguousError
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, store.ErrNoDraft):
		p := strings.ToLower(strings.TrimSpace(arg))
		if where, ok := knownAs(ws, p); ok {
			return "", fmt.Errorf("no draft with id %s: it is %s", p, describeWhere(ws, where))
		}
		return "", fmt.Errorf("no draft with id %s: see 'digest drafts'", p)
	case errors.As(err, &amb):
		short := make([]string, len(amb.IDs))
		for i, id := range amb.IDs {
			short[i] = id[:min(len(amb.Prefix)+4, 32)]
		}
		return "", usageError{fmt.Errorf("id %s matches %d drafts: %s: give more digits", amb.Prefix, len(amb.IDs), strings.Join(short, ", "))}
	}
	return "", usageError{err}
}

// knownAs finds the one entry or rejected draft whose id starts with
// prefix, returning its sidecar path as Where does.
func knownAs(ws *store.Workspace, prefix string) (string, bool) {
	var found []string
	entries, _ := ws.EntryIDs()
	rejected, _ := ws.RejectedIDs()
	for _, id := range slices.Concat(entries, rejected) {
		if strings.HasPrefix(id, prefix) && !slices.Contains(found, id) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return ws.Where(found[0])
}

// describeWhere says what a sidecar path found by Where is.
func describeWhere(ws *store.Workspace, where string) string {
	md := strings.TrimSuffix(where, ".json") + ".md"
	switch {
	case strings.HasPrefix(where, ws.RejectedDir()):
		return "rejected: " + relPath(ws.Root, md)
	case strings.HasPrefix(where, ws.Entries):
		return "in the archive: " + relPath(ws.Root, md)
	}
	return relPath(ws.Root, md)
}

// lockWait bounds the wait for another digest to let go of the workspace.
const lockWait = 30 * time.Second

// lockWorkspace takes the workspace lock for one step of a command.
func lockWorkspace(ctx context.Context, ws *store.Workspace) (*store.Lock, error) {
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	return ws.Lock(ctx)
}
