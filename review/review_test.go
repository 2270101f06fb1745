package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
)

// fakeActions is a workspace of drafts in memory that records what was done.
type fakeActions struct {
	mu    sync.Mutex
	items []Item
	calls []string
}

func newFake(n int) *fakeActions {
	f := &fakeActions{}
	for i := range n {
		f.items = append(f.items, Item{
			ID:    fmt.Sprintf("%02d%030d", i, 0),
			Title: fmt.Sprintf("Draft number %d about something", i),
			Flags: []string{"to review (2)"},
		})
	}
	return f
}

func (f *fakeActions) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeActions) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeActions) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = slices.DeleteFunc(f.items, func(it Item) bool { return it.ID == id })
}

func (f *fakeActions) List(context.Context) ([]Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.items), nil
}

func (f *fakeActions) Detail(_ context.Context, id string) (Detail, error) {
	return Detail{
		Markdown: "# __Title " + id[:2] + "__\n\n## Summary\n\nA summary.",
		Notes:    []string{"to review (2): signals[0].horizon, signals[1].force"},
		Article:  "The council voted 7-2 on Tuesday.\n\nIt will “build a park” by 2026.",
		Quotes:   []string{`It will "build a park"`, "not in the text at all"},
	}, nil
}

func (f *fakeActions) Accept(_ context.Context, id string) (string, error) {
	f.record("accept " + id[:2])
	f.remove(id)
	return "accepted " + id[:2], nil
}

func (f *fakeActions) Reject(_ context.Context, id, reason string) (string, error) {
	f.record("reject " + id[:2] + " " + reason)
	f.remove(id)
	return "rejected " + id[:2], nil
}

func (f *fakeActions) Regen(_ context.Context, id, section, hint string) (string, error) {
	f.record("regen " + id[:2] + " " + section + " " + hint)
	if hint == "fail" {
		return "", errors.New("the model refused")
	}
	return "regenerated " + section, nil
}

func (f *fakeActions) Edit(_ context.Context, id string) (*exec.Cmd, func(error) (string, error), error) {
	f.record("edit " + id[:2])
	return exec.Command("true"), func(err error) (string, error) {
		f.record(fmt.Sprintf("edited %s %v", id[:2], err))
		return "edited " + id[:2], nil
	}, nil
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// screen reads what a test program draws; wait looks for text drawn since
// the last send.
type screen struct {
	tm   *teatest.TestModel
	out  bytes.Buffer
	from int
}

func newScreen(t *testing.T, m tea.Model, w, h int) *screen {
	return &screen{tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))}
}

func (s *screen) send(keys ...string) {
	s.read()
	s.from = s.out.Len()
	for _, k := range keys {
		s.tm.Send(press(k))
	}
}

func (s *screen) typ(text string) { s.read(); s.from = s.out.Len(); s.tm.Type(text) }

func (s *screen) read() {
	b, _ := io.ReadAll(s.tm.Output())
	s.out.Write(b)
}

func (s *screen) wait(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.read()
		if bytes.Contains(s.out.Bytes()[s.from:], []byte(want)) {
			return
		}
	}
	t.Fatalf("%q not drawn; the screen drew:\n%s", want, s.out.Bytes()[s.from:])
}

func (s *screen) quit(t *testing.T) *Model {
	s.tm.Send(press("q"))
	return s.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
}

func TestReviewSession(t *testing.T) {
	f := newFake(4)
	sc := newScreen(t, New(Options{Actions: f}), 80, 24)
	sc.wait(t, "1 of 2 quotes found")

	// Move to the second draft and accept it.
	sc.send("j")
	sc.wait(t, "2/4")
	sc.send("a")
	sc.wait(t, "y/n")
	sc.send("y")
	sc.wait(t, "accepted 01")
	sc.wait(t, "3 drafts")

	// The cursor stays in place: the next draft (02) is selected. Reject it.
	sc.send("r")
	sc.wait(t, "reason")
	sc.typ("off topic")
	sc.send("enter")
	sc.wait(t, "rejected 02")

	// Regenerate the summary of the draft now selected, with a hint.
	sc.send("g")
	sc.wait(t, "s summary")
	sc.send("s")
	sc.typ("shorter")
	sc.send("enter")
	sc.wait(t, "regenerated summary")

	// An accept that is not confirmed does nothing.
	sc.send("a")
	sc.wait(t, "y/n")
	sc.send("n")
	sc.wait(t, "not accepted")

	// Edit suspends the screen for the editor and reads the result back.
	sc.send("e")
	sc.wait(t, "edited 03")

	fm := sc.quit(t)
	want := []string{"accept 01", "reject 02 off topic", "regen 03 summary shorter", "edit 03", "edited 03 <nil>"}
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Fatalf("calls:\n%q\nwant\n%q", got, want)
	}
	if ids := ids(fm.Items()); !slices.Equal(ids, []string{"00", "03"}) {
		t.Fatalf("left %v", ids)
	}
}

func TestReviewErrorsAndCancel(t *testing.T) {
	f := newFake(1)
	sc := newScreen(t, New(Options{Actions: f}), 80, 24)
	sc.wait(t, "1 draft ")
	sc.send("g", "i")
	sc.typ("fail")
	sc.send("enter")
	sc.wait(t, "the model refused")
	sc.send("r", "esc")
	sc.wait(t, "cancelled")
	sc.send("?")
	sc.wait(t, "scroll the pane down")
	sc.send("x")
	fm := sc.quit(t)
	if len(fm.Items()) != 1 || !slices.Equal(f.Calls(), []string{"regen 00 signals fail"}) {
		t.Fatalf("items %v calls %v", fm.Items(), f.Calls())
	}
}

// TestReviewFits draws the screen at several sizes, and after a resize:
// every line fits the width and the screen is exactly the height.
func TestReviewFits(t *testing.T) {
	for _, n := range []int{0, 1, 3, 12} {
		m := New(Options{Actions: newFake(n)})
		m.Update(m.Init()())
		for _, size := range [][2]int{{80, 24}, {140, 40}, {110, 30}, {60, 16}, {80, 24}} {
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			for _, k := range []string{"j", "tab", " ", "k"} {
				m.Update(press(k))
			}
			lines := strings.Split(m.View(), "\n")
			if len(lines) != size[1] {
				t.Errorf("%d drafts at %v: %d lines", n, size, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%d drafts at %v: line %d is %d wide: %q", n, size, i, w, l)
				}
			}
		}
	}
}

func TestHighlightQuotes(t *testing.T) {
	text := "Zoom  updated its “terms of service” in March.\n\nAnalysts expect more — and soon… said one."
	spans, found := findQuotes(text, []string{`updated its "terms of service"`, "more - and soon...", "absent quote here", "Analysts expect ... said one"})
	if found != 3 {
		t.Fatalf("found %d of 4 quotes: %v", found, spans)
	}
	got := wrapText(text, spans, 20, func(s string) string { return "[" + s + "]" })
	// "said one" is too short a part of the shortened fourth quote to look for.
	want := "Zoom [updated its]\n[“terms of service”]\nin March.\n\n[Analysts expect more]\n[— and soon…] said\none."
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := wrapText("abcdefghijklmnopqrstuvwxyz", nil, 10, nil); got != "abcdefghij\nklmnopqrst\nuvwxyz" {
		t.Fatalf("long word: %q", got)
	}
}

func ids(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID[:2])
	}
	return out
}
