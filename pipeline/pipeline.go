// Package pipeline runs one link through the whole way to a draft:
// extract → engine → entry → render → self-check. Commands and the batch
// runner share it, so a draft is made the same way everywhere.
package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// Pipeline holds the parts a draft is made with.
type Pipeline struct {
	Extractor *extract.Extractor
	Engine    prompt.Engine
	Renderer  *render.Renderer
	// IssueURL is the newsletter issue address pattern, with {date}.
	IssueURL string
	Now      func() time.Time
	Tool     string // digest version, recorded in the sidecar
	// Stage, when set, is told each stage as it starts ("fetching", ...).
	Stage func(stage string)
	// Related, when set, lists the archive entries closest to the new one.
	// Its failure does not lose the draft: Warn is told and Closest stays
	// empty, to be recomputed on accept.
	Related func(ctx context.Context, id, canonicalURL string, e render.Entry) ([]render.Related, error)
	Warn    func(msg string)
}

// Draft asks the engine for the entry's fields, renders the entry and
// checks the rendered markdown against the format. Nothing is written.
func (p *Pipeline) Draft(ctx context.Context, a extract.Article, issueDate string) (store.Draft, []byte, error) {
	// Credentials in a link are never written to an entry or a sidecar.
	a.URL, a.FinalURL = withoutUserinfo(a.URL), withoutUserinfo(a.FinalURL)
	p.stage("asking the " + engineName(p.Engine))
	res, err := p.Engine.Generate(ctx, a)
	if err != nil {
		return store.Draft{}, nil, err
	}
	// Engines validate their own output; this is the last guard before a
	// file is written, whatever the engine.
	if probs := prompt.Validate(res.Fields, a.Text); len(probs) > 0 {
		return store.Draft{}, nil, fmt.Errorf("%s engine gave an invalid entry for %s: %s", res.Engine, extract.Redact(a.URL), strings.Join(probs, "; "))
	}
	e := render.Entry{
		Title:     res.Fields.Headline,
		IssueDate: issueDate,
		IssueURL:  strings.ReplaceAll(p.IssueURL, "{date}", issueDate),
		URL:       a.URL,
		Summary:   res.Fields.Summary,
		Keywords:  res.Fields.Keywords,
		Themes:    res.Fields.Themes,
		Signals:   res.Fields.Signals,
		Closest:   []render.Related{},
	}
	if p.Related != nil {
		p.stage("finding the closest entries")
		rel, err := p.Related(ctx, a.ID, a.CanonicalURL, e)
		if err != nil && p.Warn != nil {
			p.Warn(fmt.Sprintf("%s: closest entries left empty: %v", extract.Redact(a.URL), err))
		}
		if err == nil {
			e.Closest = rel
		}
	}
	// The sidecar holds what the markdown holds (Normalize is what rendering
	// does to text), plus the evidence quotes the markdown leaves out.
	e = render.NormalizeKeepEvidence(e)
	md, err := p.Renderer.Render(e)
	if err != nil {
		return store.Draft{}, nil, fmt.Errorf("render %s: %w", extract.Redact(a.URL), err)
	}
	if probs := render.Check(md, a.ID); len(probs) > 0 {
		// The renderer and checker disagree: a bug, not the user's doing.
		return store.Draft{}, nil, fmt.Errorf("render %s: the entry fails its own check: line %d: %s", extract.Redact(a.URL), probs[0].Line, probs[0].Msg)
	}
	d := store.Draft{
		ID:       a.ID,
		Entry:    e,
		Article:  a,
		Engine:   res.Engine,
		Model:    res.Model,
		Usage:    res.Usage,
		InputCut: res.InputCut,
		Cached:   res.Cached,
		ToReview: res.ToReview,
		Created:  p.Now().UTC(),
		Tool:     p.Tool,
	}
	return d, md, nil
}

func (p *Pipeline) stage(s string) {
	if p.Stage != nil {
		p.Stage(s)
	}
}

// withoutUserinfo drops user:password@ from a URL.
func withoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

func engineName(e prompt.Engine) string {
	if _, ok := e.(*prompt.Client); ok {
		return "model"
	}
	return "offline engine"
}
