package review

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// span is a byte range [start, end) of a text.
type span struct{ start, end int }

// folded is a text folded for quote matching, with each of its bytes
// mapped back to the original text's rune it came from.
type folded struct {
	s          string
	start, end []int // per byte of s: the original rune's byte range
}

var foldRunes = map[rune]string{
	'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
	'\u201c': `"`, '\u201d': `"`, '\u201e': `"`, '\u00ab': `"`, '\u00bb': `"`,
	'\u2013': "-", '\u2014': "-", '\u2212': "-", '\u2026': "...", '\u00ad': "",
}

// fold lowers case, folds typographic quotes, dashes and ellipses to ASCII
// and collapses white space, as models do when they quote.
func fold(text string) folded {
	var f folded
	var b strings.Builder
	space := true // drop leading space
	for i, r := range text {
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		var out string
		switch rep, ok := foldRunes[r]; {
		case ok:
			out = rep
		case unicode.IsSpace(r):
			if space {
				continue
			}
			out = " "
		default:
			out = string(unicode.ToLower(r))
		}
		if out == "" {
			continue
		}
		space = out == " "
		b.WriteString(out)
		for range len(out) {
			f.start = append(f.start, i)
			f.end = append(f.end, i+size)
		}
	}
	f.s = b.String()
	return f
}

// findQuotes finds each quote in text, folded as by fold, and returns the
// byte ranges of text they cover and how many quotes were found. A quote
// the model shortened with "..." is looked for part by part.
func findQuotes(text string, quotes []string) (out []span, found int) {
	ft := fold(text)
	for _, q := range quotes {
		n := len(out)
		fq := strings.Trim(fold(q).s, `"' `)
		parts := []string{fq}
		if strings.Contains(fq, ftEllipsis) && !strings.Contains(ft.s, fq) {
			parts = strings.Split(fq, ftEllipsis)
		}
		for _, p := range parts {
			p = strings.Trim(p, `"' `)
			if len(p) < 12 && len(parts) > 1 || p == "" {
				continue
			}
			if i := strings.Index(ft.s, p); i >= 0 {
				out = append(out, span{ft.start[i], ft.end[i+len(p)-1]})
			}
		}
		if len(out) > n {
			found++
		}
	}
	return out, found
}

const ftEllipsis = "..."

// word is a piece of a line and whether it is highlighted.
type word struct {
	s  string
	hl bool
}

// wrapText wraps text to width columns, keeping its line breaks, and passes
// the runs of words that overlap spans through hl.
func wrapText(text string, spans []span, width int, hl func(string) string) string {
	width = max(width, 8)
	inSpan := func(a, b int) bool {
		for _, s := range spans {
			if a < s.end && b > s.start {
				return true
			}
		}
		return false
	}
	var out []string
	off := 0
	for _, line := range strings.Split(text, "\n") {
		var words []word
		i := 0
		for i < len(line) {
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			if j > i {
				words = append(words, word{line[i:j], inSpan(off+i, off+j)})
			}
			i = j
		}
		off += len(line) + 1
		out = append(out, fill(words, width, hl)...)
	}
	return strings.Join(out, "\n")
}

// fill lays words out in lines of at most width columns; a word longer
// than a line is cut.
func fill(words []word, width int, hl func(string) string) []string {
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	var cur []word
	w := 0
	flush := func() {
		lines = append(lines, join(cur, hl))
		cur, w = nil, 0
	}
	for _, wd := range words {
		for runewidth.StringWidth(wd.s) > width {
			if len(cur) > 0 {
				flush()
			}
			head := runewidth.Truncate(wd.s, width, "")
			if head == "" {
				break
			}
			cur = []word{{head, wd.hl}}
			flush()
			wd.s = wd.s[len(head):]
		}
		ww := runewidth.StringWidth(wd.s)
		if len(cur) > 0 && w+1+ww > width {
			flush()
		}
		if len(cur) > 0 {
			w++
		}
		cur = append(cur, wd)
		w += ww
	}
	if len(cur) > 0 {
		flush()
	}
	return lines
}

// join writes words with single spaces, highlighting each run of
// highlighted words (with the spaces inside it) as one.
func join(words []word, hl func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(words); {
		if i > 0 {
			b.WriteByte(' ')
		}
		j := i + 1
		for j < len(words) && words[j].hl == words[i].hl {
			j++
		}
		parts := make([]string, 0, j-i)
		for _, w := range words[i:j] {
			parts = append(parts, w.s)
		}
		s := strings.Join(parts, " ")
		if words[i].hl && hl != nil {
			s = hl(s)
		}
		b.WriteString(s)
		i = j
	}
	return b.String()
}
