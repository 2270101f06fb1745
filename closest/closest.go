// Package closest finds the entries of the archive most related to an entry,
// for its Closest list: an index of the archive kept on disk and updated one
// entry at a time, searched exhaustively with one of two engines (OpenAI
// embeddings or local TF-IDF).
//
// The list never holds the entry itself, an entry with the same canonical
// URL, or the same id twice, and its order is stable: most similar first,
// ties broken by id.
package closest

import (
	"context"

	"github.com/digest-tool/digest/render"
)

// MaxClosest is the length of a Closest list, and what Closest returns when
// asked for k <= 0.
const MaxClosest = 10

// Doc is one entry as the index sees it.
type Doc struct {
	ID string // the entry id (MD5 of the canonical URL)
	// CanonicalURL is the article's canonical URL; entries sharing it are
	// never each other's closest. Empty matches nothing.
	CanonicalURL string
	Entry        render.Entry // indexed through Text; Entry.Title is listed
}

// Match is one related entry.
type Match struct {
	ID    string
	Title string
	Score float64 // cosine similarity, at most 1
}

// Related turns matches into the lines of an entry's Closest list.
func Related(ms []Match) []render.Related {
	out := make([]render.Related, len(ms))
	for i, m := range ms {
		out[i] = render.Related{Title: m.Title, ID: m.ID}
	}
	return out
}

// Stats counts what Add or Sync did.
type Stats struct {
	Added     int // ids new to the index
	Updated   int // ids whose indexed text changed, encoded again
	Unchanged int // ids whose indexed text had not changed: nothing redone (a new canonical URL is still recorded)
	Removed   int // ids dropped by Sync because the archive no longer has them
	Encoded   int // texts encoded: sent to the embedding endpoint, or tokenised
}

// Engine turns texts into vectors and scores them. The two engines are
// NewLexical and NewEmbeddings; an index file belongs to one engine and model.
type Engine interface {
	// Name is "lexical" or "embeddings".
	Name() string
	// Model names the vectors: the embedding model, "" for lexical.
	Model() string
	// DefaultMin is a minimum similarity that keeps unrelated entries out
	// with this engine, for callers without a configured one.
	DefaultMin() float64

	newSpace() space
}

// space holds one engine's vectors, one per slot. Slots are appended and
// never reused within a process; dead ones are dropped when the file is
// written.
type space interface {
	// batch is how many texts to prepare at once; the index records each
	// batch before asking for the next, so an error keeps what was paid for.
	batch() int
	// prepare encodes texts; it may call the network. It adds no slot (the
	// lexical space gives new terms ids, which is harmless).
	prepare(ctx context.Context, texts []string) ([]rep, error)
	// add stores r in the next slot.
	add(r rep) error
	// drop forgets the contribution of a slot that died.
	drop(slot int)
	// get returns the stored representation of a live slot, if the space
	// keeps one; if not, the index prepares the entry's text again.
	get(slot int) (rep, bool)
	// score writes the similarity of q to every slot into out (len = slots).
	score(q rep, out []float32)
	// refresh recomputes corpus statistics after many changes.
	refresh(live int)
	// write writes the slots listed in keep, in order; read reads n slots.
	write(w *writer, keep []int)
	read(r *reader, n int) error
}

// rep is one text's representation; each engine uses its own fields.
type rep struct {
	terms []tf   // lexical: distinct terms, by increasing id
	vec   []byte // embeddings: quantised vector, biased and padded (see quantize)
	dim   int    // embeddings: dimensions before padding
	scale float32
}
