package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

type editOptions struct {
	discard bool
}

func newEditCmd(a *app) *cobra.Command {
	var o editOptions
	cmd := &cobra.Command{
		Use:   "edit ID",
		Short: "Edit a draft in your editor",
		Long: `Open a copy of the draft's markdown in $VISUAL, else $EDITOR, else vi (run
through sh -c, so "code --wait" works). When the editor exits, the text is
read back and checked against the entry format; if it passes, the draft (its
markdown and its sidecar) is updated. Evidence quotes stay with the signal
rows whose Signal cell is unchanged.

An edit that breaks the format is refused: the problems are listed with
their line numbers and your text is kept in drafts/<id>.md.rejected-edit;
'digest edit ID' opens that text again to fix it (--discard drops it and
starts over from the draft).`,
		Example: `  EDITOR=nano digest edit 3b96c7`,
		Args:    argsN(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEdit(cmd.Context(), a, o, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.discard, "discard", false, "drop a refused edit kept from before and start from the draft")
	return cmd
}

func runEdit(ctx context.Context, a *app, o editOptions, arg string) error {
	c, ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	id, err := resolveDraft(ws, arg)
	if err != nil {
		return err
	}
	s, err := startEdit(a, c, ws, id, o.discard)
	if err != nil {
		return err
	}
	if s.resumed {
		fmt.Fprintf(a.Stderr, "digest: opening your refused edit kept in %s (--discard starts over)\n", relPath(a.workdir, s.kept))
	}
	ed := a.editorCmd(s.path)
	ed.Stdin, ed.Stdout, ed.Stderr = a.Stdin, a.Stdout, a.Stderr
	msg, err := s.finish(ctx, ed.Run())
	var ee *editError
	if errors.As(err, &ee) {
		for _, p := range ee.problems {
			fmt.Fprintf(a.Stderr, "%s:%d: %s\n", relPath(a.workdir, ee.kept), p.Line, p.Msg)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, msg)
	return nil
}

// editSession is one edit of a draft: a copy in .digest/edit for the
// editor, and what to compare the result with.
type editSession struct {
	a       *app
	c       *config.Config
	ws      *store.Workspace
	id      string
	draft   store.Draft
	before  []byte // the draft's markdown when the edit began
	path    string // the copy the editor changes
	kept    string // where a refused edit is kept
	resumed bool   // the copy holds a refused edit, not the draft
}

// keptEditPath is where a refused edit of draft id is kept.
func keptEditPath(ws *store.Workspace, id string) string {
	md, _ := ws.DraftPaths(id)
	return md + ".rejected-edit"
}

// startEdit copies draft id's markdown (or the refused edit kept from
// before, unless discard) to a file for the editor.
func startEdit(a *app, c *config.Config, ws *store.Workspace, id string, discard bool) (*editSession, error) {
	d, md, err := draftMarkdown(a, c, ws, id)
	if err != nil {
		return nil, err
	}
	s := &editSession{a: a, c: c, ws: ws, id: id, draft: d, before: md, kept: keptEditPath(ws, id)}
	text := md
	if discard {
		if err := os.Remove(s.kept); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("edit %s: %w", id, err)
		}
	} else if b, err := os.ReadFile(s.kept); err == nil {
		text, s.resumed = b, true
	}
	dir := filepath.Join(ws.StateDir(), "edit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("edit %s: %w", id, err)
	}
	f, err := os.CreateTemp(dir, id[:8]+"-*.md")
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", id, err)
	}
	s.path = f.Name()
	_, err = f.Write(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(s.path)
		return nil, fmt.Errorf("edit %s: %w", id, err)
	}
	return s, nil
}

// editorCmd runs $VISUAL, else $EDITOR, else vi on path through sh, so
// that an editor given with arguments works.
func (a *app) editorCmd(path string) *exec.Cmd {
	ed := strings.TrimSpace(a.Getenv("VISUAL"))
	if ed == "" {
		ed = strings.TrimSpace(a.Getenv("EDITOR"))
	}
	if ed == "" {
		ed = "vi"
	}
	return exec.Command("sh", "-c", ed+` "$1"`, "digest-edit", path)
}

// editError is an edit refused because it breaks the format; the text is
// kept.
type editError struct {
	id       string
	problems []render.Problem
	kept     string
}

func (e *editError) Error() string {
	first := e.problems[0]
	more := ""
	if n := len(e.problems) - 1; n > 0 {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	return fmt.Sprintf("the edit breaks the entry format: line %d: %s%s; your text is kept in %s: run 'digest edit %s' to fix it",
		first.Line, first.Msg, more, e.kept, e.id[:8])
}

// finish reads the edited copy back once the editor exited with runErr and
// updates the draft, or keeps the text and says what is wrong with it.
func (s *editSession) finish(ctx context.Context, runErr error) (string, error) {
	defer os.Remove(s.path)
	mdPath, _ := s.ws.DraftPaths(s.id)
	rel := relPath(s.a.workdir, mdPath)
	edited, err := os.ReadFile(s.path)
	if err != nil {
		return "", fmt.Errorf("edit %s: read the edited text: %w", s.id, err)
	}
	keep := func(err error) error {
		if werr := store.WriteFileAtomic(s.kept, edited, 0o644); werr != nil {
			return fmt.Errorf("%w (and your text could not be kept: %v; it is in %s)", err, werr, s.path)
		}
		return err
	}
	if runErr != nil {
		if bytes.Equal(edited, s.before) {
			return "", fmt.Errorf("edit %s: the editor failed (%v); nothing changed", s.id, runErr)
		}
		return "", keep(fmt.Errorf("edit %s: the editor failed (%v): your text is kept in %s", s.id, runErr, relPath(s.a.workdir, s.kept)))
	}
	if bytes.Equal(edited, s.before) {
		os.Remove(s.kept)
		return "no changes to " + rel, nil
	}
	d, md, probs := s.apply(edited)
	if len(probs) > 0 {
		return "", keep(&editError{id: s.id, problems: probs, kept: relPath(s.a.workdir, s.kept)})
	}
	if err := saveDraftIfUnchanged(ctx, s.ws, s.before, d, md); err != nil {
		return "", keep(fmt.Errorf("edit %s: %w; your text is kept in %s", s.id, err, relPath(s.a.workdir, s.kept)))
	}
	os.Remove(s.kept)
	return rel, nil
}

// apply reads edited back into the draft and renders it again; probs says
// why it cannot be, with line numbers of the edited text.
func (s *editSession) apply(edited []byte) (store.Draft, []byte, []render.Problem) {
	e, err := entryFromMarkdown(s.draft.Entry, edited)
	if err != nil {
		probs := render.Check(edited, s.id)
		if len(probs) == 0 {
			var pe *render.ParseError
			if !errors.As(err, &pe) {
				pe = &render.ParseError{Line: 1, Msg: err.Error()}
			}
			probs = []render.Problem{{Line: pe.Line, Msg: pe.Msg}}
		}
		return store.Draft{}, nil, probs
	}
	r, err := s.a.entryRenderer(s.c)
	if err != nil {
		return store.Draft{}, nil, []render.Problem{{Line: 1, Msg: err.Error()}}
	}
	md, err := r.Render(e)
	if err != nil {
		return store.Draft{}, nil, []render.Problem{{Line: 1, Msg: err.Error()}}
	}
	if probs := render.Check(md, s.id); len(probs) > 0 {
		return store.Draft{}, nil, probs
	}
	d := s.draft
	d.Entry = e
	d.ToReview = store.ToReview(e)
	return d, md, nil
}

// entryFromMarkdown parses an edited entry, normalises it as rendering
// would, and keeps old's evidence quotes for the signal rows whose Signal
// cell is unchanged.
func entryFromMarkdown(old render.Entry, md []byte) (render.Entry, error) {
	e, err := render.Parse(md)
	if err != nil {
		return render.Entry{}, err
	}
	e = render.Normalize(e)
	for i := range e.Signals {
		for _, o := range old.Signals {
			if sameText(o.Signal, e.Signals[i].Signal) {
				e.Signals[i].Evidence = o.Evidence
				break
			}
		}
	}
	return e, nil
}

func sameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

var (
	errDraftGone    = errors.New("the draft was accepted or rejected meanwhile")
	errDraftChanged = errors.New("the draft was changed meanwhile (by another digest)")
)

// saveDraftIfUnchanged rewrites draft d.ID as d and md under the workspace
// lock, provided it is still a draft whose markdown is still before.
func saveDraftIfUnchanged(ctx context.Context, ws *store.Workspace, before []byte, d store.Draft, md []byte) error {
	lock, err := lockWorkspace(ctx, ws)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if !ws.HasDraft(d.ID) {
		return errDraftGone
	}
	mdPath, _ := ws.DraftPaths(d.ID)
	if now, err := os.ReadFile(mdPath); err == nil && !bytes.Equal(now, before) {
		return errDraftChanged
	}
	_, err = ws.SaveDraft(d, md)
	return err
}

// entryRenderer is the entry template's renderer (the workspace's
// override, else the built-in one).
func (a *app) entryRenderer(c *config.Config) (*render.Renderer, error) {
	tmpl, err := a.readTemplate(c, "entry.md.tmpl")
	if err != nil {
		return nil, err
	}
	r, err := render.New(tmpl)
	if err != nil {
		return nil, fmt.Errorf("entry template: %w", err)
	}
	return r, nil
}
