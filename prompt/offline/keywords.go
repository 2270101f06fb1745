package offline

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxPhrase is the longest keyphrase, in words.
const maxPhrase = 4

// phrase is one candidate keyphrase: a run of 1–4 words between stopwords
// and punctuation, counted over all its spellings ("AI model", "AI models").
type phrase struct {
	key       [maxPhrase]int32 // term ids, -1 past the end
	n         int              // words, a bridging "of" included
	freq      int
	firstSent int
	sents     []int32 // sentences holding it, ascending
	spellings []spelling
	score     float64
	// capOcc and lowOcc count occurrences not opening a sentence whose
	// first word is capitalised, or not: a name is capitalised mid-sentence.
	capOcc, lowOcc int
}

// proper reports a name: capitalised mid-sentence more often than not.
func (p *phrase) proper() bool { return p.capOcc > p.lowOcc }

// spelling is one way the phrase is written in the text; the keyword shows
// the commonest one that does not open a sentence, so casing is the
// article's own.
type spelling struct {
	start, end int32
	count      int
	initial    bool
}

func (p *phrase) text(d *doc) string {
	best := -1
	for i, s := range p.spellings {
		if best < 0 || (p.spellings[best].initial && !s.initial) ||
			(p.spellings[best].initial == s.initial && s.count > p.spellings[best].count) {
			best = i
		}
	}
	s := p.spellings[best]
	return d.text[s.start:s.end]
}

// contains reports whether q's words are a run inside p's.
func (p *phrase) contains(q *phrase) bool {
	for i := 0; i+q.n <= p.n; i++ {
		match := true
		for k := 0; k < q.n; k++ {
			if p.key[i+k] != q.key[k] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// phrases gathers every candidate keyphrase, in order of first appearance.
func (d *doc) phrases() []*phrase {
	index := make(map[[maxPhrase]int32]int32)
	var all []*phrase
	add := func(run []int, i, j int) {
		var key [maxPhrase]int32
		for k := range key {
			key[k] = -1
		}
		for k := i; k <= j; k++ {
			key[k-i] = d.toks[run[k]].term
		}
		first, last := d.toks[run[i]], d.toks[run[j]]
		id, ok := index[key]
		if !ok {
			id = int32(len(all))
			index[key] = id
			all = append(all, &phrase{key: key, n: j - i + 1, firstSent: int(first.sent)})
		}
		p := all[id]
		p.freq++
		if len(p.sents) == 0 || p.sents[len(p.sents)-1] != first.sent {
			p.sents = append(p.sents, first.sent)
		}
		initial := first.flags&fInitial != 0
		if !initial {
			if first.flags&fCap != 0 {
				p.capOcc++
			} else {
				p.lowOcc++
			}
		}
		text := d.text[first.start:last.end]
		for k := range p.spellings {
			sp := &p.spellings[k]
			if sp.initial == initial && d.text[sp.start:sp.end] == text {
				sp.count++
				return
			}
		}
		p.spellings = append(p.spellings, spelling{first.start, last.end, 1, initial})
	}
	// flush emits every 1–4 word n-gram of a run that neither starts nor
	// ends on a bridge word, does not end on an -ed word (a verb there) and
	// does not put a lower-case word before a name.
	flush := func(run []int) {
		for len(run) > 0 && d.toks[run[len(run)-1]].flags&fBridge != 0 {
			run = run[:len(run)-1]
		}
		for i := range run {
			if d.toks[run[i]].flags&fBridge != 0 {
				continue
			}
			lowStart := d.toks[run[i]].flags&fCap == 0
			for j := i; j < len(run) && j-i < maxPhrase; j++ {
				f := d.toks[run[j]].flags
				if lowStart && f&fCap != 0 && f&fAcronym == 0 {
					break // "hit Rudolph": a verb or modifier before a name
				}
				if f&(fBridge|fEd) != 0 || (d.lang.nounCaps && f&fCap == 0) {
					continue
				}
				add(run, i, j)
			}
		}
	}
	var run []int
	for si := range d.sents {
		s := d.sents[si]
		run = run[:0]
		for t := s.t0; t < s.t1; t++ {
			f := d.toks[t].flags
			if f&fJoin == 0 && len(run) > 0 {
				flush(run)
				run = run[:0]
			}
			switch {
			case f&fBridge != 0:
				if len(run) > 0 && d.toks[run[len(run)-1]].flags&fBridge == 0 {
					run = append(run, t)
				} else {
					flush(run)
					run = run[:0]
				}
			case f&fBreak != 0:
				flush(run)
				run = run[:0]
			case f&fEd != 0 && len(run) > 0 && d.toks[run[len(run)-1]].flags&fBridge == 0:
				// after a noun an -ed word is a verb: "Zoom updated".
				flush(run)
				run = run[:0]
			default:
				run = append(run, t)
			}
			if f&fPossessive != 0 {
				flush(run)
				run = run[:0]
			}
		}
		flush(run)
	}
	return all
}

// scorePhrases ranks candidates by a YAKE-like mix: how often the phrase
// occurs, how frequent its words are, phrase length (a repeated two-word
// phrase says more than either word), an early first mention, proper-noun
// casing and words shared with the title. Best first; ties go to the
// earlier phrase.
func (d *doc) scorePhrases(all []*phrase, title []bool) []*phrase {
	lenBoost := [maxPhrase + 1]float64{0, 1, 1.6, 1.9, 2}
	// A phrase's own frequency leaves out the times it is only part of a
	// longer repeated phrase (as in C-value term extraction): "models"
	// inside "AI models" is counted for "AI models" alone.
	index := make(map[[maxPhrase]int32]*phrase, len(all))
	for _, p := range all {
		index[p.key] = p
	}
	nested := make(map[*phrase]int)
	for _, p := range all {
		if p.n < 2 || p.freq < 2 {
			continue
		}
		for i := 0; i < p.n; i++ {
			for j := i; j < p.n; j++ {
				if j-i+1 == p.n {
					continue
				}
				var key [maxPhrase]int32
				for k := range key {
					key[k] = -1
				}
				copy(key[:], p.key[i:j+1])
				if q := index[key]; q != nil {
					nested[q] = max(nested[q], p.freq)
				}
			}
		}
	}
	for _, p := range all {
		content, sum, inTitle := 0, 0.0, 0
		for k := 0; k < p.n; k++ {
			id := p.key[k]
			t := d.terms[id]
			if t.stop {
				continue // a bridging "of"
			}
			content++
			sum += math.Log2(1 + float64(t.tf))
			if int(id) < len(title) && title[id] {
				inTitle++
			}
		}
		if content == 0 {
			continue
		}
		own := p.freq - nested[p]
		if own <= 0 {
			p.score = 0
			continue
		}
		score := float64(own) * sum / float64(content) * lenBoost[p.n]
		score *= 1 + 0.5/(1+float64(p.firstSent)/4)
		switch {
		case p.proper() && p.n > 1:
			score *= 1.6 // a product or organisation: "Kestrel Companion"
		case p.proper():
			score *= 1.3
		case p.n == 1 && d.lang.generic[d.terms[p.key[0]].stem]:
			score *= 0.5
		}
		score *= 1 + 0.6*float64(inTitle)/float64(content)
		p.score = score
	}
	ranked := append([]*phrase(nil), all...)
	sort.SliceStable(ranked, func(a, b int) bool { return ranked[a].score > ranked[b].score })
	return ranked
}

// pickPhrases takes up to limit phrases, best first, skipping a phrase that
// repeats a chosen one: the same words in another case, or a part of a
// chosen longer phrase that occurs outside it at most half the time
// ("models" beside "AI models"). A phrase of several words must occur twice, or be in
// the title, unless the text is short: a one-off word run is usually a
// fragment of a sentence, not a term.
func (d *doc) pickPhrases(ranked []*phrase, limit int, title []bool) (chosen, skipped []*phrase) {
	short := len(d.toks) < 250
	seen := make(map[string]bool)
	for _, p := range ranked {
		if len(chosen) == limit {
			break
		}
		if p.score == 0 {
			continue
		}
		lower := strings.ToLower(p.text(d))
		if seen[lower] {
			continue
		}
		redundant := false
		for _, c := range chosen {
			if alone := p.freq - c.freq; c.n > p.n && c.contains(p) && (alone < 2 || 2*alone <= p.freq) {
				redundant = true
				break
			}
		}
		if !redundant && p.n > 1 && p.freq < 2 && !short && !p.allIn(title, d) {
			redundant = true
		}
		if redundant {
			skipped = append(skipped, p)
			continue
		}
		seen[lower] = true
		chosen = append(chosen, p)
	}
	return chosen, skipped
}

func (p *phrase) allIn(title []bool, d *doc) bool {
	for k := 0; k < p.n; k++ {
		id := p.key[k]
		if d.terms[id].stop {
			continue
		}
		if int(id) >= len(title) || !title[id] {
			return false
		}
	}
	return true
}

// keywordCount grows with the article: five for a paragraph, ten (as in the
// seed entry) from about 600 words.
func keywordCount(words int) int {
	return max(5, min(10, 4+words/100))
}

// keywords are the chosen phrases' spellings. A text too short to yield
// five is padded with the phrases set aside as redundant, then the title's
// words, then numbers from the text, then the site's name; what is still
// missing reads "(to review N)" and is listed for review.
func (d *doc) keywords(ranked []*phrase, titleText, site string, title []bool) ([]string, []string) {
	chosen, skipped := d.pickPhrases(ranked, keywordCount(len(d.toks)), title)
	var out []string
	seen := make(map[string]bool)
	addKw := func(s string) {
		s = collapse(s)
		l := strings.ToLower(s)
		if s == "" || seen[l] || len(out) >= 12 || !startsClean(s) {
			return
		}
		seen[l] = true
		out = append(out, s)
	}
	for _, p := range chosen {
		addKw(p.text(d))
	}
	// Padding prefers the tail of a chosen phrase ("bike lanes" of
	// "protected bike lanes": in English the head noun comes last) to the
	// title's words, and those to other parts of phrases ("protected bike").
	var tails, others []*phrase
	for _, p := range skipped {
		tail := false
		for _, c := range chosen {
			if c.n > p.n && c.contains(p) && c.key[c.n-1] == p.key[p.n-1] {
				tail = true
			}
		}
		if tail {
			tails = append(tails, p)
		} else {
			others = append(others, p)
		}
	}
	for _, p := range tails {
		if len(out) < 5 {
			addKw(p.text(d))
		}
	}
	for _, w := range titleWords(titleText, d.lang) {
		if len(out) < 5 {
			addKw(w)
		}
	}
	for _, p := range others {
		if len(out) < 5 {
			addKw(p.text(d))
		}
	}
	if len(out) < 5 {
		for t := range d.toks {
			if len(out) < 5 && d.toks[t].flags&fNumber != 0 {
				addKw(d.word(t))
			}
		}
	}
	if len(out) < 5 && utf8.RuneCountInString(site) <= 40 && len(strings.Fields(site)) <= maxPhrase {
		addKw(site)
	}
	var review []string
	for i := 1; len(out) < 5; i++ {
		if s := placeholder(i); !seen[s] {
			review = append(review, pathIndex("keywords", len(out)))
			addKw(s)
		}
	}
	return out, review
}

// titleWords are the title's words that are not stopwords, as written.
func titleWords(title string, lang *language) []string {
	var out []string
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !isWordRune(r) && r != '\'' && r != '’' && r != '-'
	}) {
		w = strings.Trim(w, "'’-")
		l := strings.ToLower(w)
		if utf8.RuneCountInString(w) < 2 || lang.stop[l] || isNumber(l) {
			continue
		}
		out = append(out, w)
	}
	return out
}
