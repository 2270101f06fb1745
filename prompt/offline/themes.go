package offline

import (
	"math"
	"sort"
	"strings"
)

// themePool is how many keyphrases are grouped into themes: more than the
// keywords, so a theme can gather phrases too minor to list on their own.
const themePool = 20

// mergeAt is the average similarity above which two groups of phrases are
// one topic.
const mergeAt = 0.3

// themes groups the best keyphrases into topics by average-linkage
// clustering. Two phrases are alike when they share stemmed words
// ("customer data", "data") or turn up in the same sentences. Groups are
// ranked by their phrases' summed scores and each is named by its most
// central phrase, lower-cased unless its words are names in the text.
func (d *doc) themes(ranked []*phrase, title []bool) ([]string, []string) {
	pool, _ := d.pickPhrases(ranked, themePool, title)
	n := len(pool)
	sim := make([][]float64, n)
	for i := range sim {
		sim[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s := 0.6*d.lexical(pool[i], pool[j]) + 0.4*cooccur(pool[i].sents, pool[j].sents)
			sim[i][j], sim[j][i] = s, s
		}
	}
	groups := make([][]int, n)
	for i := range groups {
		groups[i] = []int{i}
	}
	for len(groups) > 1 {
		bi, bj, best := -1, -1, mergeAt
		for i := range groups {
			for j := i + 1; j < len(groups); j++ {
				total := 0.0
				for _, a := range groups[i] {
					for _, b := range groups[j] {
						total += sim[a][b]
					}
				}
				if avg := total / float64(len(groups[i])*len(groups[j])); avg > best {
					bi, bj, best = i, j, avg
				}
			}
		}
		if bi < 0 {
			break
		}
		groups[bi] = append(groups[bi], groups[bj]...)
		groups = append(groups[:bj], groups[bj+1:]...)
	}
	weight := func(g []int) float64 {
		w := 0.0
		for _, m := range g {
			w += pool[m].score
		}
		return w
	}
	sort.SliceStable(groups, func(a, b int) bool { return weight(groups[a]) > weight(groups[b]) })

	want := 3
	switch {
	case len(d.toks) < 150:
		want = 2
	case len(d.toks) > 1500:
		want = 4
	}
	var out []string
	var named []*phrase
	seen := make(map[string]bool)
	add := func(p *phrase, s string) {
		l := strings.ToLower(s)
		if s == "" || seen[l] || !startsClean(s) {
			return
		}
		// A theme whose words all belong to another's ("Stadtwerke",
		// "Stadtwerke Lindenau") is the same topic.
		for _, q := range named {
			if p != nil && d.lexical(p, q) == 1 {
				return
			}
		}
		seen[l] = true
		out = append(out, s)
		if p != nil {
			named = append(named, p)
		}
	}
	for _, g := range groups {
		if len(out) == want {
			break
		}
		p := pool[d.central(g, sim, pool)]
		add(p, d.themeName(p))
	}
	// Too few groups: the remaining pool phrases are themes of their own,
	// and what is still missing is left for review.
	for _, p := range pool {
		if len(out) >= 2 {
			break
		}
		add(p, d.themeName(p))
	}
	var paths []string
	for i := 1; len(out) < 2; i++ {
		if s := placeholder(i); !seen[s] {
			paths = append(paths, pathIndex("themes", len(out)))
			add(nil, s)
		}
	}
	return out, paths
}

// central picks a group's name: the phrase most like the others, weighed
// with its own score, and a phrase of several words over a single one,
// which alone is often too bare to name a topic ("gas" for "gas boilers",
// "gas heating", "gas utility").
func (d *doc) central(g []int, sim [][]float64, pool []*phrase) int {
	if len(g) == 1 {
		return g[0]
	}
	cent := make([]float64, len(g))
	maxC, maxS := 0.0, 0.0
	for i, m := range g {
		for _, o := range g {
			if o != m {
				cent[i] += sim[m][o]
			}
		}
		maxC = max(maxC, cent[i])
		maxS = max(maxS, pool[m].score)
	}
	best, bestV := g[0], -1.0
	for i, m := range g {
		v := 0.5 * pool[m].score / maxS
		if maxC > 0 {
			v += cent[i] / maxC
		}
		if pool[m].n > 1 {
			v += 0.3
		}
		if v > bestV {
			best, bestV = m, v
		}
	}
	return best
}

// lexical is the share of the shorter phrase's words found in the other.
func (d *doc) lexical(a, b *phrase) float64 {
	na, shared := 0, 0
	nb := 0
	for k := 0; k < b.n; k++ {
		if !d.terms[b.key[k]].stop {
			nb++
		}
	}
	for k := 0; k < a.n; k++ {
		if d.terms[a.key[k]].stop {
			continue
		}
		na++
		for l := 0; l < b.n; l++ {
			if a.key[k] == b.key[l] {
				shared++
				break
			}
		}
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float64(shared) / float64(min(na, nb))
}

// cooccur is the cosine of two phrases' sentence sets.
func cooccur(a, b []int32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	return float64(overlap(a, b)) / math.Sqrt(float64(len(a)*len(b)))
}

// themeName writes a phrase the way the seed writes themes: lower case,
// except words the text itself capitalises mid-sentence more often than not
// ("Zoom", "AI").
func (d *doc) themeName(p *phrase) string {
	if p.proper() {
		return p.text(d)
	}
	words := strings.Fields(p.text(d))
	if len(words) != p.n {
		return strings.ToLower(p.text(d))
	}
	mixed := false
	for k, w := range words {
		t := d.terms[p.key[k]]
		if t.capN <= t.lowN {
			words[k] = strings.ToLower(w)
		} else if k > 0 && strings.ToUpper(w) != w {
			mixed = true
		}
	}
	if mixed {
		return p.text(d) // "Portion Fix Containers", not "portion Fix Containers"
	}
	return strings.Join(words, " ")
}
