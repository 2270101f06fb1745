package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
)

// fixedEngine returns the same fields for every article.
type fixedEngine struct{ f prompt.Fields }

func (e fixedEngine) Generate(context.Context, extract.Article) (prompt.Result, error) {
	return prompt.Result{Fields: e.f, Engine: "offline"}, nil
}

func fields() prompt.Fields {
	return prompt.Fields{
		Headline: "A  headline  over two lines",
		Summary:  "One. Two. Three.",
		Keywords: []string{"alpha", "beta", "gamma", "delta", "epsilon"},
		Themes:   []string{"one", "two"},
		Signals: []render.Signal{
			{Signal: "s1", Change: "c1", Horizon: "h1", Force: "f1", Evidence: "the first  quoted sentence"},
			{Signal: "s2", Change: "c2", Horizon: "h2", Force: "f2", Evidence: "the second quoted sentence"},
		},
	}
}

func newPipeline(related func(context.Context, string, string, render.Entry) ([]render.Related, error), warn func(string)) *Pipeline {
	return &Pipeline{
		Engine:   fixedEngine{fields()},
		Renderer: render.Default(),
		IssueURL: "https://news.example/p/{date}",
		Now:      func() time.Time { return time.Date(2023, 8, 27, 0, 0, 0, 0, time.UTC) },
		Related:  related,
		Warn:     warn,
	}
}

func article() extract.Article {
	return extract.Article{URL: "https://user:pw@site.example/a?utm_source=x", FinalURL: "https://user:pw@site.example/a",
		CanonicalURL: "https://site.example/a", ID: "0123456789abcdef0123456789abcdef", Text: "This is the first quoted sentence. Here is the second quoted sentence."}
}

func TestDraftBuildsACheckedEntry(t *testing.T) {
	rel := []render.Related{{Title: "Earlier", ID: "fedcba9876543210fedcba9876543210"}}
	var asked string
	p := newPipeline(func(_ context.Context, id, canon string, e render.Entry) ([]render.Related, error) {
		asked = id + " " + canon
		return rel, nil
	}, nil)
	d, md, err := p.Draft(context.Background(), article(), "20230827")
	if err != nil {
		t.Fatal(err)
	}
	if asked != "0123456789abcdef0123456789abcdef https://site.example/a" {
		t.Fatalf("Related asked with %q", asked)
	}
	if d.Entry.Title != "A headline over two lines" || d.Entry.IssueURL != "https://news.example/p/20230827" {
		t.Fatalf("entry %+v", d.Entry)
	}
	if d.Entry.Signals[0].Evidence != "the first quoted sentence" {
		t.Fatalf("evidence %q: kept, white space folded", d.Entry.Signals[0].Evidence)
	}
	if strings.Contains(string(md), "pw@") || strings.Contains(d.Article.URL+d.Article.FinalURL+d.Entry.URL, "pw@") {
		t.Fatal("credentials kept")
	}
	if !strings.HasSuffix(string(md), "* [Earlier](fedcba9876543210fedcba9876543210)") {
		t.Fatalf("Closest not rendered:\n%s", md)
	}
	back, err := render.Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	d.Entry.Signals[0].Evidence, d.Entry.Signals[1].Evidence = "", ""
	if back.Title != d.Entry.Title || len(back.Signals) != 2 {
		t.Fatalf("markdown and sidecar disagree: %+v", back)
	}
}

func TestRelatedFailureKeepsTheDraft(t *testing.T) {
	var warned []string
	p := newPipeline(func(context.Context, string, string, render.Entry) ([]render.Related, error) {
		return nil, errors.New("embeddings server down")
	}, func(m string) { warned = append(warned, m) })
	d, md, err := p.Draft(context.Background(), article(), "20230827")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entry.Closest) != 0 || !strings.HasSuffix(string(md), "## Closest\n") {
		t.Fatalf("Closest should be empty: %+v", d.Entry.Closest)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "embeddings server down") || strings.Contains(warned[0], "pw@") {
		t.Fatalf("warnings %q", warned)
	}
}

func TestBadFieldsFailCleanly(t *testing.T) {
	p := newPipeline(nil, nil)
	f := fields()
	f.Headline = ""
	p.Engine = fixedEngine{f}
	if _, _, err := p.Draft(context.Background(), article(), "20230827"); err == nil {
		t.Fatal("an entry without a headline was accepted")
	}
}
