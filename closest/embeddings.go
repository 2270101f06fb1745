package closest

import (
	"context"
	"encoding/binary"
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
// Vectors are normalised and quantised to 7 bits (-63..63, one byte) with
// one float32 scale each, a quarter of float32's size; the cosine error this
// adds is about 0.001 on average and under 0.005. A query is an exact, exhaustive dot product over all
// of them, split across the CPUs, with four products per 64-bit multiply
// (see dotPacked): 100,000 vectors of 256 dimensions take a few
// milliseconds.
func NewEmbeddings(e Embedder, model string) Engine { return embeddings{e, model} }

type embeddings struct {
	e     Embedder
	model string
}

func (embeddings) Name() string        { return "embeddings" }
func (m embeddings) Model() string     { return m.model }
func (embeddings) DefaultMin() float64 { return 0.3 }
func (m embeddings) newSpace() space   { return &embSpace{e: m.e} }

const (
	// maxDim bounds the dimensions a file may claim.
	maxDim = 1 << 16
	// levels is the largest quantised magnitude; bias shifts -levels..levels
	// to 1..127, the unsigned form dotPacked needs.
	levels = 63
	bias   = 64
	// blockVecs vectors share one allocation, so adding a vector never
	// copies the others.
	blockVecs = 1024
	// embedBatch is how many texts go into one Embed call.
	embedBatch = 64
	// parallelMin is the number of slots below which a query runs on one CPU.
	parallelMin = 8192
)

type embSpace struct {
	e      Embedder
	dim    int       // 0 until the first vector
	stride int       // dim rounded up to a multiple of 8; the padding holds bias (zero)
	blocks [][]byte  // blockVecs vectors each, stride biased bytes a vector
	sums   []int32   // slot → sum of its biased bytes, to take the bias out of a dot product
	scales []float32 // slot → 1/length of its quantised vector; 0 once dead
}

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
		out[i] = rep{vec: q, dim: len(v), scale: scale}
	}
	return out, nil
}

func strideOf(dim int) int { return (dim + 7) &^ 7 }

// quantize maps v to -levels..levels, largest component at ±levels, stored
// biased (1..127) and padded with bias to a multiple of 8 bytes. The scale
// gives the quantised vector unit length: the cosine of two quantised
// vectors is scale × scale × their integer dot product.
func quantize(v []float32) ([]byte, float32, error) {
	var top float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, 0, errors.New("not a number")
		}
		top = max(top, math.Abs(float64(x)))
	}
	q := make([]byte, strideOf(len(v)))
	for i := range q {
		q[i] = bias
	}
	if top == 0 {
		return q, 0, nil // scores 0 with everything
	}
	var ss float64
	for i, x := range v {
		c := math.Round(float64(x) / top * levels)
		q[i] = byte(int(c) + bias)
		ss += c * c
	}
	return q, float32(1 / math.Sqrt(ss)), nil
}

func (s *embSpace) add(r rep) error {
	if s.dim == 0 {
		s.dim, s.stride = r.dim, strideOf(r.dim)
	}
	if r.dim != s.dim {
		return fmt.Errorf("embedding has %d dimensions, the index %d", r.dim, s.dim)
	}
	slot := len(s.scales)
	if slot%blockVecs == 0 {
		s.blocks = append(s.blocks, make([]byte, 0, blockVecs*s.stride))
	}
	b := &s.blocks[slot/blockVecs]
	*b = append(*b, r.vec...)
	s.sums = append(s.sums, byteSum(r.vec))
	s.scales = append(s.scales, r.scale)
	return nil
}

func byteSum(b []byte) int32 {
	var n int32
	for _, c := range b {
		n += int32(c)
	}
	return n
}

func (s *embSpace) vec(slot int) []byte {
	off := (slot % blockVecs) * s.stride
	return s.blocks[slot/blockVecs][off : off+s.stride]
}

func (s *embSpace) drop(slot int) { s.scales[slot] = 0 }

func (s *embSpace) get(slot int) (rep, bool) {
	return rep{vec: s.vec(slot), dim: s.dim, scale: s.scales[slot]}, true
}

func (s *embSpace) refresh(int) {}

func (s *embSpace) score(q rep, out []float32) {
	n := len(s.scales)
	if q.dim != s.dim || q.scale == 0 {
		clear(out)
		return
	}
	packed := pack(q.vec)
	// Σ(a-bias)(b-bias) = Σab - bias·Σa - bias·Σb + bias²·stride
	offset := int64(bias*bias*s.stride) - bias*int64(byteSum(q.vec))
	run := func(lo, hi int) { // blocks
		for bi := lo; bi < hi; bi++ {
			b := s.blocks[bi]
			base := bi * blockVecs
			for j := 0; j*s.stride < len(b); j++ {
				slot := base + j
				sc := s.scales[slot]
				if sc == 0 {
					out[slot] = 0
					continue
				}
				dot := int64(dotPacked(packed, b[j*s.stride:(j+1)*s.stride])) - bias*int64(s.sums[slot]) + offset
				out[slot] = q.scale * sc * float32(dot)
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(s.blocks))
	if n < parallelMin || workers <= 1 {
		run(0, len(s.blocks))
		return
	}
	var wg sync.WaitGroup
	per := (len(s.blocks) + workers - 1) / workers
	for lo := 0; lo < len(s.blocks); lo += per {
		wg.Go(func() { run(lo, min(lo+per, len(s.blocks))) })
	}
	wg.Wait()
}

// lanes keeps bytes 0, 2, 4 and 6 of a word, each in a 16-bit lane.
const lanes = 0x00FF00FF00FF00FF

// pack lays out a biased query vector for dotPacked: for each 8 bytes, two
// words holding bytes 6, 4, 2, 0 and 7, 5, 3, 1 in 16-bit lanes, low to high.
func pack(q []byte) [][2]uint64 {
	out := make([][2]uint64, 0, len(q)/8)
	for i := 0; i < len(q); i += 8 {
		c := q[i : i+8]
		out = append(out, [2]uint64{
			uint64(c[6]) | uint64(c[4])<<16 | uint64(c[2])<<32 | uint64(c[0])<<48,
			uint64(c[7]) | uint64(c[5])<<16 | uint64(c[3])<<32 | uint64(c[1])<<48,
		})
	}
	return out
}

// dotPacked is Σ a[i]·b[i] over biased vectors (bytes 1..127), with a
// packed by pack. Multiplying a word of four 16-bit lanes a0..a3 (b's
// bytes 0, 2, 4, 6) by one holding q's matching bytes in reverse order puts
// a0q0 + a1q1 + a2q2 + a3q3 in the top 16 bits: each product is below 2^14,
// so no lane carries into the next, and the sum of four is below 2^16.
// Four products cost one multiply: Go has no SIMD, this is the next best.
func dotPacked(a [][2]uint64, b []byte) uint64 {
	var s0, s1 uint64
	for i, q := range a {
		if 8*i+8 > len(b) {
			break
		}
		x := binary.LittleEndian.Uint64(b[8*i : 8*i+8])
		s0 += ((x & lanes) * q[0]) >> 48
		s1 += ((x >> 8 & lanes) * q[1]) >> 48
	}
	return s0 + s1
}

// The embeddings section of the file:
//
//	dim       uvarint      dimensions (0 when there are no entries)
//	n ×       float32      scale
//	n × dim   byte         the quantised vectors, biased: value + 64, 1..127
func (s *embSpace) write(w *writer, keep []int) {
	w.uvarint(uint64(s.dim))
	for _, slot := range keep {
		w.f32(s.scales[slot])
	}
	for _, slot := range keep {
		w.bytes(s.vec(slot)[:s.dim])
	}
}

func (s *embSpace) read(r *reader, n int) error {
	dim := r.uvarint()
	if r.err == nil && (dim > maxDim || (n > 0 && dim == 0)) {
		r.fail("bad dimension %d", dim)
	}
	if r.err == nil && uint64(r.remaining()) < uint64(n)*(4+dim) {
		r.err = errTruncated
	}
	if r.err != nil {
		return r.err
	}
	s.dim, s.stride = int(dim), strideOf(int(dim))
	s.scales = make([]float32, n, n+n/8+16)
	for i := range s.scales {
		s.scales[i] = r.f32()
		if x := float64(s.scales[i]); math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 1 {
			return fmt.Errorf("entry %d: bad scale", i)
		}
	}
	s.sums = make([]int32, n, cap(s.scales))
	s.blocks = make([][]byte, 0, (n+blockVecs-1)/blockVecs)
	for slot := range n {
		if slot%blockVecs == 0 {
			s.blocks = append(s.blocks, make([]byte, 0, blockVecs*s.stride))
		}
		src := r.next(s.dim)
		if r.err != nil {
			return r.err
		}
		b := &s.blocks[len(s.blocks)-1]
		start := len(*b)
		*b = append(*b, src...)
		for range s.stride - s.dim {
			*b = append(*b, bias)
		}
		v := (*b)[start:]
		for _, c := range v {
			if c < bias-levels || c > bias+levels {
				return fmt.Errorf("entry %d: value %d out of range", slot, int(c)-bias)
			}
		}
		s.sums[slot] = byteSum(v)
	}
	return nil
}
