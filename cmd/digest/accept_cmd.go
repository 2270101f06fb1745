package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

type acceptOptions struct {
	force    bool
	noCommit bool
}

func newAcceptCmd(a *app) *cobra.Command {
	var o acceptOptions
	cmd := &cobra.Command{
		Use:   "accept ID...",
		Short: "Move drafts into the archive (entries/), and commit them",
		Long: `Move each draft into the archive: its Closest list is computed again against
the archive (whose index in .digest/index is updated; see 'digest closest'), and drafts/<id>.md and
drafts/<id>.json become entries/<id>.md and entries/<id>.json. A draft whose
markdown fails 'digest check' is refused unless --force; markdown edited by
hand is read back first.

When the workspace is a git repository and git.commit is true (the default),
the entry's two files are committed alone as "digest: add <title>", leaving
anything else you staged as it was; --no-commit (or git.commit = false) only
stages them. Prints each entry's path. IDs may be prefixes of 6+ hex digits.`,
		Example: `  digest accept 3b96c7
  digest accept 3b96c7 a1b2c3 --no-commit`,
		Args: argsN(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error { return runAccept(cmd.Context(), a, o, args) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.force, "force", false, "accept a draft that fails the format check")
	f.BoolVar(&o.noCommit, "no-commit", false, "stage the entry in git but do not commit it")
	return cmd
}

func runAccept(ctx context.Context, a *app, o acceptOptions, args []string) error {
	c, ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	ids, err := resolveDrafts(ws, args)
	if err != nil {
		return err
	}
	ar, err := a.archive(c)
	if err != nil {
		return err
	}
	commit := c.Git.Commit && !o.noCommit
	failed := 0
	for _, id := range ids {
		res, err := acceptDraft(ctx, a, c, ws, ar, id, o.force, commit)
		for _, w := range res.warnings {
			fmt.Fprintf(a.Stderr, "digest: %s\n", w)
		}
		if res.path != "" {
			fmt.Fprintln(a.Stdout, res.path)
		}
		if res.commit != "" {
			a.status("committed: %s", res.commit)
		}
		if err != nil {
			if len(ids) == 1 {
				return err
			}
			fmt.Fprintf(a.Stderr, "digest: %s\n", oneLine(err.Error()))
			failed++
		}
	}
	if failed > 0 {
		return silentError{exitFailure}
	}
	return nil
}

type acceptResult struct {
	path     string // the entry's markdown, relative to the workspace
	commit   string // the commit's message, when one was made
	warnings []string
}

// acceptDraft moves draft id into the archive: check, Closest list, then
// under the workspace lock the move and the git commit, then the index.
// An error after the move (git) comes with res.path set: the entry is in
// the archive.
func acceptDraft(ctx context.Context, a *app, c *config.Config, ws *store.Workspace, ar *archive, id string, force, commit bool) (res acceptResult, err error) {
	snap, err := snapshotDraft(ws, id)
	if err != nil {
		return res, err
	}
	d, md, err := ws.ReadDraft(id)
	if err != nil {
		return res, err
	}
	r, err := a.entryRenderer(c)
	if err != nil {
		return res, err
	}
	fromSidecar, err := r.Render(d.Entry)
	if err != nil {
		return res, fmt.Errorf("accept %s: %w", id, err)
	}
	if md == nil {
		md = fromSidecar
	}
	mdPath, _ := ws.DraftPaths(id)
	if probs := render.Check(md, id); len(probs) > 0 && !force {
		more := ""
		if n := len(probs) - 1; n > 0 {
			more = fmt.Sprintf(" (and %d more)", n)
		}
		return res, fmt.Errorf("%s fails the format check: line %d: %s%s: fix it with 'digest edit %s', or accept it anyway with --force",
			relPath(a.workdir, mdPath), probs[0].Line, probs[0].Msg, more, id[:8])
	}
	asIs := false // a forced draft whose markdown cannot be read back goes in as it is
	if !bytes.Equal(md, fromSidecar) {
		// Edited by hand: the markdown wins over the sidecar.
		e, err := entryFromMarkdown(d.Entry, md)
		if err != nil {
			asIs = true
			res.warnings = append(res.warnings, fmt.Sprintf("%s cannot be read back (%v): archived as it is, without a new Closest list", relPath(a.workdir, mdPath), err))
		} else {
			d.Entry = e
		}
	}
	d.ToReview = store.ToReview(d.Entry)
	if len(d.ToReview) > 0 {
		res.warnings = append(res.warnings, fmt.Sprintf("%s is archived with %d part(s) still reading \"(to review)\": %s",
			id[:8], len(d.ToReview), strings.Join(d.ToReview, ", ")))
	}
	if !asIs {
		related, err := ar.Related(ctx, id, d.Article.CanonicalURL, d.Entry)
		if err != nil {
			res.warnings = append(res.warnings, fmt.Sprintf("accept %s: the Closest list is left empty: %v", id[:8], oneLine(err.Error())))
			related = []render.Related{}
		}
		d.Entry.Closest = related
		if md, err = r.Render(d.Entry); err != nil {
			return res, fmt.Errorf("accept %s: %w", id, err)
		}
		if probs := render.Check(md, id); len(probs) > 0 && !force {
			return res, fmt.Errorf("accept %s: the entry fails its check: line %d: %s", id, probs[0].Line, probs[0].Msg)
		}
	}

	res, err = moveAndCommit(ctx, a, ws, snap, d, md, commit, res)
	if err != nil || res.path == "" {
		return res, err
	}
	if err := ar.Add(ctx, closest.Doc{ID: id, CanonicalURL: d.Article.CanonicalURL, Entry: d.Entry}); err != nil {
		res.warnings = append(res.warnings, fmt.Sprintf("accept %s: the archive index was not updated: %v", id[:8], oneLine(err.Error())))
	}
	return res, nil
}

// moveAndCommit moves the draft into the archive and commits it, under the
// workspace lock, provided the draft is still as snap found it.
func moveAndCommit(ctx context.Context, a *app, ws *store.Workspace, snap []byte, d store.Draft, md []byte, commit bool, res acceptResult) (acceptResult, error) {
	lock, err := lockWorkspace(ctx, ws)
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	now, err := snapshotDraft(ws, d.ID)
	if err != nil {
		return res, err // accepted or rejected meanwhile: the error says where it went
	}
	if !bytes.Equal(now, snap) {
		return res, fmt.Errorf("accept %s: %w: try again", d.ID[:8], errDraftChanged)
	}
	entryMD, entryJSON, err := ws.Accept(d, md)
	if entryMD != "" {
		res.path = relPath(a.workdir, entryMD)
	}
	if err != nil {
		return res, err
	}
	g := store.Git{Root: ws.Root}
	if !g.Repo(ctx) {
		return res, nil
	}
	if !commit {
		if err := g.Stage(ctx, entryMD, entryJSON); err != nil {
			return res, fmt.Errorf("accepted %s, but staging it failed: %w", res.path, err)
		}
		return res, nil
	}
	msg := "digest: add " + oneLine(d.Entry.Title)
	done, err := g.Commit(ctx, msg, entryMD, entryJSON)
	if err != nil {
		return res, fmt.Errorf("accepted %s, but the commit failed (the files are staged): %w", res.path, err)
	}
	if done {
		res.commit = msg
	}
	return res, nil
}

// snapshotDraft is the content of draft id's files, to tell whether it
// changed; the error says where the draft went when it is gone.
func snapshotDraft(ws *store.Workspace, id string) ([]byte, error) {
	mdPath, jsPath := ws.DraftPaths(id)
	js, err := os.ReadFile(jsPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := resolveDraft(ws, id); err != nil {
			return nil, err
		}
		return nil, errDraftGone
	}
	if err != nil {
		return nil, err
	}
	md, err := os.ReadFile(mdPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return append(append(js, 0), md...), nil
}
