package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
)

// editor writes a shell script that edits its argument and sets it as $EDITOR.
func (ta *testApp) editor(t *testing.T, script string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nset -e\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ta.env["EDITOR"] = p
}

func TestEditUpdatesTheDraft(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	before, _ := ta.ws().LoadDraft(id)
	if len(before.ToReview) == 0 {
		t.Fatal("the offline draft has no cells to review: the test needs some")
	}
	// Retitle, and fill the cells left to review: the table's padding breaks,
	// which the parser reads through and the renderer puts right.
	ta.editor(t, `sed -i -e '1s/^# __/# __Edited: /' -e 's/(to review)/Filled in by hand/g' "$1"`)
	if code := ta.run("edit", id[:6]); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if strings.TrimSpace(ta.out.String()) != filepath.Join("drafts", id+".md") {
		t.Fatalf("stdout %q", ta.out)
	}
	after, _ := ta.ws().LoadDraft(id)
	md, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", id+".md"))
	if !strings.HasPrefix(after.Entry.Title, "Edited: ") || !strings.HasPrefix(string(md), "# __Edited: ") {
		t.Fatalf("title %q", after.Entry.Title)
	}
	if probs := render.Check(md, id); len(probs) > 0 {
		t.Fatalf("edited draft fails check: %v", probs)
	}
	if len(after.ToReview) != 0 || strings.Contains(string(md), "(to review)") {
		t.Fatalf("cells still to review: %v", after.ToReview)
	}
	for i := range after.Entry.Signals {
		if after.Entry.Signals[i].Evidence != before.Entry.Signals[i].Evidence || after.Entry.Signals[i].Evidence == "" {
			t.Fatalf("signal %d lost its evidence", i)
		}
	}
	// Saving without a change changes nothing.
	ta.editor(t, "true")
	if code := ta.run("edit", id); code != 0 || !strings.Contains(ta.out.String(), "no changes") {
		t.Fatalf("no-op edit: exit %d %q", code, ta.out)
	}
	ta.assertNoTemp(t)
	if ents, _ := os.ReadDir(filepath.Join(ta.dir, ".digest", "edit")); len(ents) != 0 {
		t.Fatalf("edit copies left: %v", ents)
	}
}

func TestEditBreakingTheFormatIsRefusedAndKept(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	mdPath := filepath.Join(ta.dir, "drafts", id+".md")
	orig, _ := os.ReadFile(mdPath)
	sidecar, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", id+".json"))

	// Drop the table's separator row and change the summary's heading.
	ta.editor(t, `sed -i -e '/^|:/d' -e 's/^## Summary$/## Sumary/' "$1"`)
	code := ta.run("edit", id)
	if code != exitFailure {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	kept := filepath.Join("drafts", id+".md.rejected-edit")
	lines := strings.Split(strings.TrimSpace(ta.err.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("want the problems listed, got %q", ta.err)
	}
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, kept+":") {
			t.Errorf("problem line %q does not name the kept file and a line", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "the edit breaks the entry format") || !strings.Contains(last, kept) || !strings.Contains(last, "digest edit "+id[:8]) {
		t.Errorf("last line %q", last)
	}
	// The draft is as it was; the user's text is kept.
	if now, _ := os.ReadFile(mdPath); string(now) != string(orig) {
		t.Fatal("a refused edit changed the draft")
	}
	if now, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", id+".json")); string(now) != string(sidecar) {
		t.Fatal("a refused edit changed the sidecar")
	}
	keptText, err := os.ReadFile(filepath.Join(ta.dir, kept))
	if err != nil || strings.Contains(string(keptText), "\n|:") || !strings.Contains(string(keptText), "## Sumary") {
		t.Fatalf("kept text %q, %v", keptText, err)
	}

	// Editing again opens the kept text; fixing it saves the draft.
	ta.editor(t, `grep -q '^## Sumary$' "$1"
cp "`+filepath.Join(ta.dir, "fixed.md")+`" "$1"`)
	fixed := strings.Replace(string(orig), "\n## Summary\n", "\n## Summary\n", 1)
	fixed = strings.Replace(fixed, "# __", "# __Fixed: ", 1)
	ta.write(t, "fixed.md", fixed)
	if code := ta.run("edit", id); code != 0 {
		t.Fatalf("second edit: exit %d: %s", code, ta.err)
	}
	if !strings.Contains(ta.err.String(), "opening your refused edit") {
		t.Errorf("stderr %q", ta.err)
	}
	if d, _ := ta.ws().LoadDraft(id); !strings.HasPrefix(d.Entry.Title, "Fixed: ") {
		t.Fatalf("title %q", d.Entry.Title)
	}
	if ta.exists(kept) {
		t.Fatal("the kept text outlived a good edit")
	}

	// --discard drops a kept edit and starts from the draft.
	ta.editor(t, `sed -i '/^|:/d' "$1"`)
	ta.run("edit", id)
	if !ta.exists(kept) {
		t.Fatal("no kept text")
	}
	ta.editor(t, `! grep -q '^|:' "$1" && exit 7; true`)
	if code := ta.run("edit", "--discard", id); code != 0 || ta.exists(kept) {
		t.Fatalf("--discard: exit %d %s", code, ta.err)
	}
	// An editor that fails without a change changes nothing and keeps nothing.
	ta.editor(t, "exit 1")
	if code := ta.run("edit", id); code != exitFailure || !strings.Contains(ta.err.String(), "the editor failed") || ta.exists(kept) {
		t.Fatalf("failing editor: exit %d %s", code, ta.err)
	}
}
