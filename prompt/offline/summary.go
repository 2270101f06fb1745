package offline

import (
	"math"
	"sort"
	"strings"
)

// maxGraph bounds TextRank's graph: its cost grows with the square of the
// number of sentences, and past a few hundred sentences the later ones of a
// news article rarely belong in its summary.
const maxGraph = 400

// ranking is TextRank's verdict on the sentences.
type ranking struct {
	nodes []int     // sentences in the graph, in article order
	score []float64 // by sentence; 0 outside the graph
	terms [][]int32 // content terms by sentence; nil outside the graph
}

type edge struct {
	to int32
	w  float32
}

// rank runs TextRank: sentences are nodes, edges weigh shared stemmed
// content words (normalised by sentence length, as in Mihalcea & Tarau), and
// PageRank iterations find the sentences most of the text agrees with. The
// random jump favours early sentences and those sharing words with the
// title, since news puts its point first and headlines name it.
func (d *doc) rank(title []bool) ranking {
	rk := ranking{score: make([]float64, len(d.sents)), terms: make([][]int32, len(d.sents))}
	// With fewer than three prose sentences, shorter and then any sentences
	// join the graph, so that a tiny text is still summarised whole.
	in := make([]bool, len(d.sents))
	for level := 0; level < 4 && len(rk.nodes) < 3; level++ {
		rk.nodes = rk.nodes[:0]
		for si := range d.sents {
			ok := in[si]
			switch level {
			case 0:
				ok = d.prose(si)
			case 1:
				ok = ok || (d.sents[si].terminated && !d.sents[si].boiler && d.words(si) >= 3)
			case 2:
				ok = ok || !d.sents[si].boiler
			default:
				ok = true
			}
			in[si] = ok
			if ok {
				rk.nodes = append(rk.nodes, si)
				if len(rk.nodes) == maxGraph {
					break
				}
			}
		}
	}
	n := len(rk.nodes)
	if n == 0 {
		return rk
	}
	var buf []int32
	sets := make([][]int32, n)
	pers := make([]float64, n)
	sum := 0.0
	for i, si := range rk.nodes {
		buf = d.content(si, buf)
		sets[i] = append([]int32(nil), buf...)
		rk.terms[si] = sets[i]
		inTitle := 0
		for _, t := range sets[i] {
			if int(t) < len(title) && title[t] {
				inTitle++
			}
		}
		titleShare := 0.0
		if len(sets[i]) > 0 {
			titleShare = float64(inTitle) / math.Sqrt(float64(len(sets[i])))
		}
		pers[i] = 1 + (1 - float64(i)/float64(n)) + titleShare
		sum += pers[i]
	}
	for i := range pers {
		pers[i] /= sum
	}

	adj := make([][]edge, n)
	out := make([]float64, n)
	logLen := make([]float64, n)
	for i := range sets {
		logLen[i] = math.Log(1 + float64(len(sets[i])))
	}
	// Overlaps come from an inverted index (term → sentences holding it)
	// rather than comparing every pair: most pairs share nothing.
	start := make([]int32, len(d.terms)+1)
	for _, set := range sets {
		for _, t := range set {
			start[t+1]++
		}
	}
	for t := 1; t < len(start); t++ {
		start[t] += start[t-1]
	}
	fill := append([]int32(nil), start[:len(start)-1]...)
	post := make([]int32, start[len(start)-1])
	for i, set := range sets {
		for _, t := range set {
			post[fill[t]] = int32(i)
			fill[t]++
		}
	}
	ov := make([]int32, n)
	var touched []int32
	for i := 0; i < n; i++ {
		touched = touched[:0]
		for _, t := range sets[i] {
			for _, j := range post[start[t]:start[t+1]] {
				if int(j) <= i {
					continue
				}
				if ov[j] == 0 {
					touched = append(touched, j)
				}
				ov[j]++
			}
		}
		for _, j := range touched {
			w := float64(ov[j]) / (logLen[i] + logLen[j])
			ov[j] = 0
			adj[i] = append(adj[i], edge{j, float32(w)})
			adj[j] = append(adj[j], edge{int32(i), float32(w)})
			out[i] += w
			out[j] += w
		}
	}

	const damping = 0.85
	r := append([]float64(nil), pers...)
	next := make([]float64, n)
	// Only the order of scores matters; it settles long before 1e-7.
	for iter := 0; iter < 100; iter++ {
		dangling := 0.0
		for i := range next {
			next[i] = (1 - damping) * pers[i]
		}
		for i := range adj {
			if out[i] == 0 {
				dangling += r[i]
				continue
			}
			share := damping * r[i] / out[i]
			for _, e := range adj[i] {
				next[e.to] += share * float64(e.w)
			}
		}
		diff := 0.0
		for i := range next {
			next[i] += damping * dangling * pers[i]
			diff += math.Abs(next[i] - r[i])
		}
		r, next = next, r
		if diff < 1e-7 {
			break
		}
	}
	for i, si := range rk.nodes {
		rk.score[si] = r[i]
	}
	return rk
}

// byScore lists the graph's sentences best first, ties to the earlier one.
func (rk ranking) byScore() []int {
	order := append([]int(nil), rk.nodes...)
	sort.SliceStable(order, func(a, b int) bool {
		return rk.score[order[a]] > rk.score[order[b]]
	})
	return order
}

func jaccard(a, b []int32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	ov := overlap(a, b)
	return float64(ov) / float64(len(a)+len(b)-ov)
}

// summaryWords caps the summary near the seed entry's length; past three
// sentences a long one is passed over for a shorter one.
const summaryWords = 160

// summary picks the best-ranked sentences that do not repeat each other and
// gives them back in article order, as one paragraph.
func (d *doc) summary(rk ranking) string {
	k := 2 + len(d.sents)/10
	k = max(3, min(5, k))
	var chosen []int
	words := 0
	for _, si := range rk.byScore() {
		if len(chosen) == k {
			break
		}
		redundant := false
		for _, c := range chosen {
			if jaccard(rk.terms[si], rk.terms[c]) > 0.5 {
				redundant = true
				break
			}
		}
		w := d.words(si)
		if redundant || (len(chosen) >= 3 && words+w > summaryWords) {
			continue
		}
		chosen = append(chosen, si)
		words += w
	}
	sort.Ints(chosen)
	parts := make([]string, len(chosen))
	for i, si := range chosen {
		parts[i] = collapse(d.text[d.sents[si].start:d.sents[si].end])
	}
	return strings.Join(parts, " ")
}
