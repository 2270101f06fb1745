package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// setEntry rewrites draft id with f applied to its entry.
func (ta *testApp) setEntry(t *testing.T, id string, f func(*render.Entry)) store.Draft {
	t.Helper()
	d, err := ta.ws().LoadDraft(id)
	if err != nil {
		t.Fatal(err)
	}
	f(&d.Entry)
	md, err := render.Default().Render(d.Entry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.ws().SaveDraft(d, md); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRegenOffline(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	orig, _ := ta.ws().LoadDraft(id)
	ta.setEntry(t, id, func(e *render.Entry) {
		e.Summary = "A summary written by hand. It has three sentences. This is the third."
		e.Title = "A headline written by hand"
	})
	if code := ta.run("regen", id[:6], "--section", "summary", "--hint", "shorter"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if !strings.Contains(ta.err.String(), "does not take hints") {
		t.Errorf("stderr %q", ta.err)
	}
	d, _ := ta.ws().LoadDraft(id)
	if d.Entry.Summary != orig.Entry.Summary {
		t.Fatalf("summary not regenerated: %q", d.Entry.Summary)
	}
	if d.Entry.Title != "A headline written by hand" || !slices.Equal(d.Entry.Keywords, orig.Entry.Keywords) {
		t.Fatalf("the other parts changed: %q", d.Entry.Title)
	}
	md, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", id+".md"))
	if probs := render.Check(md, id); len(probs) > 0 || !strings.Contains(string(md), orig.Entry.Summary) {
		t.Fatalf("markdown not rewritten or broken: %v", probs)
	}
	for _, args := range [][]string{{"regen", id}, {"regen", id, "--section", "closest"}} {
		if code := ta.run(args...); code != exitUsage || !strings.Contains(ta.err.String(), "headline, summary, keywords, themes, signals") {
			t.Errorf("%v: exit %d %q", args, code, ta.err)
		}
	}
}

func TestRegenWithModel(t *testing.T) {
	ta := newTestApp(t)
	pages := storyServer(t)
	fake := ta.withModel(t)
	if code := ta.run("new", pages.URL+"/story"); code != 0 {
		t.Fatalf("new: exit %d: %s", code, ta.err)
	}
	d0, _ := ta.draft(t)
	id := d0.ID
	ta.setEntry(t, id, func(e *render.Entry) { e.Title = "Old headline" })
	if code := ta.run("regen", id, "--section", "headline", "--hint", "name the company"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if fake.Count() != 2 {
		t.Fatalf("%d model requests", fake.Count())
	}
	req := fake.Requests()[1]
	if !strings.Contains(req.Last()+req.System(), "name the company") || !strings.Contains(req.Last()+req.System(), "Old headline") {
		t.Fatalf("the request lacks the hint or the current headline:\n%s", req.Last())
	}
	d, md := ta.draft(t)
	if d.Entry.Title == "Old headline" || !strings.HasPrefix(d.Entry.Title, "Fake model reports on") {
		t.Fatalf("headline %q", d.Entry.Title)
	}
	if d.Entry.Summary != d0.Entry.Summary || d.Entry.Signals[0].Evidence != d0.Entry.Signals[0].Evidence {
		t.Fatal("the other parts changed")
	}
	if d.Usage.Requests != 2 || !strings.Contains(string(md), d.Entry.Title) {
		t.Fatalf("usage %+v", d.Usage)
	}
	if !strings.Contains(ta.err.String(), "gpt-4o-mini: 1 request") {
		t.Errorf("no token summary: %q", ta.err)
	}
	ta.assertNoSecret(t)
}
