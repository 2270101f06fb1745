package closest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// NewLexical returns the local engine: TF-IDF cosine similarity over
// stemmed, stopword-filtered terms, with no network.
//
// A term weighs (1 + ln tf) × idf, idf = 1 + ln((1+N)/(1+df)). The index
// keeps raw term counts and document frequencies, so adding an entry touches
// only its own terms; idf and the entries' norms are recomputed from those
// counts when the index is loaded, after Sync, and once a twentieth of the
// entries changed. In between, idf lags by at most that twentieth, which
// moves scores a little and the order of a Closest list rarely.
// Queries walk an inverted index, so they touch only entries sharing a term.
func NewLexical() Engine { return lexical{} }

type lexical struct{}

func (lexical) Name() string        { return "lexical" }
func (lexical) Model() string       { return "" }
func (lexical) DefaultMin() float64 { return 0.1 }
func (lexical) newSpace() space     { return &lexSpace{ids: map[string]uint32{}} }

// lexSpace is the lexical engine's store: per slot its distinct terms and
// norm, per term its document frequency, idf and postings.
type lexSpace struct {
	ids   map[string]uint32 // term → term id
	words []string          // term id → term
	df    []uint32          // live entries holding the term
	idf   []float32         // as of the last refresh
	post  []postings        // term id → slots holding it, in slot order, dead ones too
	docs  [][]tf            // slot → terms by id; nil once dead
	norm  []float32         // slot → norm of its weight vector; 0 once dead
	n     int               // live entries at the last refresh
}

type tf struct{ term, n uint32 }

// postings are kept as two arrays: 5 bytes a posting instead of 8.
type postings struct {
	slot []uint32
	n    []uint8
}

// maxTF caps a term's count in one entry; past it, more repeats say nothing.
const maxTF = 255

// ltf is 1 + ln(n), the damped weight of a term seen n times.
var ltf = func() (t [maxTF + 1]float32) {
	for n := 1; n <= maxTF; n++ {
		t[n] = float32(1 + math.Log(float64(n)))
	}
	return t
}()

func idfOf(n int, df uint32) float32 {
	return float32(1 + math.Log(float64(1+n)/float64(1+df)))
}

func (s *lexSpace) batch() int { return 4096 }

func (s *lexSpace) prepare(_ context.Context, texts []string) ([]rep, error) {
	out := make([]rep, len(texts))
	counts := map[string]uint32{}
	for i, text := range texts {
		clear(counts)
		terms(text, func(t string) { counts[t]++ })
		r := make([]termCount, 0, len(counts))
		for t, n := range counts {
			r = append(r, termCount{t, min(n, maxTF)})
		}
		// A fixed order makes the float sums, and so the scores, repeatable.
		slices.SortFunc(r, func(a, b termCount) int { return strings.Compare(a.term, b.term) })
		out[i].terms = r
	}
	return out, nil
}

func (s *lexSpace) intern(t string) uint32 {
	id, ok := s.ids[t]
	if !ok {
		id = uint32(len(s.words))
		s.ids[t] = id
		s.words = append(s.words, t)
		s.df = append(s.df, 0)
		s.idf = append(s.idf, idfOf(s.n+1, 1))
		s.post = append(s.post, postings{})
	}
	return id
}

func (s *lexSpace) add(r rep) error {
	slot := uint32(len(s.docs))
	d := make([]tf, len(r.terms))
	for i, t := range r.terms {
		d[i] = tf{s.intern(t.term), min(t.n, maxTF)}
	}
	slices.SortFunc(d, func(a, b tf) int { return int(a.term) - int(b.term) })
	for _, t := range d {
		s.df[t.term]++
		p := &s.post[t.term]
		p.slot = append(p.slot, slot)
		p.n = append(p.n, uint8(t.n))
	}
	s.docs = append(s.docs, d)
	s.norm = append(s.norm, s.docNorm(d))
	return nil
}

func (s *lexSpace) docNorm(d []tf) float32 {
	var sum float64
	for _, t := range d {
		w := float64(ltf[t.n] * s.idf[t.term])
		sum += w * w
	}
	return float32(math.Sqrt(sum))
}

func (s *lexSpace) drop(slot int) {
	for _, t := range s.docs[slot] {
		s.df[t.term]--
	}
	s.docs[slot] = nil
	s.norm[slot] = 0
}

func (s *lexSpace) get(slot int) rep {
	d := s.docs[slot]
	r := make([]termCount, len(d))
	for i, t := range d {
		r[i] = termCount{s.words[t.term], t.n}
	}
	return rep{terms: r}
}

func (s *lexSpace) score(q rep, out []float32) {
	var qn float64
	for _, t := range q.terms {
		id, ok := s.ids[t.term]
		idf := idfOf(s.n, 0)
		if ok {
			idf = s.idf[id]
		}
		w := ltf[min(t.n, maxTF)] * idf
		qn += float64(w) * float64(w)
		if !ok {
			continue
		}
		// The entry's weight is ltf × idf too; idf is common to the posting list.
		wq := w * idf
		p := s.post[id]
		ns := p.n[:len(p.slot)]
		for i, slot := range p.slot {
			out[slot] += wq * ltf[ns[i]]
		}
	}
	if qn == 0 {
		clear(out)
		return
	}
	inv := float32(1 / math.Sqrt(qn))
	for slot, v := range out {
		if v == 0 {
			continue
		}
		if dn := s.norm[slot]; dn > 0 {
			out[slot] = v * inv / dn
		} else {
			out[slot] = 0
		}
	}
}

func (s *lexSpace) refresh(live int) {
	s.n = live
	for t := range s.idf {
		s.idf[t] = idfOf(live, s.df[t])
	}
	for slot, d := range s.docs {
		if d != nil {
			s.norm[slot] = s.docNorm(d)
		}
	}
}

// The lexical section of the file:
//
//	terms     uvarint      terms used by the entries
//	terms ×   uvarint      each term's length
//	blob      string       the terms, concatenated
//	pairs     uvarint      term-count pairs over all entries
//	n ×       count uvarint, then count × (term id delta uvarint, tf uvarint),
//	          term ids increasing; the first delta is the id itself
func (s *lexSpace) write(w *writer, keep []int) {
	// Terms no live entry uses are dropped and the rest renumbered in order,
	// which keeps each entry's terms sorted.
	renum := make([]uint32, len(s.words))
	used, blob, pairs := 0, 0, 0
	for t, df := range s.df {
		if df > 0 {
			renum[t] = uint32(used)
			used++
			blob += len(s.words[t])
		}
	}
	for _, slot := range keep {
		pairs += len(s.docs[slot])
	}
	w.uvarint(uint64(used))
	for t, df := range s.df {
		if df > 0 {
			w.uvarint(uint64(len(s.words[t])))
		}
	}
	w.uvarint(uint64(blob))
	for t, df := range s.df {
		if df > 0 {
			w.bytes([]byte(s.words[t]))
		}
	}
	w.uvarint(uint64(pairs))
	for _, slot := range keep {
		d := s.docs[slot]
		w.uvarint(uint64(len(d)))
		prev := uint32(0)
		for _, t := range d {
			id := renum[t.term]
			w.uvarint(uint64(id - prev))
			w.uvarint(uint64(t.n))
			prev = id
		}
	}
}

func (s *lexSpace) read(r *reader, n int) error {
	nt := r.count(1)
	lens := make([]int, nt)
	total := 0
	for i := range lens {
		lens[i] = int(r.uvarint())
		total += lens[i]
	}
	blob := r.str()
	if r.err == nil && total != len(blob) {
		r.fail("terms do not add up")
	}
	pairs := r.count(2)
	if r.err != nil {
		return r.err
	}
	s.ids = make(map[string]uint32, nt)
	s.words = make([]string, nt)
	off := 0
	for i, l := range lens {
		w := blob[off : off+l]
		off += l
		if _, dup := s.ids[w]; dup || w == "" {
			return fmt.Errorf("term %d: bad or repeated term %q", i, w)
		}
		s.ids[w] = uint32(i)
		s.words[i] = w
	}

	arena := make([]tf, pairs)
	s.docs = make([][]tf, n)
	s.df = make([]uint32, nt)
	used := 0
	for slot := range s.docs {
		c := r.count(2)
		if c > pairs-used {
			r.fail("more term pairs than announced")
		}
		if r.err != nil {
			return r.err
		}
		d := arena[used : used+c : used+c]
		used += c
		prev := uint32(0)
		for i := range d {
			delta, cnt := r.uvarint(), r.uvarint()
			id := uint64(prev) + delta
			if r.err == nil && ((i > 0 && delta == 0) || id >= uint64(nt) || cnt == 0 || cnt > maxTF) {
				r.fail("entry %d: bad term pair", slot)
			}
			if r.err != nil {
				return r.err
			}
			prev = uint32(id)
			d[i] = tf{prev, uint32(cnt)}
			s.df[prev]++
		}
		s.docs[slot] = d
	}
	if used != pairs {
		return fmt.Errorf("%d term pairs announced, %d read", pairs, used)
	}

	// Postings in slot order, carved from two arenas.
	slotArena := make([]uint32, pairs)
	nArena := make([]uint8, pairs)
	s.post = make([]postings, nt)
	off = 0
	for t, df := range s.df {
		end := off + int(df)
		s.post[t] = postings{slot: slotArena[off:off:end], n: nArena[off:off:end]}
		off = end
	}
	for slot, d := range s.docs {
		for _, t := range d {
			p := &s.post[t.term]
			p.slot = append(p.slot, uint32(slot))
			p.n = append(p.n, uint8(t.n))
		}
	}
	s.idf = make([]float32, nt)
	s.norm = make([]float32, n)
	return nil
}
