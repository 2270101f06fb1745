package offline

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digest-tool/digest/render"
)

// review marks a cell the engine could not fill from the text.
const review = "(to review)"

// cellWords is the longest Signal cell, in words.
const cellWords = 12

// Words that lead into a completion date: "by 2030", "bis 2030".
var targetPreps = set("by until before bis d'ici hasta para")

// Words that, in front of a year, make the sentence a statement about
// when something changes.
var yearPreps = set("by until before from starting since in ab bis seit d'ici hasta para desde")

// Words that open a clause after a comma.
var clauseOpeners = set(`which who whom whose while but although though whereas because since
according saying said says adding as after before when if where unless despite
weil dass daß wenn während obwohl sodass denn sondern davon wobei womit die der das`)

// Relative words that cannot open a Signal cell: the clause's subject sits
// before them.
var relatives = set("which who whom whose that where")

// Words that tie a sentence to the one before; a cell starts after them.
var connectives = set(`but and however also meanwhile still yet so now instead additionally moreover
furthermore then thus plus or while whereas although though aber und jedoch auch zudem außerdem`)

// Words that can come before a change verb and belong to it: "will no
// longer allow", "plans to introduce".
var auxiliaries = set(`will would shall could may might can to plans plan planning set is are was were be
been has have had not no longer also now soon already expected going aims wants intends wird
werden soll sollen`)

// Cue stems that name a quantity or status rather than an action; a Change
// cell starts at a verb.
var nominalCues = func() map[string]bool {
	m := set("prozent rekord neu neue neuen neuer erste ersten erstmals mehr weniger milliarden millionen ziel gesetz regel regeln pflicht")
	for _, w := range strings.Fields(`percent pct record new first more less fewer billion million law
rule regulation policy target goal deadline trend growth future investment soon upcoming
emerging longer end start`) {
		m[stemEnglish(w)] = true
	}
	return m
}()

// Verbs that, after "to", state a purpose: the driving force of a change.
var purposeVerbs = set(`reduce cut curb tackle meet comply protect improve address combat lower boost prevent
fight limit avoid ensure strengthen attract compete save slash close achieve reach hit encourage
promote accelerate speed modernise modernize offset recoup`)

// Multi-word causal openers, each a sequence of lower-case words.
var causalOpeners = [][]string{
	{"because"}, {"due", "to"}, {"driven", "by"}, {"in", "response", "to"}, {"in", "order", "to"},
	{"amid"}, {"as", "part", "of"}, {"aimed", "at"}, {"in", "a", "bid", "to"}, {"so", "that"},
	{"weil"}, {"wegen"}, {"aufgrund"}, {"angesichts"},
}

// signalable reports a sentence fit to quote as evidence.
func (d *doc) signalable(si int) bool {
	s := d.sents[si]
	n := s.t1 - s.t0
	return s.terminated && !s.boiler && !s.pipe && n >= 5 && n <= 60
}

// year returns the year a token names, or 0.
func (d *doc) year(t int) int {
	w := d.word(t)
	if len(w) != 4 || !isDigits(w) {
		return 0
	}
	y, _ := strconv.Atoi(w)
	if y < 1900 || y > 2099 {
		return 0
	}
	return y
}

func (d *doc) percentAfter(t int) bool {
	e := int(d.toks[t].end)
	rest := d.text[e:min(len(d.text), e+2)]
	return strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, " %")
}

// cueWeight says how strongly token t announces a change.
func (d *doc) cueWeight(t int, pubYear int) float64 {
	tk := d.toks[t]
	if tk.flags&fNumber != 0 {
		if d.percentAfter(t) {
			return 2
		}
		if y := d.year(t); y > 0 && t > d.sents[tk.sent].t0 {
			if yearPreps[d.lower(t-1)] {
				return 2
			}
			if pubYear > 0 && y > pubYear {
				return 1.5
			}
		}
		return 0
	}
	if tk.flags&fCap != 0 && tk.flags&fInitial == 0 && d.lang.code == "en" {
		return 0 // "Will Smith", "New York"
	}
	return d.lang.cues[d.terms[tk.term].stem]
}

func (d *doc) cueScore(si, pubYear int) float64 {
	s := d.sents[si]
	sum := 0.0
	for t := s.t0; t < s.t1; t++ {
		sum += d.cueWeight(t, pubYear)
	}
	return min(sum, 6)
}

// signals picks the sentences that state a change, best first by cue
// strength plus TextRank score, and turns each into a row. Without two such
// sentences it takes the best-ranked ones. Rows come in article order.
func (d *doc) signals(rk ranking, pubYear int) ([]render.Signal, []string) {
	want := 4
	if len(d.toks) > 2000 {
		want = 5
	}
	maxRank := 0.0
	for _, si := range rk.nodes {
		maxRank = max(maxRank, rk.score[si])
	}
	type cand struct {
		si    int
		score float64
	}
	var cands []cand
	for si := range d.sents {
		if !d.signalable(si) {
			continue
		}
		cue := d.cueScore(si, pubYear)
		if cue < 2 {
			continue
		}
		r := 0.0
		if maxRank > 0 {
			r = rk.score[si] / maxRank
		}
		cands = append(cands, cand{si, cue/6 + r})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })

	var chosen []int
	var chosenTerms [][]int32
	var rows []render.Signal
	var buf []int32
	seen := make(map[string]bool)
	try := func(si int) {
		if len(rows) >= want || slices.Contains(chosen, si) {
			return
		}
		buf = d.content(si, buf)
		for _, ct := range chosenTerms {
			if jaccard(buf, ct) > 0.5 {
				return
			}
		}
		row := d.signalRow(si, pubYear)
		key := strings.ToLower(row.Signal)
		if seen[key] {
			return
		}
		seen[key] = true
		chosen = append(chosen, si)
		chosenTerms = append(chosenTerms, append([]int32(nil), buf...))
		rows = append(rows, row)
	}
	for _, c := range cands {
		try(c.si)
	}
	if len(rows) < 2 {
		// Too few sentences state a change: fall back to the best-ranked
		// quotable sentences, then any quotable one, then any at all.
		want = 2
		for _, si := range rk.byScore() {
			if d.signalable(si) {
				try(si)
			}
		}
		for si := range d.sents {
			if d.signalable(si) {
				try(si)
			}
		}
		for si := range d.sents {
			try(si)
		}
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return chosen[order[a]] < chosen[order[b]] })
	sorted := make([]render.Signal, 0, 2)
	for _, i := range order {
		sorted = append(sorted, rows[i])
	}
	if len(sorted) < 2 {
		// A one-sentence text: the second row is left for the editor, with
		// that sentence as its evidence.
		s := d.sents[0]
		sorted = append(sorted, render.Signal{Signal: review, Change: review, Horizon: review, Force: review,
			Evidence: d.text[s.start:s.end]})
	}
	var paths []string
	for i, r := range sorted {
		for _, c := range []struct{ name, v string }{
			{"signal", r.Signal}, {"change", r.Change}, {"horizon", r.Horizon}, {"force", r.Force},
		} {
			if c.v == review {
				paths = append(paths, pathIndex("signals", i)+"."+c.name)
			}
		}
	}
	return sorted, paths
}

// clauseStart reports whether a clause begins at token t: after a
// semicolon, colon or spaced dash, or after a comma that a clause word
// follows. Brackets are not boundaries: "Noem (R) is defending" is one
// clause.
func (d *doc) clauseStart(t int) bool {
	s := d.sents[d.toks[t].sent]
	if t == s.t0 {
		return true
	}
	gap := d.text[d.fullEnd(t-1):d.toks[t].start]
	if strings.ContainsAny(gap, ";:—–") || strings.Contains(gap, " - ") {
		return true
	}
	return strings.Contains(gap, ",") && clauseOpeners[d.lower(t)]
}

// softBreak reports a place where a long clause may be cut: a comma or a
// word that starts a complement.
func (d *doc) softBreak(t int) bool {
	if d.clauseStart(t) {
		return true
	}
	gap := d.text[d.fullEnd(t-1):d.toks[t].start]
	if strings.Contains(gap, ",") {
		return true
	}
	switch d.lower(t) {
	case "that", "which", "who", "to", "and", "but", "while", "because", "with", "after", "for", "including", "amid":
		return true
	}
	return false
}

// fullEnd is the end of token t with its possessive 's.
func (d *doc) fullEnd(t int) int {
	e := int(d.toks[t].end)
	if d.toks[t].flags&fPossessive != 0 {
		_, n := utf8.DecodeRuneInString(d.text[e:])
		e += n + 1
	}
	return e
}

// cut renders segments of tokens as a cell: the text of each as written, a
// trailing % and a leading currency sign kept, quotation marks dropped,
// pipes replaced, the first letter capitalised.
func (d *doc) cut(segs ...seg) string {
	parts := make([]string, 0, len(segs))
	for _, sg := range segs {
		if sg.b <= sg.a {
			continue
		}
		end := d.fullEnd(sg.b - 1)
		if strings.HasPrefix(d.text[end:], "%") {
			end++
		}
		start := int(d.toks[sg.a].start)
		if r, n := utf8.DecodeLastRuneInString(d.text[:start]); strings.ContainsRune("$€£¥", r) {
			start -= n
		}
		parts = append(parts, d.text[start:end])
	}
	s := strings.Map(func(r rune) rune {
		switch r {
		case '"', '“', '”', '„', '«', '»':
			return -1
		case '|':
			return '/'
		}
		return r
	}, strings.Join(parts, " "))
	s = collapse(s)
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// dangling are words a cut must not end on.
var dangling = set(`a an the of to for and or but nor with in on at by from as that which who whom
whose its their his her our your my this these those is are was were be been being has have had
will would can could should may might must shall not than into onto about over under after
before while if so such some any each every no also
der die das den dem des ein eine einer eines einem einen und oder aber mit von vom zu zum zur auf
für an am im bei nach aus als dass wie ihre ihren seine seinen
le la les un une de du et ou à au aux en pour par avec el los las una del y o por para con`)

// trimTail drops words from the end of [a, b) that leave a cut hanging:
// "the", "of", "will".
func (d *doc) trimTail(a, b int) int {
	for b-a > 1 && dangling[strings.ReplaceAll(d.word(b-1), "’", "'")] {
		b--
	}
	return b
}

// seg is a run of tokens [a, b) quoted in a cell.
type seg struct{ a, b int }

// window chooses the ≤ 12 words of sentence si around token c (-1: none)
// that make its Signal cell: from the start of c's clause (or of the
// clause before, when c's opens with "which") to that clause's end, cut at
// a soft break when too long. An appositive after the subject is left out:
// "Kestrel, the video platform used by …, has changed" gives "Kestrel has
// changed".
func (d *doc) window(si, c int) []seg {
	s := d.sents[si]
	start := d.afterDateline(si)
	if c >= start {
		for t := c; t >= start; t-- {
			if d.clauseStart(t) && !relatives[d.lower(t)] && c-t < cellWords-2 {
				start = t
				break
			}
		}
	}
	for start < s.t1-3 && connectives[d.lower(start)] {
		start++
	}
	if c > start {
		first := -1
		for t := start + 1; t <= min(start+5, c); t++ {
			if d.commaBefore(t) {
				first = t
				break
			}
		}
		if first > 0 {
			for b := first + 1; b <= c; b++ {
				if !d.commaBefore(b) {
					continue
				}
				if b == c || auxiliaries[d.lower(b)] {
					return []seg{{start, first}, d.span(b, c, cellWords-(first-start))}
				}
				break
			}
		}
	}
	return []seg{d.span(start, c, cellWords)}
}

// afterDateline is the first word of sentence si after a news dateline
// ("MADRID —", "HANOI, Vietnam (AP) —"): up to five words, the first in
// capitals, ended by a dash.
func (d *doc) afterDateline(si int) int {
	s := d.sents[si]
	if s.t1-s.t0 < 4 || d.toks[s.t0].flags&fAcronym == 0 {
		return s.t0
	}
	for t := s.t0 + 1; t < min(s.t1-2, s.t0+6); t++ {
		gap := d.text[d.fullEnd(t-1):d.toks[t].start]
		if strings.ContainsAny(gap, "—–") || strings.Contains(gap, " - ") {
			return t
		}
	}
	return s.t0
}

func (d *doc) commaBefore(t int) bool {
	return strings.Contains(d.text[d.fullEnd(t-1):d.toks[t].start], ",")
}

// span is the clause that starts at token a, cut to at most n words at the
// first soft break after token c that leaves five words, and failing that
// at n words.
func (d *doc) span(a, c, n int) seg {
	s := d.sents[d.toks[a].sent]
	end := a + 1
	for end < s.t1 && (end-a < 4 || !d.clauseStart(end)) {
		end++ // a clause of fewer than four words is a dateline or an aside
	}
	if end-a <= n {
		return seg{a, d.trimTail(a, end)}
	}
	limit := a + n
	cutAt := limit
	for t := max(c+1, a+min(5, n-1)); t < limit; t++ {
		if d.softBreak(t) {
			cutAt = t
			break
		}
	}
	return seg{a, d.trimTail(a, cutAt)}
}

// signalRow turns sentence si into a row. Signal is the clause that holds
// the strongest change cue, cut to twelve words; Change is the verb phrase
// from that cue; 10y horizon is a completion year the sentence states
// ("by 2030") when it lies within fifteen years of publication; Driving
// force is a causal phrase of the sentence ("because…", "to cut…"). What
// cannot be found reads "(to review)".
func (d *doc) signalRow(si, pubYear int) render.Signal {
	s := d.sents[si]
	// c is the strongest cue; verb the first cue that is a verb, a strong
	// one if the sentence has any.
	c, verb, weak := -1, -1, -1
	best := 0.0
	for t := s.t0; t < s.t1; t++ {
		w := d.cueWeight(t, pubYear)
		if w > best {
			c, best = t, w
		}
		if w == 0 || d.toks[t].flags&fNumber != 0 || nominalCues[d.terms[d.toks[t].term].stem] || !d.verbUse(t) {
			continue
		}
		if verb < 0 && w >= 2 {
			verb = t
		}
		if weak < 0 && w < 2 {
			weak = t
		}
	}
	if verb < 0 {
		verb = weak
	}
	if verb >= 0 {
		c = verb
	}
	segs := d.window(si, c)
	// Twelve words as a reader counts them: a dash or "&" standing alone
	// counts too, so drop words from the end until the cell fits.
	for last := &segs[len(segs)-1]; last.b-last.a > 1 && len(strings.Fields(d.cut(segs...))) > cellWords; {
		last.b = d.trimTail(last.a, last.b-1)
	}
	row := render.Signal{
		Signal:   d.cut(segs...),
		Change:   review,
		Horizon:  review,
		Force:    review,
		Evidence: d.text[s.start:s.end],
	}
	if verb >= 0 {
		st := verb
		for st > s.t0 && verb-st < 4 && auxiliaries[d.lower(st-1)] && !d.clauseStart(st) {
			st--
		}
		// The verb phrase ends at the first soft break past its first
		// word, within eight words: "plans to introduce real-time
		// translation", not "… and automated note-taking".
		main := verb // past "will be": the verb that says what changes
		for main < s.t1-1 && auxiliaries[d.lower(main)] {
			main++
		}
		en := main + 1
		for en < s.t1 && en-st < 8 && (en < main+2 || !d.softBreak(en)) && !d.clauseStart(en) {
			en++
		}
		if en = d.trimTail(st, en); en-st >= 2 {
			if ch := d.cut(seg{st, en}); !strings.EqualFold(ch, row.Signal) {
				row.Change = ch
			}
		}
	}
	if h := d.horizon(si, pubYear); h != "" {
		row.Horizon = h
	}
	if f := d.force(si); f != "" {
		row.Force = f
	}
	return row
}

// Determiners before a cue word make it a noun: "the ban", "its plan".
var determiners = set("the a an this that these those its their his her our my your whose any each every no der die das den dem des ein eine einen einem")

// verbUse guesses whether cue token t is used as a verb, lacking a tagger:
// not after a determiner or a possessive ("the ban", "Kestrel's plan"), and
// not a bare form after a singular noun, which makes a compound ("meal
// plan", "policy shift"); after a plural it is a verb ("prices rise").
func (d *doc) verbUse(t int) bool {
	s := d.sents[d.toks[t].sent]
	if t == s.t0 {
		return true
	}
	prev := d.toks[t-1]
	if determiners[prev.lower] || prev.flags&fPossessive != 0 {
		return false
	}
	w := d.toks[t].lower
	bare := !strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "ing")
	if bare && prev.flags&(fStop|fCap|fNumber) == 0 && !strings.HasSuffix(prev.lower, "s") {
		return false
	}
	return true
}

// horizon finds "by 2030"-style completion dates within fifteen years of
// publication and quotes the clause that leads to it. Without a publication
// date there is nothing to measure ten years from.
func (d *doc) horizon(si, pubYear int) string {
	if pubYear == 0 {
		return ""
	}
	s := d.sents[si]
	for t := s.t0 + 1; t < s.t1; t++ {
		y := d.year(t)
		if y <= pubYear || y > pubYear+15 || !targetPreps[d.lower(t-1)] {
			continue
		}
		a := t
		for a > s.t0 && t-a < cellWords-1 && !d.clauseStart(a) {
			a--
		}
		for a < t-1 && (connectives[d.lower(a)] || relatives[d.lower(a)]) {
			a++
		}
		return "Target: " + d.cut(seg{a, t + 1})
	}
	return ""
}

// force quotes a causal phrase: "because…", "amid…", "to cut…".
func (d *doc) force(si int) string {
	s := d.sents[si]
	for t := s.t0; t < s.t1; t++ {
		n := 0
		for _, op := range causalOpeners {
			if t+len(op) > s.t1 {
				continue
			}
			match := true
			for k, w := range op {
				if d.lower(t+k) != w {
					match = false
					break
				}
			}
			if match {
				n = len(op)
				break
			}
		}
		if n == 0 && d.lower(t) == "to" && t+1 < s.t1 && purposeVerbs[d.lower(t+1)] {
			n = 1
		}
		if n == 0 {
			continue
		}
		en := t + n
		for en < s.t1 && en-t < 9 && !d.clauseStart(en) {
			en++
		}
		en = d.trimTail(t, en)
		if en-t-n >= 2 {
			return d.cut(seg{t, en})
		}
	}
	return ""
}
