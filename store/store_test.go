package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
)

const id = "0123456789abcdef0123456789abcdef"

func TestSaveAndLoadDraft(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	if _, ok := w.Where(id); ok {
		t.Fatal("empty workspace has the id")
	}
	d := Draft{ID: id, Entry: render.Entry{Title: "T", Signals: []render.Signal{{Signal: "s", Evidence: "quote"}}}, Engine: "offline"}
	p, err := w.SaveDraft(d, []byte("# md"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "# md" {
		t.Fatalf("markdown = %q", b)
	}
	if where, ok := w.Where(id); !ok || !strings.HasSuffix(where, filepath.Join("drafts", id+".json")) {
		t.Fatalf("Where = %q %v", where, ok)
	}
	got, err := w.LoadDraft(id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != SidecarVersion || got.Entry.Signals[0].Evidence != "quote" || got.Engine != "offline" {
		t.Fatalf("loaded %+v", got)
	}
	ents, _ := os.ReadDir(w.Drafts)
	if len(ents) != 2 {
		t.Fatalf("drafts holds %d files, want 2 (no temp files left)", len(ents))
	}
}

func TestSaveDraftRejectsBadID(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	if _, err := w.SaveDraft(Draft{ID: "../x"}, nil); err == nil {
		t.Fatal("bad id accepted")
	}
}

func TestMarkdownWithoutSidecarDoesNotCount(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	os.MkdirAll(w.Drafts, 0o755)
	os.WriteFile(filepath.Join(w.Drafts, id+".md"), []byte("x"), 0o644)
	if _, ok := w.Where(id); ok {
		t.Fatal("a markdown file alone counted as a draft")
	}
}

func TestWriteFileAtomicFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFileAtomic(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder in the way of the rename makes the write fail after the temp file exists.
	bad := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(bad, "x"), 0o755)
	if err := WriteFileAtomic(bad, []byte("new"), 0o644); err == nil {
		t.Fatal("rename over a non-empty folder succeeded")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temp file left: %s", e.Name())
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("old file changed: %q", b)
	}
	var d Draft
	if err := json.Unmarshal([]byte(`{"version":1}`), &d); err != nil || d.Version != 1 {
		t.Fatal("sidecar JSON shape changed")
	}
}
