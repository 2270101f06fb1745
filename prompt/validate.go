package prompt

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digest-tool/digest/render"
)

// Limits of the validation rules; the prompts ask for the same.
const (
	headlineMaxRunes = 120
	summaryMinSent   = 3
	summaryMaxSent   = 5
	summaryMaxRunes  = 1200
	keywordsMin      = 5
	keywordsMax      = 12
	keywordMaxRunes  = 60
	keywordMaxWords  = 6
	themesMin        = 2
	themesMax        = 6
	themeMaxRunes    = 80
	themeMaxWords    = 8
	signalsMin       = 2
	signalsMax       = 6
	cellMaxRunes     = 160
	evidenceMaxRunes = 300
	evidenceMinWords = 3
)

// Validate checks f against the rules of every module and returns its
// problems as short lines such as `keywords: 1 item, want 5 to 12` or
// `signals[1].evidence: not found in the article: "…"`; none means valid.
// Evidence quotes are looked up in articleText after whitespace, quote and
// dash normalisation; with an empty articleText they are not looked up.
// The client sends these lines back to the model in its repair round, and
// editors can re-check an edited draft with it.
func Validate(f Fields, articleText string) []string {
	var p []string
	h := newHaystack(articleText)
	for _, m := range modules {
		p = append(p, m.validate(f, h)...)
	}
	return p
}

// haystack is an article text normalised once for evidence look-ups.
type haystack struct{ norm string }

func newHaystack(text string) *haystack { return &haystack{norm: normQuote(text)} }

func (h *haystack) contains(quote string) bool {
	if h.norm == "" {
		return true
	}
	q := strings.Trim(normQuote(quote), `"' `)
	return q != "" && strings.Contains(h.norm, q)
}

var quoteFolder = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u2013", "-", "\u2014", "-", "\u2212", "-", "\u2026", "...",
	"\u00a0", " ", "\u00ad", "",
)

// normQuote folds typographic quotes, dashes and ellipses to ASCII and
// collapses whitespace, since models re-type them when they quote.
func normQuote(s string) string {
	return strings.Join(strings.Fields(quoteFolder.Replace(s)), " ")
}

func validateHeadline(f Fields, _ *haystack) []string {
	return checkText("headline", f.Headline, headlineMaxRunes, false)
}

func validateSummary(f Fields, _ *haystack) []string {
	p := checkText("summary", f.Summary, summaryMaxRunes, false)
	if len(p) == 0 {
		if n := countSentences(f.Summary); n < summaryMinSent || n > summaryMaxSent {
			p = append(p, fmt.Sprintf("summary: %d sentences, want %d to %d", n, summaryMinSent, summaryMaxSent))
		}
	}
	return p
}

func validateKeywords(f Fields, _ *haystack) []string {
	return checkList("keywords", f.Keywords, keywordsMin, keywordsMax, keywordMaxRunes, keywordMaxWords)
}

func validateThemes(f Fields, _ *haystack) []string {
	return checkList("themes", f.Themes, themesMin, themesMax, themeMaxRunes, themeMaxWords)
}

func validateSignals(f Fields, h *haystack) []string {
	var p []string
	if n := len(f.Signals); n < signalsMin || n > signalsMax {
		p = append(p, fmt.Sprintf("signals: %s, want %d to %d", plural(n, "row"), signalsMin, signalsMax))
	}
	seen := map[string]int{}
	for i, s := range f.Signals {
		at := fmt.Sprintf("signals[%d].", i)
		for _, c := range []struct{ name, v string }{
			{"signal", s.Signal}, {"change", s.Change}, {"horizon", s.Horizon}, {"force", s.Force},
		} {
			p = append(p, checkText(at+c.name, c.v, cellMaxRunes, true)...)
		}
		if k := strings.ToLower(strings.TrimSpace(s.Signal)); k != "" {
			if j, dup := seen[k]; dup {
				p = append(p, fmt.Sprintf("%ssignal: repeats signals[%d]", at, j))
			} else {
				seen[k] = i
			}
		}
		ev := strings.TrimSpace(s.Evidence)
		switch {
		case ev == "":
			p = append(p, at+"evidence: empty")
		case utf8.RuneCountInString(ev) > evidenceMaxRunes:
			p = append(p, fmt.Sprintf("%sevidence: longer than %d characters", at, evidenceMaxRunes))
		case len(strings.Fields(ev)) < evidenceMinWords:
			p = append(p, fmt.Sprintf("%sevidence: shorter than %d words", at, evidenceMinWords))
		case !h.contains(ev):
			p = append(p, fmt.Sprintf("%sevidence: not found in the article: %q", at, clip(ev, 80)))
		}
	}
	return p
}

func checkList(name string, items []string, lo, hi, maxRunes, maxWords int) []string {
	var p []string
	if n := len(items); n < lo || n > hi {
		p = append(p, fmt.Sprintf("%s: %s, want %d to %d", name, plural(n, "item"), lo, hi))
	}
	seen := map[string]int{}
	for i, it := range items {
		at := fmt.Sprintf("%s[%d]", name, i)
		p = append(p, checkText(at, it, maxRunes, false)...)
		if len(strings.Fields(it)) > maxWords {
			p = append(p, fmt.Sprintf("%s: more than %d words", at, maxWords))
		}
		k := strings.ToLower(strings.Join(strings.Fields(it), " "))
		if j, dup := seen[k]; dup && k != "" {
			p = append(p, fmt.Sprintf("%s: repeats %s[%d] %q", at, name, j, clip(it, 40)))
		} else {
			seen[k] = i
		}
	}
	return p
}

// checkText applies the rules every written string follows: not empty, not
// too long, one line, no control characters, no markdown or HTML, and in
// table cells no "|".
func checkText(at, s string, maxRunes int, cell bool) []string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return []string{at + ": empty"}
	case utf8.RuneCountInString(s) > maxRunes:
		return []string{fmt.Sprintf("%s: longer than %d characters", at, maxRunes)}
	case strings.ContainsAny(s, "\n\r"):
		return []string{at + ": contains a line break"}
	case cell && strings.Contains(s, "|"):
		return []string{at + `: contains "|"`}
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0:
		// The markdown drops them: a keyword of control characters alone
		// would vanish, and two differing only by one would repeat.
		return []string{at + ": contains a control character"}
	}
	if m := markup(s); m != "" {
		return []string{fmt.Sprintf("%s: contains markup %q", at, m)}
	}
	return nil
}

var (
	htmlRe     = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|&(amp|lt|gt|quot|nbsp|#[0-9]+);`)
	markdownRe = regexp.MustCompile("\\*\\*|__|`|\\]\\(|!\\[|^(#{1,6} |[*+>-] |[0-9]+\\. )")
)

// markup returns the first markdown or HTML construct in s, or "".
func markup(s string) string {
	if m := htmlRe.FindString(s); m != "" {
		return m
	}
	return strings.TrimSpace(markdownRe.FindString(s))
}

// abbreviations end with a period without ending a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "jr": true, "sr": true,
	"vs": true, "etc": true, "no": true, "gen": true, "gov": true, "sen": true,
	"rep": true, "fig": true, "approx": true, "dept": true, "est": true,
}

// fullStops are the CJK sentence ends, written without a space after them.
var fullStops = strings.NewReplacer("。", "。 ", "！", "！ ", "？", "？ ")

// countSentences counts sentences by their end punctuation, skipping
// abbreviations ("Dr.", "U.S.", "e.g.") and ends not followed by a capital or
// digit; a trailing fragment without end punctuation counts as one.
func countSentences(s string) int {
	words := strings.Fields(fullStops.Replace(s))
	n := 0
	for i, w := range words {
		w = strings.TrimRight(w, `"')]”’»」』`)
		last, _ := utf8.DecodeLastRuneInString(w)
		if !strings.ContainsRune(".!?…。！？", last) || w == "" {
			if i == len(words)-1 {
				n++
			}
			continue
		}
		if i == len(words)-1 || strings.ContainsRune("。！？", last) {
			n++
			continue
		}
		if last == '.' {
			stem := strings.TrimSuffix(w, ".")
			if strings.Contains(stem, ".") || utf8.RuneCountInString(stem) == 1 || abbreviations[strings.ToLower(stem)] {
				continue
			}
		}
		next, _ := utf8.DecodeRuneInString(strings.TrimLeft(words[i+1], `"'(“‘«`))
		if unicode.IsUpper(next) || unicode.IsDigit(next) {
			n++
		}
	}
	return n
}

// plural says "1 item", "2 items"; many is the plural when not what+"s".
func plural(n int, what string, many ...string) string {
	if n == 1 {
		return "1 " + what
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// clip shortens s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// trimFields trims the spaces models leave around strings and collapses the
// whitespace of evidence quotes (they live in the sidecar, not the table).
func trimFields(f *Fields) {
	f.Headline = strings.TrimSpace(f.Headline)
	f.Summary = strings.TrimSpace(f.Summary)
	for i := range f.Keywords {
		f.Keywords[i] = strings.TrimSpace(f.Keywords[i])
	}
	for i := range f.Themes {
		f.Themes[i] = strings.TrimSpace(f.Themes[i])
	}
	for i, s := range f.Signals {
		f.Signals[i] = render.Signal{
			Signal:   strings.TrimSpace(s.Signal),
			Change:   strings.TrimSpace(s.Change),
			Horizon:  strings.TrimSpace(s.Horizon),
			Force:    strings.TrimSpace(s.Force),
			Evidence: strings.Join(strings.Fields(s.Evidence), " "),
		}
	}
}
