package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/digest-tool/digest/render"
)

func TestAcceptCommitsTheEntry(t *testing.T) {
	ta := newTestApp(t)
	git := ta.gitInit(t)
	a := ta.newDraft(t, articleHTML, "https://example.com/news/zoom-a")
	b := ta.newDraft(t, articleHTML, "https://example.com/news/zoom-b")
	// Work of the user's, staged: it must stay staged and out of the commit.
	ta.write(t, "notes.txt", "mine")
	git("add", "notes.txt")

	if code := ta.run("accept", a[:6]); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if strings.TrimSpace(ta.out.String()) != filepath.Join("entries", a+".md") {
		t.Fatalf("stdout %q", ta.out)
	}
	if ta.exists("drafts/"+a+".md") || ta.exists("drafts/"+a+".json") || !ta.exists("entries/"+a+".json") {
		t.Fatal("the files did not move")
	}
	if n := strings.Count(git("log", "--format=%H"), "\n"); n != 1 {
		t.Fatalf("%d commits, want 1", n)
	}
	files := strings.Fields(git("show", "--name-only", "--format=", "HEAD"))
	if !slices.Equal(files, []string{"entries/" + a + ".json", "entries/" + a + ".md"}) {
		t.Fatalf("the commit holds %v", files)
	}
	entry, _ := ta.ws().LoadDraft(a)
	if msg := strings.TrimSpace(git("log", "-1", "--format=%s")); msg != "digest: add "+entry.Entry.Title {
		t.Fatalf("commit message %q", msg)
	}
	if st := git("status", "--porcelain", "--", "notes.txt"); !strings.HasPrefix(st, "A  notes.txt") {
		t.Fatalf("the user's staged file: %q", st)
	}
	md, _ := os.ReadFile(filepath.Join(ta.dir, "entries", a+".md"))
	if probs := render.Check(md, a); len(probs) > 0 || !strings.HasSuffix(string(md), "## Closest\n") {
		t.Fatalf("entry fails check or has a Closest list in an empty archive: %v", probs)
	}

	// The second entry, on the same story under another link, lists the first.
	if code := ta.run("accept", b); code != 0 {
		t.Fatalf("second accept: exit %d: %s", code, ta.err)
	}
	second, _ := ta.ws().LoadDraft(b)
	if len(second.Entry.Closest) != 1 || second.Entry.Closest[0].ID != a {
		t.Fatalf("Closest %+v, want the first entry", second.Entry.Closest)
	}
	md, _ = os.ReadFile(filepath.Join(ta.dir, "entries", b+".md"))
	if probs := render.Check(md, b); len(probs) > 0 || !strings.Contains(string(md), "]("+a+")") {
		t.Fatalf("second entry: %v\n%s", probs, md)
	}
	if !ta.exists(".digest/index/lexical.dgix") {
		t.Fatal("the index was not saved")
	}

	// Accepting again says where the entry is.
	if code := ta.run("accept", a); code != exitFailure || !strings.Contains(ta.err.String(), "no draft with id "+a+": it is in the archive: entries/"+a+".md") {
		t.Fatalf("again: exit %d %q", code, ta.err)
	}
	if n := strings.Count(git("log", "--format=%H"), "\n"); n != 2 {
		t.Fatalf("%d commits, want 2", n)
	}
	if st := git("status", "--porcelain"); st != "A  notes.txt\n" {
		t.Fatalf("git status after accepting:\n%s", st)
	}
}

func TestAcceptUnknownAndAmbiguous(t *testing.T) {
	ta := newTestApp(t)
	ta.saveDraft(t, "abcdef1"+strings.Repeat("0", 25), cleanEntry("First"))
	ta.saveDraft(t, "abcdef2"+strings.Repeat("0", 25), cleanEntry("Second"))
	for _, cmd := range []string{"accept", "reject"} {
		if code := ta.run(cmd, "1234ab"); code != exitFailure || ta.err.String() != "digest: no draft with id 1234ab: see 'digest drafts'\n" {
			t.Errorf("%s unknown: exit %d %q", cmd, code, ta.err)
		}
		if code := ta.run(cmd, "abcdef"); code != exitUsage || !strings.Contains(ta.err.String(), "matches 2 drafts: abcdef1000, abcdef2000") {
			t.Errorf("%s ambiguous: exit %d %q", cmd, code, ta.err)
		}
		// One bad id among good ones: nothing is done.
		if code := ta.run(cmd, "abcdef1", "1234ab"); code != exitFailure || !ta.exists("drafts/abcdef1"+strings.Repeat("0", 25)+".json") {
			t.Errorf("%s with a bad id: exit %d", cmd, code)
		}
	}
}

func TestAcceptNoCommitAndNoRepo(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	// Not a repository: accepted, no git.
	if code := ta.run("accept", id); code != 0 || !ta.exists("entries/"+id+".md") {
		t.Fatalf("exit %d: %s", code, ta.err)
	}

	ta = newTestApp(t)
	git := ta.gitInit(t)
	id = ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	if code := ta.run("accept", "--no-commit", id); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if staged := strings.Fields(git("diff", "--cached", "--name-only")); len(staged) != 2 {
		t.Fatalf("staged %v", staged)
	}
	if n := strings.TrimSpace(git("rev-list", "--all", "--count")); n != "0" {
		t.Fatalf("--no-commit made %s commits", n)
	}
	// git.commit = false does the same.
	id2 := ta.newDraft(t, articleHTML, "https://example.com/news/zoom-2")
	ta.write(t, "config.toml", "[git]\ncommit = false\n")
	if code := ta.run("accept", id2); code != 0 || len(strings.Fields(git("diff", "--cached", "--name-only"))) != 4 {
		t.Fatalf("git.commit=false: exit %d %s; staged %q", code, ta.err, git("diff", "--cached", "--name-only"))
	}
}

func TestAcceptRefusesABrokenDraft(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	mdPath := filepath.Join(ta.dir, "drafts", id+".md")
	md, _ := os.ReadFile(mdPath)
	broken := strings.Replace(string(md), "\n## Themes\n", "\n## Themez\n", 1)
	os.WriteFile(mdPath, []byte(broken), 0o644)
	code := ta.run("accept", id)
	if code != exitFailure || !strings.Contains(ta.err.String(), "fails the format check") || !strings.Contains(ta.err.String(), "--force") {
		t.Fatalf("exit %d %q", code, ta.err)
	}
	if !ta.exists("drafts/"+id+".json") || ta.exists("entries/"+id+".md") {
		t.Fatal("a refused draft moved")
	}
	// --force takes it as it is, saying so.
	if code := ta.run("accept", "--force", id); code != 0 || !strings.Contains(ta.err.String(), "archived as it is") {
		t.Fatalf("--force: exit %d %q", code, ta.err)
	}
	if got, _ := os.ReadFile(filepath.Join(ta.dir, "entries", id+".md")); string(got) != broken {
		t.Fatal("--force changed the markdown")
	}
}

func TestAcceptReadsHandEditedMarkdown(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	mdPath := filepath.Join(ta.dir, "drafts", id+".md")
	md, _ := os.ReadFile(mdPath)
	os.WriteFile(mdPath, []byte(strings.Replace(string(md), "# __", "# __Retitled ", 1)), 0o644)
	if code := ta.run("accept", id); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	e, _ := ta.ws().LoadDraft(id)
	if !strings.HasPrefix(e.Entry.Title, "Retitled ") || e.Entry.Signals[0].Evidence == "" {
		t.Fatalf("the hand edit was lost: %q", e.Entry.Title)
	}
}

// TestAcceptFinishesAnInterruptedMove puts the draft back beside its entry,
// as a crash between the two steps leaves them.
func TestAcceptFinishesAnInterruptedMove(t *testing.T) {
	ta := newTestApp(t)
	git := ta.gitInit(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	if code := ta.run("accept", id); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	for _, ext := range []string{".md", ".json"} {
		b, _ := os.ReadFile(filepath.Join(ta.dir, "entries", id+ext))
		ta.write(t, "drafts/"+id+ext, string(b))
	}
	ta.run("drafts", "--json")
	if !strings.Contains(ta.out.String(), `"duplicate"`) {
		t.Fatalf("the leftover draft is not flagged a duplicate: %s", ta.out)
	}
	if code := ta.run("accept", id); code != 0 || ta.exists("drafts/"+id+".json") || ta.exists("drafts/"+id+".md") {
		t.Fatalf("repair: exit %d: %s", code, ta.err)
	}
	if n := strings.Count(git("log", "--format=%H"), "\n"); n != 1 {
		t.Fatalf("%d commits: the repair made a commit of nothing", n)
	}
}

// TestAcceptRace runs conflicting accepts of one draft at once: exactly one
// wins, the others say where it went, and the workspace is consistent.
func TestAcceptRace(t *testing.T) {
	ta := newTestApp(t)
	git := ta.gitInit(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	const n = 4
	codes := make([]int, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		other := newTestApp(t)
		other.dir = ta.dir
		wg.Go(func() {
			codes[i] = other.run("accept", id[:8])
			errs[i] = other.err.String()
		})
	}
	wg.Wait()
	won := 0
	for i, c := range codes {
		switch {
		case c == 0:
			won++
		case c != exitFailure || !strings.Contains(errs[i], "it is in the archive"):
			t.Errorf("loser %d: exit %d %q", i, c, errs[i])
		}
	}
	if won != 1 {
		t.Fatalf("%d accepts won: %v %q", won, codes, errs)
	}
	if n := strings.Count(git("log", "--format=%H"), "\n"); n != 1 {
		t.Fatalf("%d commits", n)
	}
	ents, _ := os.ReadDir(filepath.Join(ta.dir, "entries"))
	drafts, _ := os.ReadDir(filepath.Join(ta.dir, "drafts"))
	if len(ents) != 2 || len(drafts) != 0 {
		t.Fatalf("entries %v, drafts %v", ents, drafts)
	}
	ta.assertNoTemp(t)
}
