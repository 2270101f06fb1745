package offline

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// doc is the article's text cut into sentences and words once, so that every
// later step (ranking, keyphrases, signals) works on the same byte offsets
// and can quote the text exactly.
type doc struct {
	text  string
	lang  *language
	sents []sentence
	toks  []token
	terms []term
	// byStem finds a term by its stem, for words from outside the text
	// (the title).
	byStem map[string]int32
}

// sentence is a span of the text. Sentences never cross a line break: a line
// without final punctuation is a heading, caption or list item, and a quote
// taken from one sentence must never hold a newline.
type sentence struct {
	start, end int // bytes in the text, surrounding space and list markers trimmed
	t0, t1     int // its words: doc.toks[t0:t1]
	terminated bool
	boiler     bool // page furniture: cookies, subscriptions, copyright
	pipe       bool // holds a '|', which no table cell may
}

type token struct {
	lower      string // the word in lower case, ’ written '
	start, end int32  // bytes of the word in the text, a possessive 's left out
	term       int32  // index into doc.terms; words with one stem share a term
	sent       int32
	flags      uint16
}

const (
	fStop       = 1 << iota // a stopword
	fBreak                  // cannot be part of a keyphrase: stopword, number, adverb, one letter, too long
	fBridge                 // may join two keyphrase words ("of")
	fEd                     // ends in -ed: an adjective before a noun, a verb after one
	fCap                    // starts with an upper-case letter
	fAcronym                // two or more letters, all upper-case
	fNumber                 // digits only
	fPossessive             // followed by 's
	fJoin                   // exactly one space since the previous word of the sentence
	fInitial                // first word of its sentence
)

type term struct {
	stem string
	tf   int   // occurrences
	df   int   // sentences holding it
	last int32 // last sentence counted in df
	capN int   // capitalised, not first in a sentence
	lowN int   // lower-case
	stop bool  // every form of it seen so far is a stopword
}

func newDoc(text, hint string) *doc {
	d := &doc{text: text, lang: pickLanguage(hint, text)}
	d.sents = splitSentences(text, d.lang)
	d.tokenise()
	if d.lang.code == "" {
		d.learnStopwords()
	}
	d.markNames()
	if d.lang == english {
		d.markVerbs()
	}
	d.markBoilerplate()
	return d
}

// isWordRune reports letters, digits and combining marks: what a word is
// made of in any script.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isJoiner reports characters that stay inside a word when a word character
// follows: "Zoom's", "AI-powered", "AT&T", "3.5", "U.S".
func isJoiner(r rune) bool {
	switch r {
	case '\'', '’', '-', '‐', '‑', '&', '.', '_':
		return true
	}
	return false
}

func isTerminator(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', ')', ']', '»', '›':
		return true
	}
	return false
}

func isOpener(r rune) bool {
	switch r {
	case '"', '\'', '“', '‘', '(', '[', '«', '‹', '¿', '¡', '„':
		return true
	}
	return false
}

// isMarker reports characters that open a list item, heading or HTML tag
// in plain text; they are trimmed from a sentence's start so no summary or
// quote begins with markup.
func isMarker(r rune) bool {
	switch r {
	case '-', '*', '•', '>', '#', '+', '–', '—', '·', '▪', '►', '|', '=', '_', '~', '`', '<':
		return true
	}
	return false
}

// Abbreviations that never end a sentence: titles and Latin shorthands.
var neverBreak = set(`mr mrs ms dr prof st gen gov sen rep lt col capt sgt rev hon mt ft vs
e.g i.e cf approx fig figs dept z.b d.h bzw vgl ca u.a s.a mme mlle sra sr.a`)

// Abbreviations that come before a number ("No. 10", "p. 4").
var numBefore = set("no nos nr art vol p pp sec ch")

// Abbreviations that often end a sentence too ("… at Acme Inc. The …"): they
// end one only when the next word is a stopword, as sentences usually start.
var ambiguous = set(`inc ltd co corp llc plc bros etc al jr sr usw jan feb mar apr jun jul aug sep
sept oct nov dec`)

var monthNames = set(`january february march april may june july august september october november
december januar februar märz mai juni juli oktober dezember janvier février mars avril juin
juillet août septembre octobre novembre décembre enero febrero marzo abril mayo junio julio
agosto septiembre octubre noviembre diciembre`)

func splitSentences(text string, lang *language) []sentence {
	var out []sentence
	for ls := 0; ls < len(text); {
		le := strings.IndexByte(text[ls:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += ls
		}
		out = splitLine(text, ls, le, lang, out)
		ls = le + 1
	}
	return out
}

func splitLine(text string, ls, le int, lang *language, out []sentence) []sentence {
	s, i := ls, ls
	for i < le {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isTerminator(r) {
			i += n
			continue
		}
		j := i + n
		single := r == '.'
		for j < le {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !isTerminator(r2) {
				break
			}
			single = false
			j += n2
		}
		for j < le {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !isCloser(r2) {
				break
			}
			j += n2
		}
		if r == '。' || r == '！' || r == '？' {
			out = appendSentence(text, s, j, out)
			s, i = j, j
			continue
		}
		if j >= le {
			break
		}
		if r2, _ := utf8.DecodeRuneInString(text[j:]); !unicode.IsSpace(r2) {
			i = j // "3.5", "example.com", "Yahoo!'s"
			continue
		}
		k := j
		for k < le {
			r2, n2 := utf8.DecodeRuneInString(text[k:])
			if !unicode.IsSpace(r2) {
				break
			}
			k += n2
		}
		if k >= le || !startsSentence(text, k, le) || (single && !breakAfterPeriod(text, ls, i, k, le, lang)) {
			i = j
			continue
		}
		out = appendSentence(text, s, j, out)
		s, i = k, k
	}
	return appendSentence(text, s, le, out)
}

// startsSentence reports whether the text at k can open a sentence: an
// upper-case letter, a digit or a letter of a script without case, maybe
// after an opening quote or bracket.
func startsSentence(text string, k, le int) bool {
	for k < le {
		r, n := utf8.DecodeRuneInString(text[k:])
		if isOpener(r) {
			k += n
			continue
		}
		return unicode.IsUpper(r) || unicode.IsDigit(r) || (unicode.IsLetter(r) && !unicode.IsLower(r))
	}
	return false
}

// breakAfterPeriod decides whether the period at i, followed by space and a
// capital at k, ends a sentence, looking at the word before it.
func breakAfterPeriod(text string, ls, i, k, le int, lang *language) bool {
	b := i
	for b > ls {
		r, n := utf8.DecodeLastRuneInString(text[ls:b])
		if !isWordRune(r) && r != '.' {
			break
		}
		b -= n
	}
	orig := strings.TrimLeft(text[b:i], ".")
	if orig == "" {
		return true
	}
	w := strings.ToLower(orig)
	next := wordAt(text, k, le)
	switch {
	case neverBreak[w]:
		return false
	case utf8.RuneCountInString(w) == 1 && unicode.IsLetter(rune(w[0])) && (w == orig || spacedAbbreviation(text[ls:b])):
		return false // "z. B.", "d. h.": a lower-case letter and a period

	case numBefore[w]:
		r, _ := utf8.DecodeRuneInString(next)
		return !unicode.IsDigit(r)
	case ambiguous[w] || isInitial(orig) || isDottedAcronym(w):
		n := strings.ToLower(next)
		return lang.stop[n] && !ambiguous[n] && !neverBreak[n]
	case len(w) <= 2 && isDigits(w) && monthNames[strings.ToLower(next)]:
		return false // "am 1. Januar": a German ordinal date
	}
	return true
}

// spacedAbbreviation reports text ending in a lower-case letter, a period
// and a space: the first half of "z. B.".
func spacedAbbreviation(before string) bool {
	n := len(before)
	if n < 3 || before[n-1] != ' ' || before[n-2] != '.' {
		return false
	}
	r, size := utf8.DecodeLastRuneInString(before[:n-2])
	if !unicode.IsLower(r) {
		return false
	}
	p, _ := utf8.DecodeLastRuneInString(before[:n-2-size])
	return !isWordRune(p)
}

func wordAt(text string, k, le int) string {
	for k < le {
		r, n := utf8.DecodeRuneInString(text[k:])
		if !isOpener(r) {
			break
		}
		k += n
	}
	e := k
	for e < le {
		r, n := utf8.DecodeRuneInString(text[e:])
		if !isWordRune(r) && r != '\'' && r != '’' {
			break
		}
		e += n
	}
	return text[k:e]
}

func isInitial(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && unicode.IsUpper(r)
}

// isDottedAcronym reports "u.s", "e.u", "ph.d": short letter groups joined by
// dots, unlike a domain name.
func isDottedAcronym(w string) bool {
	if !strings.Contains(w, ".") {
		return false
	}
	for _, part := range strings.Split(strings.TrimSuffix(w, "."), ".") {
		if part == "" || utf8.RuneCountInString(part) > 2 {
			return false
		}
	}
	return true
}

func isDigits(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func appendSentence(text string, s, e int, out []sentence) []sentence {
	for s < e {
		r, n := utf8.DecodeRuneInString(text[s:])
		if !unicode.IsSpace(r) && !isMarker(r) {
			break
		}
		s += n
	}
	for e > s {
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= n
	}
	letter := false
	for _, r := range text[s:e] {
		if unicode.IsLetter(r) {
			letter = true
			break
		}
	}
	if !letter {
		return out
	}
	last := e
	for last > s {
		r, n := utf8.DecodeLastRuneInString(text[s:last])
		if !isCloser(r) {
			break
		}
		last -= n
	}
	r, _ := utf8.DecodeLastRuneInString(text[s:last])
	return append(out, sentence{
		start:      s,
		end:        e,
		terminated: isTerminator(r),
		pipe:       strings.IndexByte(text[s:e], '|') >= 0,
	})
}

var adverbExceptions = set("supply family assembly monopoly anomaly rally reply ally apply comply multiply butterfly italy july")

// tokenise cuts every sentence into words and gives each distinct stem a
// term number in order of first appearance, so that later steps can use
// slices instead of maps and never depend on map order.
func (d *doc) tokenise() {
	lowerTerm := make(map[string]int32)
	d.byStem = make(map[string]int32)
	stemTerm := d.byStem
	text := d.text
	for si := range d.sents {
		s := &d.sents[si]
		s.t0 = len(d.toks)
		prevEnd := -1
		for i := s.start; i < s.end; {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				i += n
				continue
			}
			st := i
			i += n
			for i < s.end {
				r, n = utf8.DecodeRuneInString(text[i:])
				if isWordRune(r) {
					i += n
					continue
				}
				if isJoiner(r) && i+n < s.end {
					if r2, _ := utf8.DecodeRuneInString(text[i+n:]); isWordRune(r2) {
						i += n
						continue
					}
				}
				break
			}
			end := i
			if i < s.end && text[i] == '.' && isDottedAcronym(text[st:i]) {
				end, i = i+1, i+1 // "U.S." keeps its last dot
			}
			var flags uint16
			raw := text[st:end]
			if strings.HasSuffix(raw, "'s") || strings.HasSuffix(raw, "’s") || strings.HasSuffix(raw, "'S") {
				if p := strings.LastIndexAny(raw, "'’"); p > 0 {
					end = st + p
					raw = text[st:end]
					flags |= fPossessive
				}
			}
			lower := strings.ToLower(raw)
			if strings.Contains(lower, "’") {
				lower = strings.ReplaceAll(lower, "’", "'")
			}
			id, ok := lowerTerm[lower]
			if !ok {
				stem := d.lang.stem(lower)
				id, ok = stemTerm[stem]
				if !ok {
					id = int32(len(d.terms))
					d.terms = append(d.terms, term{stem: stem, last: -1, stop: true})
					stemTerm[stem] = id
				}
				lowerTerm[lower] = id
			}
			first, _ := utf8.DecodeRuneInString(raw)
			runes := utf8.RuneCountInString(raw)
			if len(d.toks) == s.t0 {
				flags |= fInitial
			}
			if prevEnd >= 0 && text[prevEnd:st] == " " {
				flags |= fJoin
			}
			if unicode.IsUpper(first) {
				flags |= fCap
				if runes >= 2 && strings.ToUpper(raw) == raw && strings.ToLower(raw) != raw {
					flags |= fAcronym
				}
			}
			if d.lang.stop[lower] && flags&fAcronym == 0 {
				flags |= fStop // "US" and "IT" in capitals are names, not "us" and "it"
			}
			if d.lang.bridge[lower] {
				flags |= fBridge
			}
			if isNumber(lower) {
				flags |= fNumber
			}
			if d.lang == english && flags&fCap == 0 {
				if runes > 4 && strings.HasSuffix(lower, "ly") && !adverbExceptions[lower] {
					flags |= fBreak
				}
				if runes >= 5 && strings.HasSuffix(lower, "ed") && !strings.HasSuffix(lower, "eed") {
					flags |= fEd
				}
			}
			if flags&(fStop|fNumber) != 0 || runes < 2 || runes > 30 {
				flags |= fBreak
			}
			t := &d.terms[id]
			t.tf++
			if t.last != int32(si) {
				t.df++
				t.last = int32(si)
			}
			if flags&fStop == 0 {
				t.stop = false
			}
			if flags&fInitial == 0 {
				if flags&fCap != 0 {
					t.capN++
				} else if unicode.IsLower(first) {
					t.lowN++
				}
			}
			d.toks = append(d.toks, token{lower: lower, start: int32(st), end: int32(end), term: id, sent: int32(si), flags: flags})
			prevEnd = end
			if flags&fPossessive != 0 {
				prevEnd = -1 // "Zoom's terms": the possessive ends the phrase
			}
		}
		s.t1 = len(d.toks)
	}
}

// markNames lets a capitalised stopword inside a name count as a word:
// "New York", "United States". Mid-sentence and before another capitalised
// word, "New" is part of a name, not the adjective.
func (d *doc) markNames() {
	name := func(t int) bool { // a capitalised word that is not a stopword
		return t >= 0 && t < len(d.toks) && d.toks[t].flags&(fCap|fStop) == fCap
	}
	for t := range d.toks {
		tk := &d.toks[t]
		if tk.flags&fStop == 0 || tk.flags&(fCap|fInitial) != fCap || tk.flags&fNumber != 0 ||
			neverBreak[tk.lower] || ambiguous[tk.lower] || len(tk.lower) < 2 {
			continue
		}
		before := name(t-1) && d.toks[t-1].sent == tk.sent && tk.flags&fJoin != 0 && d.toks[t-1].flags&fPossessive == 0
		after := name(t+1) && d.toks[t+1].sent == tk.sent && d.toks[t+1].flags&fJoin != 0
		if before || after { // "New York", "Black Friday"
			tk.flags &^= fStop | fBreak
			d.terms[tk.term].stop = false
		}
	}
}

// Words after which an English word is a verb: "will train", "cannot opt".
var modals = set("will would can could should may might must shall cannot won't wouldn't can't couldn't shouldn't didn't doesn't don't not")

// markVerbs keeps verbs out of keyphrases, lacking a part-of-speech
// tagger: a word after a modal is a verb, and so is a word after "to" when
// most of that word's uses follow "to" ("to train", but not "to customers").
func (d *doc) markVerbs() {
	after := make([]int, len(d.terms))
	for t := 1; t < len(d.toks); t++ {
		if d.toks[t].sent == d.toks[t-1].sent && d.lower(t-1) == "to" {
			after[d.toks[t].term]++
		}
	}
	for t := 1; t < len(d.toks); t++ {
		tk := &d.toks[t]
		if tk.sent != d.toks[t-1].sent || tk.flags&fCap != 0 {
			continue
		}
		prev := d.lower(t - 1)
		if modals[prev] || (prev == "to" && after[tk.term]*2 >= d.terms[tk.term].tf) {
			tk.flags |= fBreak
		}
	}
}

// isNumber reports digits with separators: "3.5", "7-6", "9/11".
func isNumber(w string) bool {
	digit := false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case r == '.' || r == ',' || r == '-' || r == '/' || r == ':':
		default:
			return false
		}
	}
	return digit
}

// learnStopwords stands in for a stop list in a language the engine does not
// know: short words found in a fifth of all sentences are function words in
// any language that separates words with spaces.
func (d *doc) learnStopwords() {
	n := len(d.sents)
	stop := make([]bool, len(d.terms))
	for id, t := range d.terms {
		if utf8.RuneCountInString(t.stem) <= 2 || (n >= 5 && utf8.RuneCountInString(t.stem) <= 5 && t.df*5 >= n) {
			stop[id] = true
		}
	}
	for i := range d.toks {
		if stop[d.toks[i].term] {
			d.toks[i].flags |= fStop | fBreak
		}
	}
	for id := range d.terms {
		d.terms[id].stop = stop[id]
	}
}

// Words and word pairs of page furniture. Whole words only: "subscribe"
// must not catch an article about subscribers.
var boilerWords = set("cookie cookies subscribe unsubscribe advertisement copyright javascript newsletter signup login")

var boilerPairs = [][2]string{
	{"sign", "up"}, {"sign", "in"}, {"log", "in"}, {"click", "here"}, {"read", "more"},
	{"rights", "reserved"}, {"follow", "us"}, {"share", "this"}, {"accept", "all"},
	{"your", "browser"}, {"related", "articles"}, {"read", "next"}, {"more", "stories"},
	{"all", "rights"},
}

func (d *doc) markBoilerplate() {
	for si := range d.sents {
		s := &d.sents[si]
		if strings.Contains(d.text[s.start:s.end], "©") {
			s.boiler = true
			continue
		}
		prev := ""
		for t := s.t0; t < s.t1 && !s.boiler; t++ {
			w := d.toks[t].lower
			if boilerWords[w] {
				s.boiler = true
			}
			for _, p := range boilerPairs {
				if prev == p[0] && w == p[1] {
					s.boiler = true
				}
			}
			prev = w
		}
	}
}

// lower is the token's text in lower case.
func (d *doc) lower(t int) string {
	return d.toks[t].lower
}

// word is the token's text as written.
func (d *doc) word(t int) string {
	return d.text[d.toks[t].start:d.toks[t].end]
}

func (d *doc) words(si int) int {
	return d.sents[si].t1 - d.sents[si].t0
}

// prose reports a sentence fit to quote in a summary or a signal: a whole
// sentence of ordinary length that is not page furniture.
func (d *doc) prose(si int) bool {
	s := d.sents[si]
	n := s.t1 - s.t0
	return s.terminated && !s.boiler && !s.pipe && n >= 6 && n <= 50
}

// content is the sorted set of a sentence's topic terms: what TextRank
// compares.
func (d *doc) content(si int, buf []int32) []int32 {
	buf = buf[:0]
	s := d.sents[si]
	for t := s.t0; t < s.t1; t++ {
		tk := d.toks[t]
		if tk.flags&(fStop|fNumber) != 0 || tk.end-tk.start < 2 {
			continue
		}
		buf = append(buf, tk.term)
	}
	return sortUnique(buf)
}

func sortUnique(a []int32) []int32 {
	slices.Sort(a)
	return slices.Compact(a)
}

// overlap counts the values two sorted lists share.
func overlap(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// collapse joins a string's words with single spaces.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
