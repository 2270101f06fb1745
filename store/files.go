package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/digest-tool/digest/render"
)

// ErrNoDraft is the error, wrapped, for a draft id the workspace lacks.
var ErrNoDraft = errors.New("no such draft")

// MinPrefix is the fewest hex digits of an id that ResolveDraft takes.
const MinPrefix = 6

// AmbiguousError is ResolveDraft's error for a prefix of several drafts.
type AmbiguousError struct {
	Prefix string
	IDs    []string // the drafts it matches, sorted
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("id %s matches %d drafts: %s", e.Prefix, len(e.IDs), strings.Join(e.IDs, ", "))
}

// Rejection records that a draft was rejected, so that the same link is not
// proposed again.
type Rejection struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// RejectedDir is the folder of rejected drafts, inside the drafts folder.
func (w *Workspace) RejectedDir() string { return filepath.Join(w.Drafts, "rejected") }

// ValidPrefix reports whether p is MinPrefix to 32 lowercase hex digits.
func ValidPrefix(p string) bool {
	return len(p) >= MinPrefix && len(p) <= 32 && idRE.MatchString(p+strings.Repeat("0", 32-len(p)))
}

// ResolveDraft finds the draft whose id starts with prefix (MinPrefix hex
// digits or more). The error wraps ErrNoDraft when none does, and is an
// *AmbiguousError when several do.
func (w *Workspace) ResolveDraft(prefix string) (string, error) {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if !ValidPrefix(prefix) {
		return "", fmt.Errorf("%q is not a draft id: want %d to 32 hex digits", prefix, MinPrefix)
	}
	if len(prefix) == 32 {
		if !w.HasDraft(prefix) {
			return "", fmt.Errorf("%s: %w", prefix, ErrNoDraft)
		}
		return prefix, nil
	}
	ids, err := w.DraftIDs()
	if err != nil {
		return "", err
	}
	var found []string
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%s: %w", prefix, ErrNoDraft)
	case 1:
		return found[0], nil
	}
	return "", &AmbiguousError{Prefix: prefix, IDs: found}
}

// DraftIDs lists the ids of the drafts (those with a sidecar), sorted.
func (w *Workspace) DraftIDs() ([]string, error) { return idsIn(w.Drafts, ".json") }

// RejectedIDs lists the ids of the rejected drafts, sorted.
func (w *Workspace) RejectedIDs() ([]string, error) { return idsIn(w.RejectedDir(), ".json") }

// EntryIDs lists the ids of the archive's entries, sorted: those with a
// sidecar or, for entries written before digest, a markdown file alone.
func (w *Workspace) EntryIDs() ([]string, error) {
	js, err := idsIn(w.Entries, ".json")
	if err != nil {
		return nil, err
	}
	mds, err := idsIn(w.Entries, ".md")
	if err != nil {
		return nil, err
	}
	ids := append(js, mds...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// idsIn lists the ids named <id><ext> in dir; a missing dir holds none.
func idsIn(dir, ext string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if id, ok := strings.CutSuffix(e.Name(), ext); ok && ValidID(id) && e.Type().IsRegular() {
			ids = append(ids, id)
		}
	}
	return ids, nil // ReadDir sorts by name
}

// HasDraft reports whether id is a draft (its sidecar exists).
func (w *Workspace) HasDraft(id string) bool {
	_, err := os.Stat(filepath.Join(w.Drafts, id+".json"))
	return err == nil
}

// DraftPaths are the draft's markdown and sidecar paths.
func (w *Workspace) DraftPaths(id string) (md, sidecar string) {
	return filepath.Join(w.Drafts, id+".md"), filepath.Join(w.Drafts, id+".json")
}

// EntryPaths are the archive entry's markdown and sidecar paths.
func (w *Workspace) EntryPaths(id string) (md, sidecar string) {
	return filepath.Join(w.Entries, id+".md"), filepath.Join(w.Entries, id+".json")
}

// ReadDraft reads draft id: its sidecar and its markdown file. md is nil
// when the markdown file is missing (the sidecar alone makes a draft). The
// error wraps ErrNoDraft when the draft does not exist.
func (w *Workspace) ReadDraft(id string) (d Draft, md []byte, err error) {
	mdPath, jsPath := w.DraftPaths(id)
	d, err = readSidecar(jsPath)
	if errors.Is(err, fs.ErrNotExist) {
		return Draft{}, nil, fmt.Errorf("%s: %w", id, ErrNoDraft)
	}
	if err != nil {
		return Draft{}, nil, err
	}
	md, err = os.ReadFile(mdPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Draft{}, nil, err
	}
	return d, md, nil
}

// ReadEntry reads archive entry id: from its sidecar, or by parsing its
// markdown when it has none. canonicalURL is the article's canonical URL
// when the sidecar records it.
func (w *Workspace) ReadEntry(id string) (e render.Entry, canonicalURL string, err error) {
	mdPath, jsPath := w.EntryPaths(id)
	d, err := readSidecar(jsPath)
	if err == nil {
		return d.Entry, d.Article.CanonicalURL, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return render.Entry{}, "", err
	}
	b, err := os.ReadFile(mdPath)
	if err != nil {
		return render.Entry{}, "", err
	}
	e, err = render.Parse(b)
	if err != nil {
		return render.Entry{}, "", fmt.Errorf("%s: %w", mdPath, err)
	}
	return e, "", nil
}

func readSidecar(path string) (Draft, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Draft{}, err
	}
	var d Draft
	if err := json.Unmarshal(b, &d); err != nil {
		return Draft{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Accept moves draft d.ID into the archive as d and md: entries/<id>.md,
// then entries/<id>.json, each written atomically (the sidecar last: it
// makes the entry exist), then the draft's sidecar and markdown are
// removed. A crash between the two steps leaves the draft and the entry
// both, and accepting the draft again finishes the move. Callers hold the
// workspace lock. It returns the entry's paths.
func (w *Workspace) Accept(d Draft, md []byte) (mdPath, sidecarPath string, err error) {
	if !ValidID(d.ID) {
		return "", "", fmt.Errorf("accept: invalid id %q", d.ID)
	}
	if !w.HasDraft(d.ID) {
		return "", "", fmt.Errorf("accept %s: %w", d.ID, ErrNoDraft)
	}
	mdPath, sidecarPath = w.EntryPaths(d.ID)
	if err := w.writePair(w.Entries, d, md); err != nil {
		return "", "", fmt.Errorf("accept %s: %w", d.ID, err)
	}
	if err := w.removeDraft(d.ID); err != nil {
		return mdPath, sidecarPath, fmt.Errorf("accept %s: the entry is written but the draft could not be removed: %w", d.ID, err)
	}
	return mdPath, sidecarPath, nil
}

// Reject moves draft id to the rejected folder, recording reason and at in
// its sidecar, and returns the rejected markdown's path. A rejected link
// counts as known to Where, so it is not drafted again unless forced.
// Callers hold the workspace lock.
func (w *Workspace) Reject(id, reason string, at time.Time) (string, error) {
	d, md, err := w.ReadDraft(id)
	if err != nil {
		return "", fmt.Errorf("reject: %w", err)
	}
	if _, sidecar := w.EntryPaths(id); fileExists(sidecar) && sameDraft(sidecar, d) {
		// An accept killed between writing the entry and removing the
		// draft: this very draft is in the archive, and rejecting it would
		// leave it both rejected and accepted. (A later draft of an
		// archived link, made with --force, may be rejected.)
		return "", fmt.Errorf("reject %s: it is already in the archive (an accept was interrupted): run 'digest accept %s' to finish moving it", id, id[:8])
	}
	d.Rejected = &Rejection{Reason: strings.TrimSpace(reason), At: at.UTC()}
	if err := w.writePair(w.RejectedDir(), d, md); err != nil {
		return "", fmt.Errorf("reject %s: %w", id, err)
	}
	if err := w.removeDraft(id); err != nil {
		return "", fmt.Errorf("reject %s: %w", id, err)
	}
	return filepath.Join(w.RejectedDir(), id+".md"), nil
}

// writePair writes <dir>/<id>.md (when md is not nil) then <dir>/<id>.json.
func (w *Workspace) writePair(dir string, d Draft, md []byte) error {
	d.Version = SidecarVersion
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if md != nil {
		if err := WriteFileAtomic(filepath.Join(dir, d.ID+".md"), md, 0o644); err != nil {
			return err
		}
	}
	return WriteFileAtomic(filepath.Join(dir, d.ID+".json"), append(js, '\n'), 0o644)
}

// removeDraft removes the draft's sidecar (it stops being a draft) and then
// its markdown.
func (w *Workspace) removeDraft(id string) error {
	mdPath, jsPath := w.DraftPaths(id)
	for _, p := range []string{jsPath, mdPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// sameDraft reports whether the sidecar at path was made from draft d:
// accepting keeps a draft's id and creation time (a draft without one
// cannot be told apart, and is taken as another).
func sameDraft(path string, d Draft) bool {
	e, err := readSidecar(path)
	return err == nil && !d.Created.IsZero() && e.ID == d.ID && e.Created.Equal(d.Created)
}
