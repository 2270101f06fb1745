// Package store is the workspace on disk: drafts and entries as markdown
// plus a JSON sidecar each, written atomically so a crash never leaves a
// half-written file.
package store

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/internal/atomicfile"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
)

// SidecarVersion is the version of the sidecar's JSON layout.
const SidecarVersion = 1

// Draft is the sidecar: the source of truth for a draft or an entry. The
// markdown file beside it is rendered from Entry.
type Draft struct {
	Version  int             `json:"version"`
	ID       string          `json:"id"`
	Entry    render.Entry    `json:"entry"`
	Article  extract.Article `json:"article"`
	Engine   string          `json:"engine"`
	Model    string          `json:"model,omitempty"`
	Usage    prompt.Usage    `json:"usage"`
	InputCut bool            `json:"input_cut"`
	Cached   bool            `json:"cached"`
	ToReview []string        `json:"to_review,omitempty"`
	Created  time.Time       `json:"created"`
	Tool     string          `json:"tool"` // digest version that wrote it
	// Rejected is set on the sidecars of drafts/rejected/.
	Rejected *Rejection `json:"rejected,omitempty"`
}

// Workspace is a digest folder.
type Workspace struct {
	Root    string
	Drafts  string // absolute or Root-relative folder of drafts
	Entries string
}

// Open describes the workspace at root with its drafts and entries folders
// (relative to root unless absolute).
func Open(root, drafts, entries string) *Workspace {
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	return &Workspace{Root: root, Drafts: abs(drafts), Entries: abs(entries)}
}

// StateDir is the workspace's private folder (cache, journal, index).
func (w *Workspace) StateDir() string { return filepath.Join(w.Root, ".digest") }

var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidID reports whether id is a 32-hex-digit entry id.
func ValidID(id string) bool { return idRE.MatchString(id) }

// Where says whether id already exists as an entry, a draft or a rejected
// draft (looked for in that order), returning the sidecar's path. The
// sidecar is the commit point of a save, so a markdown file without one
// does not count. A rejected link counts so that it is not drafted again.
func (w *Workspace) Where(id string) (string, bool) {
	for _, dir := range []string{w.Entries, w.Drafts, w.RejectedDir()} {
		p := filepath.Join(dir, id+".json")
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// SaveDraft writes drafts/<id>.md then drafts/<id>.json, each atomically.
// The sidecar goes last: it is what marks the draft as existing.
func (w *Workspace) SaveDraft(d Draft, markdown []byte) (mdPath string, err error) {
	if !ValidID(d.ID) {
		return "", fmt.Errorf("save draft: invalid id %q", d.ID)
	}
	d.Version = SidecarVersion
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "", fmt.Errorf("save draft %s: %w", d.ID, err)
	}
	if err := os.MkdirAll(w.Drafts, 0o755); err != nil {
		return "", fmt.Errorf("save draft: %w", err)
	}
	mdPath = filepath.Join(w.Drafts, d.ID+".md")
	if err := WriteFileAtomic(mdPath, markdown, 0o644); err != nil {
		return "", err
	}
	if err := WriteFileAtomic(filepath.Join(w.Drafts, d.ID+".json"), append(js, '\n'), 0o644); err != nil {
		return "", err
	}
	return mdPath, nil
}

// LoadDraft reads id's sidecar from wherever Where finds it: entries,
// drafts or rejected drafts.
func (w *Workspace) LoadDraft(id string) (Draft, error) {
	p, ok := w.Where(id)
	if !ok {
		return Draft{}, fmt.Errorf("no draft or entry with id %s", id)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Draft{}, err
	}
	var d Draft
	if err := json.Unmarshal(b, &d); err != nil {
		return Draft{}, fmt.Errorf("%s: %w", p, err)
	}
	return d, nil
}

// WriteFileAtomic writes data to a temporary file in path's folder, syncs
// it and renames it over path, so readers see the old file or the new one,
// never a part. The temporary files a killed process left in the folder
// are removed by the first such write of the next process.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := atomicfile.CreateTemp(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		// Make the rename itself durable; not all filesystems support it.
		_ = d.Sync()
		d.Close()
	}
	return nil
}
