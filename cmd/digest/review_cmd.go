package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/review"
	"github.com/digest-tool/digest/store"
)

func newReviewCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "review",
		Short: "Review the drafts on a full-screen terminal view",
		Long: `Review the drafts one by one: the list of drafts with their flags, the selected
draft beside (or, on a narrow terminal, over) the article's extracted text,
with the evidence quotes of the signals highlighted in the article.

Keys: ↓/j and ↑/k next and previous draft; a accept (asks y/n); r reject
(asks a reason); e edit in $VISUAL/$EDITOR; g regenerate a part (then h, s,
k, t or i, and an optional hint); tab switches the pane that pgup/pgdn,
space and ctrl+d/ctrl+u scroll; ? help; q quit. Accept, reject, edit and
regenerate do what 'digest accept', 'reject', 'edit' and 'regen' do (accept
commits when git.commit is on). Needs a terminal of at least 80×24.`,
		Args: argsN(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runReview(cmd.Context(), a) },
	}
}

func runReview(ctx context.Context, a *app) error {
	if !a.StdoutTTY {
		return usageError{errors.New("digest review needs a terminal: use 'digest drafts', 'show', 'accept' and 'reject' in scripts")}
	}
	c, err := a.config()
	if err != nil {
		return err
	}
	if a.noColor {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	m, err := newReviewModel(ctx, a, c)
	if err != nil {
		return err
	}
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen(), tea.WithOutput(a.Stdout), tea.WithInput(a.Stdin)}
	if _, err := tea.NewProgram(m, opts...).Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("review: %w", err)
	}
	return ctx.Err()
}

// newReviewModel is the review screen over the workspace's drafts.
func newReviewModel(ctx context.Context, a *app, c *config.Config) (*review.Model, error) {
	ar, err := a.archive(c)
	if err != nil {
		return nil, err
	}
	ra := &reviewActions{a: a, c: c, ws: a.workspace(c), ar: ar}
	var render func(string, int) string
	if !a.noColor {
		style := a.glamourStyle()
		render = func(md string, width int) string {
			out, err := renderMarkdown(md, width, style)
			if err != nil {
				return md
			}
			return out
		}
	}
	return review.New(review.Options{Actions: ra, Context: ctx, Render: render}), nil
}

// reviewActions does the review screen's work as the commands do it.
type reviewActions struct {
	a  *app
	c  *config.Config
	ws *store.Workspace
	ar *archive
}

var _ review.Actions = (*reviewActions)(nil)

func (r *reviewActions) List(ctx context.Context) ([]review.Item, error) {
	infos, bad := listDrafts(r.a, r.ws)
	items := make([]review.Item, len(infos))
	for i, d := range infos {
		labels := make([]string, len(d.Flags))
		for j, f := range d.Flags {
			labels[j] = f.Label()
		}
		items[i] = review.Item{ID: d.ID, Title: d.Title, URL: d.URL, Flags: labels}
	}
	if len(bad) > 0 {
		return items, fmt.Errorf("%d draft(s) cannot be read: %v", len(bad), bad[0])
	}
	return items, nil
}

func (r *reviewActions) Detail(ctx context.Context, id string) (review.Detail, error) {
	d, md, err := draftMarkdown(r.a, r.c, r.ws, id)
	if err != nil {
		return review.Detail{}, err
	}
	det := review.Detail{Markdown: string(md), Article: d.Article.Text}
	for _, f := range r.ws.Flags(d, md) {
		n := f.Label()
		if len(f.Items) > 0 {
			n += ": " + strings.Join(f.Items, ", ")
		}
		det.Notes = append(det.Notes, n)
	}
	for _, s := range d.Entry.Signals {
		if s.Evidence != "" {
			det.Quotes = append(det.Quotes, s.Evidence)
		}
	}
	return det, nil
}

func (r *reviewActions) Accept(ctx context.Context, id string) (string, error) {
	res, err := acceptDraft(ctx, r.a, r.c, r.ws, r.ar, id, false, r.c.Git.Commit)
	if err != nil {
		return "", err
	}
	msg := "accepted: " + res.path
	if res.commit != "" {
		msg += " (committed)"
	}
	if len(res.warnings) > 0 {
		msg += "; " + res.warnings[0]
	}
	return msg, nil
}

func (r *reviewActions) Reject(ctx context.Context, id, reason string) (string, error) {
	p, err := rejectDraft(ctx, r.a, r.ws, id, reason)
	if err != nil {
		return "", err
	}
	return "rejected: " + p, nil
}

func (r *reviewActions) Regen(ctx context.Context, id, section, hint string) (string, error) {
	res, err := regenDraft(ctx, r.a, r.c, r.ws, id, section, hint, false)
	if err != nil {
		return "", err
	}
	msg := "regenerated the " + section + " with the " + res.engine + " engine"
	if res.hintUnused {
		msg += " (it takes no hint)"
	}
	return msg, nil
}

func (r *reviewActions) Edit(ctx context.Context, id string) (*exec.Cmd, func(error) (string, error), error) {
	s, err := startEdit(r.a, r.c, r.ws, id, false)
	if err != nil {
		return nil, nil, err
	}
	done := func(runErr error) (string, error) {
		msg, err := s.finish(ctx, runErr)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(msg, "no changes") {
			return msg, nil
		}
		return "edited: " + msg, nil
	}
	return r.a.editorCmd(s.path), done, nil
}
