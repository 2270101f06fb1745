package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/digest-tool/digest/review"
)

// TestReviewScreen drives the review screen over a real workspace: open,
// move, accept one, reject one, quit.
func TestReviewScreen(t *testing.T) {
	ta := newTestApp(t)
	git := ta.gitInit(t)
	var ids []string
	for _, l := range []string{"https://example.com/news/zoom-a", "https://example.com/news/zoom-b", "https://example.com/news/zoom-c"} {
		ids = append(ids, ta.newDraft(t, articleHTML, l))
	}
	// The list is oldest first, then by id; the clock is fixed, so by id.
	slices.Sort(ids)
	ta.workdir = ta.dir
	c, err := ta.config()
	if err != nil {
		t.Fatal(err)
	}
	m, err := newReviewModel(context.Background(), ta.app, c)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	var out bytes.Buffer
	from := 0
	read := func() {
		b, _ := io.ReadAll(tm.Output())
		out.Write(b)
	}
	// wait looks for text drawn since the last key was sent.
	wait := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			read()
			if bytes.Contains(out.Bytes()[from:], []byte(want)) {
				return
			}
		}
		t.Fatalf("%q not drawn; the screen drew:\n%s", want, out.Bytes()[from:])
	}
	send := func(keys ...string) {
		read()
		from = out.Len()
		for _, k := range keys {
			switch k {
			case "enter":
				tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
			default:
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
		}
	}
	wait("3 drafts")
	wait("quotes found")
	send("j")
	wait("2/3")
	send("a")
	wait("y/n")
	send("y")
	wait("accepted: entries/" + ids[1] + ".md (committed)")
	// The next draft is selected; reject it.
	send("r")
	wait("reason")
	read()
	from = out.Len()
	tm.Type("same story")
	send("enter")
	wait("rejected: drafts/rejected/" + ids[2] + ".md")
	wait("1 draft ")
	send("q")
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*review.Model)
	if left := fm.Items(); len(left) != 1 || left[0].ID != ids[0] {
		t.Fatalf("the screen ends with %v", left)
	}

	// The workspace: one entry, committed alone; one rejected; one draft.
	if !ta.exists("entries/"+ids[1]+".md") || !ta.exists("drafts/rejected/"+ids[2]+".json") || !ta.exists("drafts/"+ids[0]+".json") {
		t.Fatal("the workspace is not as reviewed")
	}
	drafts, _ := filepath.Glob(filepath.Join(ta.dir, "drafts", "*.json"))
	entries, _ := filepath.Glob(filepath.Join(ta.dir, "entries", "*"))
	if len(drafts) != 1 || len(entries) != 2 {
		t.Fatalf("drafts %v entries %v", drafts, entries)
	}
	if files := strings.Fields(git("show", "--name-only", "--format=", "HEAD")); len(files) != 2 || strings.Count(git("log", "--format=%H"), "\n") != 1 {
		t.Fatalf("commit holds %v", files)
	}
	d, _ := ta.ws().LoadDraft(ids[2])
	if d.Rejected == nil || d.Rejected.Reason != "same story" {
		t.Fatalf("rejection %+v", d.Rejected)
	}
	if b, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", ids[0]+".md")); len(b) == 0 {
		t.Fatal("the remaining draft lost its markdown")
	}
}

func TestReviewNeedsATerminal(t *testing.T) {
	ta := newTestApp(t)
	if code := ta.run("review"); code != exitUsage || !strings.Contains(ta.err.String(), "needs a terminal") {
		t.Fatalf("exit %d %q", code, ta.err)
	}
}
