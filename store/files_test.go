package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
)

func saveDraft(t *testing.T, w *Workspace, id string) Draft {
	t.Helper()
	d := Draft{ID: id, Entry: render.Entry{Title: "Title " + id[:4]}, Article: extract.Article{Text: "some text"}}
	if _, err := w.SaveDraft(d, []byte("# md "+id)); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolveDraft(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	a, b, c := "aaaaaa11"+strings.Repeat("0", 24), "aaaaaa22"+strings.Repeat("0", 24), "bbbbbb"+strings.Repeat("1", 26)
	for _, id := range []string{a, b, c} {
		saveDraft(t, w, id)
	}
	// A markdown file alone and an entry are not drafts.
	os.WriteFile(filepath.Join(w.Drafts, "cccccc"+strings.Repeat("2", 26)+".md"), []byte("x"), 0o644)
	if got, err := w.ResolveDraft("BBBBBB"); err != nil || got != c {
		t.Fatalf("unique prefix: %q %v", got, err)
	}
	if got, err := w.ResolveDraft(a); err != nil || got != a {
		t.Fatalf("full id: %q %v", got, err)
	}
	var amb *AmbiguousError
	if _, err := w.ResolveDraft("aaaaaa"); !errors.As(err, &amb) || !slices.Equal(amb.IDs, []string{a, b}) {
		t.Fatalf("ambiguous: %v", err)
	}
	for _, p := range []string{"cccccc", "dddddd", strings.Repeat("d", 32)} {
		if _, err := w.ResolveDraft(p); !errors.Is(err, ErrNoDraft) {
			t.Errorf("%s: %v, want ErrNoDraft", p, err)
		}
	}
	for _, p := range []string{"aaaaa", "zzzzzz", "../../x", strings.Repeat("a", 33)} {
		if _, err := w.ResolveDraft(p); err == nil || errors.Is(err, ErrNoDraft) {
			t.Errorf("%q: %v, want a bad id error", p, err)
		}
	}
}

func TestAcceptMovesAndRepairs(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	d := saveDraft(t, w, id)
	d.Entry.Closest = []render.Related{{Title: "x", ID: strings.Repeat("f", 32)}}
	mdPath, jsPath, err := w.Accept(d, []byte("# entry"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(mdPath); string(b) != "# entry" {
		t.Fatalf("entry markdown %q", b)
	}
	if got, _ := readSidecar(jsPath); len(got.Entry.Closest) != 1 || got.Version != SidecarVersion {
		t.Fatalf("entry sidecar %+v", got)
	}
	if w.HasDraft(id) || fileExists(filepath.Join(w.Drafts, id+".md")) {
		t.Fatal("draft files left")
	}
	if _, _, err := w.Accept(d, []byte("# entry")); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("second accept: %v", err)
	}
	// A crash after the entry was written: the draft is back beside it;
	// accepting again finishes the move.
	saveDraft(t, w, id)
	if _, _, err := w.Accept(d, []byte("# entry")); err != nil || w.HasDraft(id) {
		t.Fatalf("repair: %v", err)
	}
	if ids, _ := w.EntryIDs(); !slices.Equal(ids, []string{id}) {
		t.Fatalf("EntryIDs %v", ids)
	}
	assertNoTemp(t, w.Root)
}

func TestRejectIsRemembered(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	saveDraft(t, w, id)
	at := time.Date(2023, 8, 27, 9, 0, 0, 0, time.UTC)
	p, err := w.Reject(id, " off topic ", at)
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(w.Drafts, "rejected", id+".md") || !fileExists(p) || w.HasDraft(id) {
		t.Fatalf("rejected to %s", p)
	}
	where, ok := w.Where(id)
	if !ok || !strings.Contains(where, "rejected") {
		t.Fatalf("Where = %q %v: a rejected link must count as known", where, ok)
	}
	d, err := w.LoadDraft(id)
	if err != nil || d.Rejected == nil || d.Rejected.Reason != "off topic" || !d.Rejected.At.Equal(at) {
		t.Fatalf("rejection not recorded: %+v %v", d.Rejected, err)
	}
	if ids, _ := w.RejectedIDs(); !slices.Equal(ids, []string{id}) {
		t.Fatalf("RejectedIDs %v", ids)
	}
	if ids, _ := w.DraftIDs(); len(ids) != 0 {
		t.Fatalf("DraftIDs %v", ids)
	}
	if _, err := w.Reject(id, "", at); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("second reject: %v", err)
	}
}

func TestLockExcludes(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	ctx := context.Background()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := w.Lock(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			l.Unlock()
		}()
	}
	wg.Wait()
	if b, err := os.ReadFile(filepath.Join(w.StateDir(), ".gitignore")); err != nil || !strings.HasSuffix(string(b), "\n*\n") {
		t.Errorf(".digest/.gitignore: %q %v", b, err)
	}
	if most.Load() != 1 {
		t.Fatalf("%d holders at once", most.Load())
	}
	l, err := w.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := w.Lock(short); err == nil || !strings.Contains(err.Error(), "busy") || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("a held lock was taken or the error is unclear: %v", err)
	}
}

// TestLockAcrossProcesses holds the lock in a child process (this test
// binary) and checks that this process waits for it.
func TestLockAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("STORE_LOCK_CHILD"); dir != "" {
		l, err := Open(dir, "drafts", "entries").Lock(context.Background())
		if err != nil {
			os.Exit(3)
		}
		os.WriteFile(filepath.Join(dir, "held"), nil, 0o644)
		time.Sleep(300 * time.Millisecond)
		l.Unlock()
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "STORE_LOCK_CHILD="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !fileExists(filepath.Join(dir, "held")); {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child did not take the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	w := Open(dir, "drafts", "entries")
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.Lock(short); err == nil || !strings.Contains(err.Error(), "process") {
		t.Fatalf("took the lock another process holds: %v", err)
	}
	l, err := w.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
}

func assertNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}
