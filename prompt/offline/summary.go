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
	for level := 0; level < 3 && len(rk.nodes) == 0; level++ {
		for si := range d.sents {
			ok := false
			switch level {
			case 0:
				ok = d.prose(si)
			case 1:
				ok = !d.sents[si].boiler && d.words(si) >= 3
			default:
				ok = true
			}
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
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			ov := overlap(sets[i], sets[j])
			if ov == 0 {
				continue
			}
			w := float64(ov) / (logLen[i] + logLen[j])
			adj[i] = append(adj[i], edge{int32(j), float32(w)})
			adj[j] = append(adj[j], edge{int32(i), float32(w)})
			out[i] += w
			out[j] += w
		}
	}

	const damping = 0.85
	r := append([]float64(nil), pers...)
	next := make([]float64, n)
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
		if diff < 1e-9 {
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
func (d *doc) summary(rk ranking) (string, []int) {
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
	return strings.Join(parts, " "), chosen
}
