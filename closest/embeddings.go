package closest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Embedder turns texts into embedding vectors, one per text, in order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// NewEmbeddings returns the engine that compares entries by the cosine of
// their embeddings. model names the vectors e returns (the model and, if
// set, the dimensions, as OpenAI.Model gives): an index built with another
// model is not used, and vectors already in the index are never asked for
// again while the entry's text is unchanged.
//
// Vectors are normalised and stored as int8 with one float32 scale each, a
// quarter of float32's size; a query is an exact, exhaustive dot product
// over all of them, split across the CPUs.
func NewEmbeddings(e Embedder, model string) Engine { return embeddings{e, model} }

type embeddings struct {
	e     Embedder
	model string
}

func (embeddings) Name() string        { return "embeddings" }
func (m embeddings) Model() string     { return m.model }
func (embeddings) DefaultMin() float64 { return 0.3 }
func (m embeddings) newSpace() space   { return &embSpace{e: m.e} }

// maxDim bounds the dimensions a file may claim.
const maxDim = 1 << 16

type embSpace struct {
	e      Embedder
	dim    int       // 0 until the first vector
	vecs   []int8    // slot × dim
	scales []float32 // slot → scale; 0 once dead
}

// embedBatch is how many texts go into one Embed call.
const embedBatch = 64

func (s *embSpace) batch() int { return embedBatch }

func (s *embSpace) prepare(ctx context.Context, texts []string) ([]rep, error) {
	if s.e == nil {
		return nil, errors.New("no embedder")
	}
	vs, err := s.e.Embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("%d embeddings for %d texts", len(vs), len(texts))
	}
	out := make([]rep, len(vs))
	for i, v := range vs {
		switch {
		case len(v) == 0 || len(v) > maxDim:
			return nil, fmt.Errorf("embedding %d has %d dimensions", i, len(v))
		case s.dim != 0 && len(v) != s.dim:
			return nil, fmt.Errorf("embedding has %d dimensions, the index %d: was the model changed? Rebuild the index", len(v), s.dim)
		case i > 0 && len(v) != len(vs[0]):
			return nil, fmt.Errorf("embeddings of %d and %d dimensions in one answer", len(vs[0]), len(v))
		}
		q, scale, err := quantize(v)
		if err != nil {
			return nil, fmt.Errorf("embedding %d: %w", i, err)
		}
		out[i] = rep{vec: q, scale: scale}
	}
	return out, nil
}

// quantize maps v to int8 so that the largest component is ±127, and
// returns the scale that gives the int8 vector unit length: the cosine of two
// quantised vectors is then scale × scale × their integer dot product.
func quantize(v []float32) ([]int8, float32, error) {
	var top float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, 0, errors.New("not a number")
		}
		top = max(top, math.Abs(float64(x)))
	}
	q := make([]int8, len(v))
	if top == 0 {
		return q, 0, nil // scores 0 with everything
	}
	var ss float64
	for i, x := range v {
		q[i] = int8(math.Round(float64(x) / top * 127))
		ss += float64(q[i]) * float64(q[i])
	}
	return q, float32(1 / math.Sqrt(ss)), nil
}

func (s *embSpace) add(r rep) error {
	if s.dim == 0 {
		s.dim = len(r.vec)
	}
	if len(r.vec) != s.dim {
		return fmt.Errorf("embedding has %d dimensions, the index %d", len(r.vec), s.dim)
	}
	s.vecs = append(s.vecs, r.vec...)
	s.scales = append(s.scales, r.scale)
	return nil
}

func (s *embSpace) drop(slot int) { s.scales[slot] = 0 }

func (s *embSpace) get(slot int) rep {
	return rep{vec: s.vecs[slot*s.dim : (slot+1)*s.dim], scale: s.scales[slot]}
}

func (s *embSpace) refresh(int) {}

// parallelMin is the number of slots below which a query runs on one CPU.
const parallelMin = 8192

func (s *embSpace) score(q rep, out []float32) {
	n, dim := len(s.scales), s.dim
	if len(q.vec) != dim || q.scale == 0 {
		clear(out)
		return
	}
	run := func(lo, hi int) {
		for slot := lo; slot < hi; slot++ {
			sc := s.scales[slot]
			if sc == 0 {
				out[slot] = 0
				continue
			}
			out[slot] = q.scale * sc * float32(dot8(q.vec, s.vecs[slot*dim:slot*dim+dim]))
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if n < parallelMin || workers == 1 {
		run(0, n)
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() { run(lo, hi) })
	}
	wg.Wait()
}

// dot8 is the dot product of two int8 vectors of the same length, four
// lanes at a time.
func dot8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

// The embeddings section of the file:
//
//	dim       uvarint      dimensions (0 when there are no entries)
//	n ×       float32      scale
//	n × dim   int8         the quantised vectors
func (s *embSpace) write(w *writer, keep []int) {
	w.uvarint(uint64(s.dim))
	for _, slot := range keep {
		w.f32(s.scales[slot])
	}
	buf := make([]byte, s.dim)
	for _, slot := range keep {
		for i, c := range s.vecs[slot*s.dim : (slot+1)*s.dim] {
			buf[i] = byte(c)
		}
		w.bytes(buf)
	}
}

func (s *embSpace) read(r *reader, n int) error {
	dim := r.uvarint()
	if r.err == nil && (dim > maxDim || (n > 0 && dim == 0)) {
		r.fail("bad dimension %d", dim)
	}
	if r.err == nil && uint64(r.left()) < uint64(n)*(4+dim) {
		r.err = errTruncated
	}
	if r.err != nil {
		return r.err
	}
	s.dim = int(dim)
	s.scales = make([]float32, n)
	for i := range s.scales {
		s.scales[i] = r.f32()
		if x := float64(s.scales[i]); math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			r.fail("entry %d: bad scale", i)
		}
	}
	b := r.next(n * s.dim)
	if r.err != nil {
		return r.err
	}
	s.vecs = make([]int8, len(b))
	for i, c := range b {
		s.vecs[i] = int8(c)
	}
	return nil
}
