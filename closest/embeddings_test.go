package closest

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dim := range []int{1, 7, 8, 9, 256, 1536} {
		for trial := range 40 {
			a, b := make([]int, dim), make([]int, dim)
			for i := range a {
				switch trial {
				case 0: // the largest sum
					a[i], b[i] = levels, levels
				case 1: // the smallest
					a[i], b[i] = levels, -levels
				case 2:
					a[i], b[i] = -levels, -levels
				default:
					a[i], b[i] = rng.IntN(2*levels+1)-levels, rng.IntN(2*levels+1)-levels
				}
			}
			want := int64(0)
			for i := range a {
				want += int64(a[i] * b[i])
			}
			ab, bb := biased(a), biased(b)
			got := int64(dotPacked(pack(ab), bb)) - bias*int64(byteSum(bb)) - bias*int64(byteSum(ab)) + int64(bias*bias*len(ab))
			if got != want {
				t.Fatalf("dim %d trial %d: dot = %d, want %d", dim, trial, got, want)
			}
		}
	}
}

func biased(v []int) []byte {
	out := make([]byte, strideOf(len(v)))
	for i := range out {
		out[i] = bias
	}
	for i, x := range v {
		out[i] = byte(x + bias)
	}
	return out
}

// TestQuantisedCosine: scores from the quantised vectors stay within 0.01
// of the float cosine.
func TestQuantisedCosine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := &embSpace{}
	var vs [][]float32
	for range parallelMin + 1000 { // enough for the parallel path
		v := make([]float32, 256)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		vs = append(vs, v)
		q, scale, err := quantize(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.add(rep{vec: q, dim: len(v), scale: scale}); err != nil {
			t.Fatal(err)
		}
	}
	// A near-duplicate of vector 0, so high scores are checked too.
	near := make([]float32, 256)
	for i := range near {
		near[i] = vs[0][i] + 0.3*float32(rng.NormFloat64())
	}
	q, scale, _ := quantize(near)
	out := make([]float32, len(vs))
	s.score(rep{vec: q, dim: 256, scale: scale}, out)
	for i, v := range vs {
		if d := math.Abs(float64(out[i]) - cosine(near, v)); d > 0.01 {
			t.Errorf("vector %d: score %v, cosine %v", i, out[i], cosine(near, v))
		}
	}
	if out[0] < 0.9 {
		t.Errorf("near-duplicate scores %v", out[0])
	}
	self := make([]float32, len(vs))
	q5, _ := s.get(5)
	s.score(q5, self)
	if math.Abs(float64(self[5])-1) > 1e-5 {
		t.Errorf("a vector with itself scores %v, want 1", self[5])
	}
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// BenchmarkEmbeddingsScore scores one query against 100,000 vectors of 256
// dimensions, the benchmark archive's size (go run ./bench/closest for the
// whole picture).
func BenchmarkEmbeddingsScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	s := &embSpace{}
	v := make([]float32, 256)
	for range 100000 {
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		q, scale, _ := quantize(v)
		s.add(rep{vec: q, dim: len(v), scale: scale})
	}
	q, _ := s.get(0)
	out := make([]float32, 100000)
	for b.Loop() {
		s.score(q, out)
	}
}
