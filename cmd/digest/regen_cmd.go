package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// regenSections are the parts of a draft regen can write again: the
// prompt modules.
var regenSections = []string{"headline", "summary", "keywords", "themes", "signals"}

type regenOptions struct {
	section string
	hint    string
	model   modelFlags
}

func newRegenCmd(a *app) *cobra.Command {
	var o regenOptions
	cmd := &cobra.Command{
		Use:   "regen ID --section PART",
		Short: "Ask the model again for one part of a draft",
		Long: `Ask the model again for one part of the draft (headline, summary, keywords,
themes or signals), showing it the current text and, with --hint, what you
want changed; the rest of the draft is kept. With the offline engine the part
is computed again from the article (the hint is not used). The new part is
checked like a new draft's.`,
		Example: `  digest regen 3b96c7 --section summary --hint "shorter, and name the regulator"
  digest regen 3b96c7 --section signals --model gpt-4o`,
		Args: argsN(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRegen(cmd, a, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.section, "section", "", "the part to write again: "+strings.Join(regenSections, " | "))
	f.StringVar(&o.hint, "hint", "", "what the model should change, in a few words")
	o.model.add(cmd)
	return cmd
}

func runRegen(cmd *cobra.Command, a *app, o regenOptions, arg string) error {
	c, err := o.model.config(cmd, a)
	if err != nil {
		return err
	}
	if err := checkSection(o.section); err != nil {
		return err
	}
	ws := a.workspace(c)
	id, err := resolveDraft(ws, arg)
	if err != nil {
		return err
	}
	res, err := regenDraft(cmd.Context(), a, c, ws, id, o.section, o.hint, o.model.noCache)
	if err != nil {
		return err
	}
	if res.engine == "openai" {
		fmt.Fprintln(a.Stderr, prompt.Summary(prompt.Result{Model: c.Model.Name, Usage: res.usage}, prices(c)))
	}
	if res.hintUnused {
		fmt.Fprintln(a.Stderr, "digest: the offline engine does not take hints: --hint was not used")
	}
	fmt.Fprintln(a.Stdout, res.path)
	return nil
}

func checkSection(s string) error {
	if !slices.Contains(regenSections, s) {
		return usageError{fmt.Errorf("--section %q: want one of %s", s, strings.Join(regenSections, ", "))}
	}
	return nil
}

type regenResult struct {
	path       string
	engine     string
	usage      prompt.Usage
	hintUnused bool
}

// regenDraft writes section of draft id again with the configured engine
// and saves the draft, unless it changed meanwhile.
func regenDraft(ctx context.Context, a *app, c *config.Config, ws *store.Workspace, id, section, hint string, noCache bool) (regenResult, error) {
	d, before, err := draftMarkdown(a, c, ws, id)
	if err != nil {
		return regenResult{}, err
	}
	eng, err := a.engine(c, noCache)
	if err != nil {
		return regenResult{}, err
	}
	cur := prompt.Fields{Headline: d.Entry.Title, Summary: d.Entry.Summary, Keywords: d.Entry.Keywords,
		Themes: d.Entry.Themes, Signals: d.Entry.Signals}
	var res regenResult
	var f prompt.Fields
	if client, ok := eng.(*prompt.Client); ok {
		res.engine = "openai"
		f, res.usage, err = client.Regenerate(ctx, d.Article, section, cur, hint)
		if err != nil {
			return res, err
		}
	} else {
		res.engine, res.hintUnused = "offline", strings.TrimSpace(hint) != ""
		g, err := eng.Generate(ctx, d.Article)
		if err != nil {
			return res, err
		}
		f = withSection(cur, g.Fields, section)
	}
	e := d.Entry
	e.Title, e.Summary, e.Keywords, e.Themes, e.Signals = f.Headline, f.Summary, f.Keywords, f.Themes, f.Signals
	e = render.NormalizeKeepEvidence(e)
	r, err := a.entryRenderer(c)
	if err != nil {
		return res, err
	}
	md, err := r.Render(e)
	if err != nil {
		return res, fmt.Errorf("regen %s %s: %w", id, section, err)
	}
	if probs := render.Check(md, id); len(probs) > 0 {
		return res, fmt.Errorf("regen %s %s: the draft fails its check: line %d: %s", id, section, probs[0].Line, probs[0].Msg)
	}
	d.Entry = e
	d.ToReview = store.ToReview(e)
	d.Usage.PromptTokens += res.usage.PromptTokens
	d.Usage.CompletionTokens += res.usage.CompletionTokens
	d.Usage.CachedTokens += res.usage.CachedTokens
	d.Usage.Requests += res.usage.Requests
	d.Usage.Retries += res.usage.Retries
	if err := saveDraftIfUnchanged(ctx, ws, before, d, md); err != nil {
		return res, fmt.Errorf("regen %s: %w", id, err)
	}
	mdPath, _ := ws.DraftPaths(id)
	res.path = relPath(a.workdir, mdPath)
	return res, nil
}

// withSection is cur with section taken from src.
func withSection(cur, src prompt.Fields, section string) prompt.Fields {
	switch section {
	case "headline":
		cur.Headline = src.Headline
	case "summary":
		cur.Summary = src.Summary
	case "keywords":
		cur.Keywords = src.Keywords
	case "themes":
		cur.Themes = src.Themes
	case "signals":
		cur.Signals = src.Signals
	}
	return cur
}
