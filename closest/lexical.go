package closest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// NewLexical returns the local engine: TF-IDF cosine similarity over
// stemmed, stopword-filtered terms, with no network.
//
// A term weighs (1 + ln tf) × idf, idf = 1 + ln((1+N)/(1+df)). The index is
// an inverted one: per term, the entries holding it and how often. Adding an
// entry appends to its own terms' lists and nothing else; idf, document
// frequencies and the entries' norms are recomputed from the lists when the
// index is loaded, after Sync, and once a twentieth of the entries changed.
// In between they lag by at most that twentieth, which moves scores a little
// and the order of a Closest list rarely. A query walks the lists of its own
// terms only.
func NewLexical() Engine { return lexical{} }

type lexical struct{}

func (lexical) Name() string        { return "lexical" }
func (lexical) Model() string       { return "" }
func (lexical) DefaultMin() float64 { return 0.1 }
func (lexical) newSpace() space     { return &lexSpace{ids: map[string]uint32{}} }

// lexSpace is the lexical engine's store.
type lexSpace struct {
	ids   map[string]uint32 // term → term id
	words []string          // term id → term
	// post lists the slots holding each term, in slot order, dead ones
	// too, each posting packed as slot<<8 | count: four bytes a posting.
	post [][]uint32
	df   []uint32  // live slots holding each term, as of the last refresh
	idf  []float32 // as of the last refresh
	norm []float32 // slot → length of its weight vector
	live []bool    // slot → not dropped
	n    int       // live slots at the last refresh

	// Tokenising: word → term id (-1 for a stopword), so each word is
	// stemmed and looked up once; and per-term counts for the text at hand.
	cache  map[string]int32
	counts []uint32
}

const (
	// maxTF caps a term's count in one entry; past it, more repeats say nothing.
	maxTF = 255
	// maxSlots is what a posting's 24 bits of slot can address; slots are
	// renumbered from 0 each time the index is loaded.
	maxSlots = 1 << 24
	// maxCache bounds the word cache; words past it are stemmed each time.
	maxCache = 1 << 18
)

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

// headroom is the capacity given to slices built when loading, so that the
// first entries added after do not copy them.
func headroom(n int) int { return n + n/8 + 16 }

func (s *lexSpace) batch() int { return 4096 }

// prepare tokenises texts. Unlike the embeddings', it changes the space:
// new terms are given ids, which stay unused (and are not saved) unless an
// entry holding them is added.
func (s *lexSpace) prepare(_ context.Context, texts []string) ([]rep, error) {
	if s.cache == nil {
		s.cache = make(map[string]int32)
	}
	out := make([]rep, len(texts))
	var seen []uint32
	buf := make([]byte, 0, 64)
	for i, text := range texts {
		seen = seen[:0]
		words(text, buf, func(w []byte) {
			id, ok := s.cache[string(w)]
			if !ok {
				word := string(w)
				id = -1
				if !stopwords[word] {
					id = int32(s.intern(stem(word)))
				}
				if len(s.cache) < maxCache {
					s.cache[word] = id
				}
			}
			if id < 0 {
				return
			}
			if s.counts[id] == 0 {
				seen = append(seen, uint32(id))
			}
			s.counts[id]++
		})
		slices.Sort(seen)
		r := make([]tf, len(seen))
		for j, t := range seen {
			r[j] = tf{t, min(s.counts[t], maxTF)}
			s.counts[t] = 0
		}
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
		s.post = append(s.post, nil)
		s.df = append(s.df, 0)
		s.idf = append(s.idf, idfOf(s.n+1, 1))
		s.counts = append(s.counts, 0)
	}
	return id
}

// tf is a term id and its count in one text.
type tf struct{ term, n uint32 }

func (s *lexSpace) add(r rep) error {
	slot := len(s.norm)
	if slot >= maxSlots {
		return fmt.Errorf("more than %d entries added at once", maxSlots)
	}
	var sum float64
	for _, t := range r.terms {
		s.post[t.term] = append(s.post[t.term], uint32(slot)<<8|t.n)
		s.df[t.term]++
		w := float64(ltf[t.n] * s.idf[t.term])
		sum += w * w
	}
	s.norm = append(s.norm, float32(math.Sqrt(sum)))
	s.live = append(s.live, true)
	return nil
}

// drop only marks the slot: its postings stay, skipped by queries, until
// the file is written; df catches up at the next refresh.
func (s *lexSpace) drop(slot int) { s.live[slot] = false }

// get cannot rebuild an entry's terms from the inverted lists; the index
// tokenises its text again instead, which costs about as much.
func (s *lexSpace) get(int) (rep, bool) { return rep{}, false }

func (s *lexSpace) score(q rep, out []float32) {
	var qn float64
	for _, t := range q.terms {
		idf := s.idf[t.term]
		w := ltf[t.n] * idf
		qn += float64(w) * float64(w)
		// The entry's weight is ltf × idf too; idf is common to the list.
		wq := w * idf
		for _, p := range s.post[t.term] {
			out[p>>8] += wq * ltf[p&0xff]
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
		if dn := s.norm[slot]; dn > 0 && s.live[slot] {
			out[slot] = v * inv / dn
		} else {
			out[slot] = 0
		}
	}
}

// refresh recounts df over live slots, then idf, then every norm, one
// term's list at a time.
func (s *lexSpace) refresh(live int) {
	s.n = live
	for t, ps := range s.post {
		df := uint32(0)
		for _, p := range ps {
			if s.live[p>>8] {
				df++
			}
		}
		s.df[t] = df
		s.idf[t] = idfOf(live, df)
	}
	sums := make([]float64, len(s.norm))
	for t, ps := range s.post {
		idf := s.idf[t]
		for _, p := range ps {
			w := float64(ltf[p&0xff] * idf)
			sums[p>>8] += w * w
		}
	}
	for slot, sum := range sums {
		s.norm[slot] = float32(math.Sqrt(sum))
	}
}

// The lexical section of the file:
//
//	terms     uvarint      terms used by the entries
//	terms ×   uvarint      each term's length
//	blob      string       the terms, concatenated
//	postings  uvarint      postings over all terms
//	terms ×   count uvarint, then count × (entry delta uvarint, tf byte):
//	          the entries holding the term, by increasing number (the first
//	          delta is the number itself, the rest at least 1), and how many
//	          times (1..255)
func (s *lexSpace) write(w *writer, keep []int) {
	// Entries are renumbered in the order kept; terms no kept entry holds
	// are dropped.
	renum := make([]int32, len(s.norm))
	for i := range renum {
		renum[i] = -1
	}
	for i, slot := range keep {
		renum[slot] = int32(i)
	}
	df := make([]int, len(s.post))
	used, blob, total := 0, 0, 0
	for t, ps := range s.post {
		for _, p := range ps {
			if renum[p>>8] >= 0 {
				df[t]++
			}
		}
		if df[t] > 0 {
			used++
			blob += len(s.words[t])
			total += df[t]
		}
	}
	w.uvarint(uint64(used))
	for t := range s.post {
		if df[t] > 0 {
			w.uvarint(uint64(len(s.words[t])))
		}
	}
	w.uvarint(uint64(blob))
	for t := range s.post {
		if df[t] > 0 {
			w.bytes([]byte(s.words[t]))
		}
	}
	w.uvarint(uint64(total))
	var enc []byte
	for t, ps := range s.post {
		if df[t] == 0 {
			continue
		}
		enc = binary.AppendUvarint(enc[:0], uint64(df[t]))
		prev := int32(0)
		for _, p := range ps {
			if e := renum[p>>8]; e >= 0 {
				enc = binary.AppendUvarint(enc, uint64(e-prev))
				enc = append(enc, byte(p))
				prev = e
			}
		}
		w.bytes(enc)
	}
}

func (s *lexSpace) read(r *reader, n int) error {
	if n >= maxSlots {
		return fmt.Errorf("%d entries, at most %d", n, maxSlots-1)
	}
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
	s.ids = make(map[string]uint32, headroom(nt))
	s.words = make([]string, nt, headroom(nt))
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

	// The lists, carved from one arena with room to grow.
	arena := make([]uint32, headroom(pairs)+nt)
	s.post = make([][]uint32, nt, headroom(nt))
	used, off := 0, 0
	for t := range s.post {
		c := r.count(2)
		if r.err == nil && (c == 0 || c > pairs-used) {
			r.fail("term %d: bad list length", t)
		}
		if r.err != nil {
			return r.err
		}
		// A posting takes at most 5 bytes: slots are below 2^24.
		b := r.peek(int(min(int64(5*c), r.remaining())))
		if r.err != nil {
			return r.err
		}
		size := len(b)
		end := off + c + c/8 + 1
		list := arena[off:off:end]
		off, used = end, used+c
		slot := uint64(0)
		for i := range c {
			var d uint64
			var k int
			if len(b) > 0 && b[0] < 0x80 {
				d, k = uint64(b[0]), 1 // most gaps are small
			} else {
				d, k = binary.Uvarint(b)
			}
			if k <= 0 || k >= len(b) || (i > 0 && d == 0) || d >= uint64(n) || slot+d >= uint64(n) || b[k] == 0 {
				return fmt.Errorf("term %d: bad list", t)
			}
			slot += d
			list = append(list, uint32(slot)<<8|uint32(b[k]))
			b = b[k+1:]
		}
		r.skip(size - len(b))
		s.post[t] = list
	}
	if used != pairs {
		return fmt.Errorf("%d postings announced, %d read", pairs, used)
	}
	s.df = make([]uint32, nt, headroom(nt))
	s.idf = make([]float32, nt, headroom(nt))
	s.counts = make([]uint32, nt, headroom(nt))
	s.norm = make([]float32, n, headroom(n))
	s.live = make([]bool, n, headroom(n))
	for i := range s.live {
		s.live[i] = true
	}
	return nil
}
