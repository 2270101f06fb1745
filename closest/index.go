package closest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/digest-tool/digest/internal/atomicfile"
)

// Index is the archive's index for one engine, loaded in memory and saved
// to one file. It is not safe for concurrent use.
type Index struct {
	path     string
	engine   Engine
	sp       space
	recs     []record       // by slot; dead slots stay until the file is written
	slots    map[string]int // live id → slot
	complete bool           // every archive entry was added by Sync
	stale    error          // why the index may not cover the archive
	changed  bool           // something to write
	pending  int            // slots added since the space's statistics were refreshed
}

// record is what the index keeps of an entry besides its vector.
type record struct {
	id, title string
	url       uint64 // hash of the canonical URL; 0 = none
	hash      uint64 // hash of Text(entry): unchanged text is not encoded again
	live      bool
}

// FileName is a file name for the index of engine e, so that indexes built
// with different engines or models sit side by side in one folder
// (.digest/index/) and switching back and forth costs nothing.
func FileName(e Engine) string {
	if e.Model() == "" {
		return e.Name() + ".dgix"
	}
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, e.Model())
	return e.Name() + "-" + safe + ".dgix"
}

// Open loads the index at path for engine e. A missing file gives an empty
// index; so does a file that cannot be trusted (corrupt, truncated, another
// format version, another engine or model): it is never half-read. In both
// cases Stale says why, and the caller rebuilds with Sync. Only a file that
// exists but cannot be read is an error.
func Open(path string, e Engine) (*Index, error) {
	x := newIndex(path, e)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		x.stale = fmt.Errorf("index %s: not built yet", path)
		return x, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open index %s: not a regular file", path)
	}
	if err := x.decode(f, st.Size()); err != nil {
		x = newIndex(path, e)
		x.stale = fmt.Errorf("index %s: %w; discarded", path, err)
		x.changed = true
		return x, nil
	}
	if !x.complete {
		x.stale = fmt.Errorf("index %s: the last rebuild did not finish", path)
	}
	return x, nil
}

func newIndex(path string, e Engine) *Index {
	return &Index{path: path, engine: e, sp: e.newSpace(), slots: map[string]int{}}
}

// Stale reports why the index may not cover the whole archive: no file yet,
// a file that was discarded, or a rebuild that did not finish. Adding single
// entries to a stale index is fine, but only Sync with every archive entry
// makes it whole; Stale is nil after that, and after opening a whole index.
func (x *Index) Stale() error { return x.stale }

// Len is the number of entries indexed.
func (x *Index) Len() int { return len(x.slots) }

// Add indexes docs, replacing entries with the same id. A doc whose indexed
// text has not changed costs nothing: it is not encoded again, though a new
// canonical URL is recorded. Docs are encoded in batches, and each
// batch is recorded as it arrives, so after an error the index keeps (and
// Save writes) what was already paid for.
func (x *Index) Add(ctx context.Context, docs ...Doc) (Stats, error) {
	var st Stats
	last := make(map[string]int, len(docs))
	for i, d := range docs {
		if d.ID == "" {
			return st, fmt.Errorf("index: entry %q has no id", d.Entry.Title)
		}
		last[d.ID] = i
	}
	type job struct {
		doc  *Doc
		text string
		hash uint64
	}
	var todo []job
	for i := range docs {
		d := &docs[i]
		if last[d.ID] != i {
			continue // a later doc with the same id wins
		}
		text := Text(d.Entry)
		h := hash64(text)
		if s, ok := x.slots[d.ID]; ok && x.recs[s].hash == h {
			r := &x.recs[s]
			if u := urlHash(d.CanonicalURL); r.title != d.Entry.Title || r.url != u {
				r.title, r.url = d.Entry.Title, u
				x.changed = true
			}
			st.Unchanged++
			continue
		}
		todo = append(todo, job{d, text, h})
	}
	defer x.maybeRefresh()
	n := x.sp.batch()
	texts := make([]string, 0, min(n, len(todo)))
	for len(todo) > 0 {
		chunk := todo[:min(n, len(todo))]
		todo = todo[len(chunk):]
		texts = texts[:0]
		for _, j := range chunk {
			texts = append(texts, j.text)
		}
		reps, err := x.sp.prepare(ctx, texts)
		if err != nil {
			return st, fmt.Errorf("index: %w", err)
		}
		st.Encoded += len(texts)
		for i, j := range chunk {
			if err := x.sp.add(reps[i]); err != nil {
				return st, fmt.Errorf("index: entry %s: %w", j.doc.ID, err)
			}
			if s, ok := x.slots[j.doc.ID]; ok {
				x.kill(s)
				st.Updated++
			} else {
				st.Added++
			}
			x.recs = append(x.recs, record{
				id:    j.doc.ID,
				title: j.doc.Entry.Title,
				url:   urlHash(j.doc.CanonicalURL),
				hash:  j.hash,
				live:  true,
			})
			x.slots[j.doc.ID] = len(x.recs) - 1
			x.pending++
			x.changed = true
		}
	}
	return st, nil
}

// Sync makes the index hold exactly docs, the whole archive: it adds what is
// new or changed (as Add) and removes ids that are not in docs. When it
// returns nil the index is whole and Stale is nil.
func (x *Index) Sync(ctx context.Context, docs []Doc) (Stats, error) {
	st, err := x.Add(ctx, docs...)
	if err != nil {
		return st, err
	}
	keep := make(map[string]bool, len(docs))
	for _, d := range docs {
		keep[d.ID] = true
	}
	for id, s := range x.slots {
		if !keep[id] {
			x.kill(s)
			st.Removed++
		}
	}
	x.sp.refresh(len(x.slots))
	x.pending = 0
	if !x.complete {
		x.changed = true
	}
	x.complete, x.stale = true, nil
	return st, nil
}

// Remove drops the entry with this id, and reports whether it was indexed.
func (x *Index) Remove(id string) bool {
	s, ok := x.slots[id]
	if ok {
		x.kill(s)
		x.maybeRefresh()
	}
	return ok
}

func (x *Index) kill(s int) {
	r := &x.recs[s]
	r.live = false
	x.sp.drop(s)
	delete(x.slots, r.id)
	x.pending++
	x.changed = true
}

// maybeRefresh refreshes corpus statistics (the lexical engine's idf) once
// a twentieth of the index changed since they were last computed, so single
// additions stay cheap and many additions do not drift far.
func (x *Index) maybeRefresh() {
	if x.pending > 0 && x.pending*20 >= len(x.slots) {
		x.sp.refresh(len(x.slots))
		x.pending = 0
	}
}

// Closest returns up to k entries most similar to d (MaxClosest when
// k <= 0), most similar first, ties in id order. It never returns d itself,
// an entry with d's canonical URL, an id twice, or an entry whose score is
// below minScore or not above zero. d need not be indexed; if it is not, or its
// text changed, its text is encoded first (a request to the embedding
// endpoint).
func (x *Index) Closest(ctx context.Context, d Doc, k int, minScore float64) ([]Match, error) {
	if k <= 0 {
		k = MaxClosest
	}
	out := make([]Match, 0, k)
	if len(x.slots) == 0 {
		return out, nil
	}
	text := Text(d.Entry)
	var q rep
	stored := false
	if s, ok := x.slots[d.ID]; ok && x.recs[s].hash == hash64(text) {
		q, stored = x.sp.get(s)
	}
	if !stored {
		reps, err := x.sp.prepare(ctx, []string{text})
		if err != nil {
			return nil, fmt.Errorf("closest %s: %w", d.ID, err)
		}
		q = reps[0]
	}
	scores := make([]float32, len(x.recs))
	x.sp.score(q, scores)

	u := urlHash(d.CanonicalURL)
	top := make([]int, 0, k+1) // slots, best first
	better := func(a, b int) bool {
		if scores[a] != scores[b] {
			return scores[a] > scores[b]
		}
		return x.recs[a].id < x.recs[b].id
	}
	for s, sc := range scores {
		if sc <= 0 || float64(sc) < minScore {
			continue
		}
		r := &x.recs[s]
		if !r.live || r.id == d.ID || (u != 0 && r.url == u) {
			continue
		}
		if len(top) == k && !better(s, top[k-1]) {
			continue
		}
		i := len(top)
		for i > 0 && better(s, top[i-1]) {
			i--
		}
		top = append(top, 0)
		copy(top[i+1:], top[i:])
		top[i] = s
		if len(top) > k {
			top = top[:k]
		}
	}
	for _, s := range top {
		out = append(out, Match{ID: x.recs[s].id, Title: x.recs[s].title, Score: float64(scores[s])})
	}
	return out, nil
}

// Save writes the index to its file if anything changed since it was
// opened. The file is written whole to a temporary file in the same folder
// and renamed over the old one, so a crash leaves the old file or the new
// one, never half of either.
func (x *Index) Save() (err error) {
	if !x.changed {
		return nil
	}
	dir := filepath.Dir(x.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	f, err := atomicfile.CreateTemp(x.path)
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("save index %s: %w", x.path, err)
		}
	}()
	w := newWriter(f)
	x.encode(w)
	if err = w.finish(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, x.path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // make the rename durable where the filesystem allows
		d.Close()
	}
	x.changed = false
	return nil
}

func (x *Index) encode(w *writer) {
	keep := make([]int, 0, len(x.slots))
	for s := range x.recs {
		if x.recs[s].live {
			keep = append(keep, s)
		}
	}
	w.bytes([]byte(magic))
	w.u32(formatVersion)
	var flags uint32
	if x.complete {
		flags |= flagComplete
	}
	w.u32(flags)
	w.str(x.engine.Name())
	w.str(x.engine.Model())
	w.uvarint(uint64(len(keep)))
	blob := 0
	for _, s := range keep {
		r := &x.recs[s]
		w.uvarint(uint64(len(r.id)))
		w.uvarint(uint64(len(r.title)))
		w.u64(r.url)
		w.u64(r.hash)
		blob += len(r.id) + len(r.title)
	}
	w.uvarint(uint64(blob))
	for _, s := range keep {
		w.bytes([]byte(x.recs[s].id))
		w.bytes([]byte(x.recs[s].title))
	}
	x.sp.write(w, keep)
}

// decode reads an index file of size bytes from src into x. It checks the
// magic and version first, parses the rest as it is read, and trusts nothing
// it built unless the file ends exactly where its checksum says.
func (x *Index) decode(src io.Reader, size int64) error {
	head := make([]byte, min(size, 8))
	if _, err := io.ReadFull(src, head); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if len(head) < len(magic) || string(head[:len(magic)]) != magic {
		return errors.New("not an index file")
	}
	if len(head) < 8 || size < 8+4+4 {
		return errors.New("truncated")
	}
	if v := binary.LittleEndian.Uint32(head[4:]); v != formatVersion {
		return fmt.Errorf("format version %d, this digest reads version %d", v, formatVersion)
	}
	r := newReader(src, size-8-4)
	r.crc.Write(head)
	err := x.parse(r)
	if errors.Is(err, errOtherEngine) {
		return err
	}
	if err == nil && r.remaining() != 0 {
		err = fmt.Errorf("%d bytes after the end", r.remaining())
	}
	if err != nil {
		// Read on, to tell a corrupt file from one this code cannot parse.
		if _, cerr := io.Copy(r.crc, io.LimitReader(src, r.left)); cerr != nil {
			return fmt.Errorf("read: %w", cerr)
		}
	}
	var sum [4]byte
	if _, rerr := io.ReadFull(src, sum[:]); rerr != nil {
		return errors.New("truncated")
	}
	if r.crc.Sum32() != binary.LittleEndian.Uint32(sum[:]) {
		return errors.New("checksum mismatch: the file is corrupt or truncated")
	}
	return err
}

// errOtherEngine marks a file built by another engine or model.
var errOtherEngine = errors.New("built by another engine")

// parse reads what follows the version.
func (x *Index) parse(r *reader) error {
	flags := r.u32()
	name, model := r.str(), r.str()
	if r.err == nil && (name != x.engine.Name() || model != x.engine.Model()) {
		return fmt.Errorf("%w: %s, want %s", errOtherEngine, describe(name, model), describe(x.engine.Name(), x.engine.Model()))
	}
	n := r.count(18)
	x.recs = make([]record, n, headroom(n)) // room for the next entries without a copy
	lens := make([]int, 2*n)
	total := 0
	for i := range x.recs {
		lens[2*i], lens[2*i+1] = int(r.uvarint()), int(r.uvarint())
		x.recs[i].url, x.recs[i].hash = r.u64(), r.u64()
		x.recs[i].live = true
		total += lens[2*i] + lens[2*i+1]
	}
	blob := r.str()
	if r.err == nil && total != len(blob) {
		r.fail("entry names do not add up")
	}
	if r.err != nil {
		return r.err
	}
	x.slots = make(map[string]int, n)
	off := 0
	for i := range x.recs {
		rec := &x.recs[i]
		rec.id = blob[off : off+lens[2*i]]
		off += lens[2*i]
		rec.title = blob[off : off+lens[2*i+1]]
		off += lens[2*i+1]
		if _, dup := x.slots[rec.id]; dup || rec.id == "" {
			return fmt.Errorf("entry %d: bad or repeated id %q", i, rec.id)
		}
		x.slots[rec.id] = i
	}
	if err := x.sp.read(r, n); err != nil {
		return err
	}
	if r.err != nil {
		return r.err
	}
	x.sp.refresh(n)
	x.complete = flags&flagComplete != 0
	return nil
}

func describe(name, model string) string {
	if model == "" {
		return name
	}
	return name + " (" + model + ")"
}

// hash64 is FNV-1a, 64 bits: enough to tell a changed text from an
// unchanged one among 100,000 entries.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func urlHash(u string) uint64 {
	if u == "" {
		return 0
	}
	return max(hash64(u), 1)
}
