package render

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is one way an entry file departs from the format. Line is 1-based;
// Msg may start with "column N:" (counted in runes from 1).
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Check lists every problem of the entry file b, ordered by line: sections
// missing, repeated or out of order; blank lines; the title, link, list and
// Closest line syntax; the table header, separator and padding; text that
// would read as markup, or that Render would write differently (white
// space, escapes, percent-encoding); bad dates and links; Closest ids that
// are malformed, repeated, more than 10, or selfID (the entry's own id; ""
// skips that test, and a repeated line titled like the entry is then said
// to be probably the entry itself); and the end of the file. A file Check
// passes is read by Parse and written back by Render byte for byte.
func Check(b []byte, selfID string) []Problem {
	c := &checker{lines: strings.Split(string(b), "\n"), self: strings.ToLower(strings.TrimSpace(selfID))}
	c.run()
	slices.SortStableFunc(c.probs, func(a, b Problem) int { return a.Line - b.Line })
	return c.probs
}

type checker struct {
	lines []string
	self  string
	title string // the entry's clean title, for the "probably itself" hint
	probs []Problem
}

// add records a problem on the line of index i (0-based).
func (c *checker) add(i int, format string, args ...any) {
	c.probs = append(c.probs, Problem{Line: i + 1, Msg: fmt.Sprintf(format, args...)})
}

// The sections, in their order: a section's kind is its index here.
var sectionNames = []string{headSummary, headKeywords, headThemes, headSignals, headClosest}

const (
	secSummary = iota
	secKeywords
	secThemes
	secSignals
	secClosest
)

// heading is a "## " line: its section (-1 when unknown) and whether its
// body should be checked (not for repeats and unknowns).
type heading struct {
	line, kind int
	check      bool
}

func (c *checker) run() {
	for i, l := range c.lines {
		if strings.HasSuffix(l, "\r") {
			c.add(i, "line ends with a carriage return: the format uses \\n line endings only")
			l = strings.TrimSuffix(l, "\r")
		}
		if l != "" && strings.Trim(l, " \t") == "" {
			c.add(i, "blank line holds white space: make it empty")
			l = ""
		}
		c.lines[i] = l
	}
	c.header()
	hs := c.headings()
	end := len(c.lines)
	if len(hs) > 0 {
		end = hs[0].line
	}
	c.preamble(end)
	for k, h := range hs {
		next := len(c.lines)
		if k+1 < len(hs) {
			next = hs[k+1].line
		}
		body := c.region(h.line, next, k == len(hs)-1)
		if !h.check {
			continue
		}
		switch h.kind {
		case secSummary:
			c.summary(body)
		case secKeywords:
			c.list(body, "keyword")
		case secThemes:
			c.list(body, "theme")
		case secSignals:
			c.table(h.line, body)
		case secClosest:
			c.closest(body)
		}
	}
}

func (c *checker) header() {
	h, msg := parseHeader(c.lines[0])
	if msg != "" {
		c.add(0, "%s", msg)
		return
	}
	c.title = cleanText(unescape(h.title))
	c.text(0, h.titleAt, h.title, inline)
	if err := checkDate(h.date); err != nil {
		c.add(0, "column %d: %v", c.col(0, h.dateAt), err)
	}
	c.url(0, h.urlAt, h.url, "issue URL")
}

// headings finds the "## " lines and reports unknown, misspelt, repeated,
// out of order and missing sections.
func (c *checker) headings() []heading {
	var hs []heading
	first := map[int]int{}
	last := -1 // the furthest section seen, in format order
	for i := 1; i < len(c.lines); i++ {
		l := c.lines[i]
		if !strings.HasPrefix(l, "## ") && l != "##" {
			continue
		}
		kind := slices.Index(sectionNames, l)
		if kind < 0 {
			kind = slices.IndexFunc(sectionNames, func(n string) bool { return strings.EqualFold(n, strings.Join(strings.Fields(l), " ")) })
			if kind < 0 {
				c.add(i, "unknown section %q: the sections are %s", clip(l), strings.Join(sectionNames, ", "))
				hs = append(hs, heading{line: i, kind: -1})
				continue
			}
			c.add(i, "heading must be written %q", sectionNames[kind])
		}
		h := heading{line: i, kind: kind, check: true}
		if f, ok := first[kind]; ok {
			c.add(i, "section %q repeated (first on line %d)", sectionNames[kind], f+1)
			h.check = false
		} else {
			first[kind] = i
			if kind < last {
				c.add(i, "section %q out of order: it comes before %q", sectionNames[kind], sectionNames[last])
			}
			last = max(last, kind)
		}
		hs = append(hs, h)
	}
	for kind, name := range sectionNames {
		if _, ok := first[kind]; ok {
			continue
		}
		at := len(c.lines) - 1
		for _, h := range hs {
			if h.kind > kind {
				at = h.line
				break
			}
		}
		c.add(at, "missing section %q", name)
	}
	return hs
}

// preamble checks the lines between the title line and the first heading:
// a blank line, the link line, three blank lines.
func (c *checker) preamble(end int) {
	var lines []int
	for i := 1; i < end; i++ {
		if c.lines[i] != "" {
			lines = append(lines, i)
		}
	}
	if len(lines) == 0 {
		c.add(min(end, len(c.lines)-1), `missing the link line "__[External link](URL)__"`)
		return
	}
	link := lines[0]
	c.gap(link, link-1, 1, "between the title line and the link line")
	if u, at, msg := parseLink(c.lines[link]); msg != "" {
		c.add(link, "%s", msg)
	} else {
		c.url(link, at, u, "article URL")
	}
	for _, i := range lines[1:] {
		c.add(i, "unexpected line %q between the link line and %q", clip(c.lines[i]), headSummary)
	}
	c.gap(end, end-lines[len(lines)-1]-1, 3, "before "+fmt.Sprintf("%q", headSummary))
}

// gap reports got blank lines where want belong, on line i.
func (c *checker) gap(i, got, want int, where string) {
	if got != want {
		c.add(min(i, len(c.lines)-1), "%s %s, want %d", blankLines(got), where, want)
	}
}

func blankLines(n int) string {
	if n == 1 {
		return "1 blank line"
	}
	return fmt.Sprintf("%d blank lines", n)
}

// region checks the blank lines of the section whose heading is on line h
// and which ends before line end: one blank line after the heading, then
// the body, then one blank line (or, for the last section, the end of the
// file right after the body; with no body, "## Closest\n"). It returns the
// body's non-blank lines.
func (c *checker) region(h, end int, last bool) []int {
	name := fmt.Sprintf("%q", c.lines[h])
	var body []int
	for i := h + 1; i < end; i++ {
		if c.lines[i] != "" {
			body = append(body, i)
		}
	}
	if len(body) == 0 {
		got := end - h - 1
		switch {
		case last && got == 0:
			c.add(h, "the file must end with a newline after %s when the list is empty", name)
		case last && got > 1:
			c.add(h+2, "%s at the end of the file: it ends with %s and one newline", blankLines(got-1), name)
		case !last:
			c.gap(h+1, got, 1, "after "+name)
		}
		return nil
	}
	first, final := body[0], body[len(body)-1]
	c.gap(first, first-h-1, 1, "after "+name)
	for i := first + 1; i < final; i++ {
		if c.lines[i] == "" && c.lines[i-1] != "" {
			c.add(i, "blank line inside the section %s", name)
		}
	}
	trailing := end - final - 1
	switch {
	case !last:
		c.gap(end, trailing, 1, fmt.Sprintf("before %q", c.lines[min(end, len(c.lines)-1)]))
	case trailing == 1:
		c.add(final, "the file ends with a newline: it must end right after this line")
	case trailing > 1:
		c.add(final+1, "%s at the end of the file: it must end right after line %d", blankLines(trailing), final+1)
	}
	return body
}

func (c *checker) summary(body []int) {
	if len(body) == 0 {
		return
	}
	if len(body) > 1 {
		c.add(body[1], "the summary is one line: join its lines")
	}
	c.text(body[0], 0, c.lines[body[0]], blockStart)
}

func (c *checker) list(body []int, item string) {
	for _, i := range body {
		raw, msg := parseBullet(c.lines[i])
		if msg != "" {
			c.add(i, "%s", msg)
			continue
		}
		if cleanText(unescape(raw)) == "" {
			c.add(i, "empty %s", item)
			continue
		}
		c.text(i, 2, raw, blockStart)
	}
}

// table checks the Signals table: header, separator, four cells a row, and
// every column padded to its widest cell.
func (c *checker) table(h int, body []int) {
	want := tableRow(tableHeader, columnWidths(nil))
	if len(body) == 0 {
		c.add(h, "missing the table header %q", want)
		return
	}
	type row struct {
		line  int
		cells []span
	}
	var rows []row // the header and the data rows with four cells
	cells, msg := splitRow(c.lines[body[0]])
	if msg != "" || !isHeader(cells) {
		c.add(body[0], "expected the table header %q", want)
	} else {
		rows = append(rows, row{body[0], cells})
	}
	sep := -1
	if len(body) < 2 {
		c.add(body[0], "missing the table separator |:---|:---|:---|:---| after the header")
	} else if cells, msg := splitRow(c.lines[body[1]]); msg != "" || !isSeparator(cells) {
		c.add(body[1], "expected the table separator |:---|:---|:---|:---|")
	} else {
		sep = body[1]
	}
	for _, i := range body[min(2, len(body)):] {
		cells, msg := splitRow(c.lines[i])
		switch {
		case msg != "":
			c.add(i, "%s", msg)
			continue
		case len(cells) != 4:
			c.add(i, "table row has %d cells, want 4 (write a | inside a cell as \\|)", len(cells))
			continue
		}
		empty := true
		for _, s := range cells {
			t := strings.TrimLeft(s.s, " ")
			at := s.at + len(s.s) - len(t)
			t = strings.TrimRight(t, " ")
			c.text(i, at, t, tableCell)
			empty = empty && cleanText(unescape(t)) == ""
		}
		if empty {
			c.add(i, "empty table row")
		}
		rows = append(rows, row{i, cells})
	}
	var w [4]int
	for k, name := range tableHeader {
		w[k] = width(name)
	}
	for _, r := range rows {
		for k, s := range r.cells {
			w[k] = max(w[k], width(strings.Trim(s.s, " ")))
		}
	}
	if sep >= 0 {
		got, _ := splitRow(c.lines[sep])
		for k, s := range got {
			if s.s != ":"+strings.Repeat("-", w[k]+1) {
				c.add(sep, "separator of column %q must be \":\" and %d dashes, as wide as the column", tableHeader[k], w[k]+1)
				break
			}
		}
	}
	for _, r := range rows {
		for k, s := range r.cells {
			t := strings.Trim(s.s, " ")
			if s.s != " "+t+strings.Repeat(" ", w[k]-width(t)+1) {
				c.add(r.line, "column %d: cell of %q not left-aligned and padded to %d characters (its widest cell) with one space each side", c.col(r.line, s.at), tableHeader[k], w[k])
				break
			}
		}
	}
}

func (c *checker) closest(body []int) {
	seen := map[string]int{}
	for n, i := range body {
		l := c.lines[i]
		if n == 10 {
			c.add(i, "more than 10 Closest lines")
		}
		r, msg := parseRelated(l)
		if msg != "" {
			c.add(i, "%s", msg)
			continue
		}
		c.text(i, r.titleAt, r.title, inline)
		id := strings.ToLower(r.id)
		switch {
		case !validID(id):
			c.add(i, "column %d: id %q is not 32 lowercase hex digits", c.col(i, r.idAt), clip(r.id))
			continue
		case id != r.id:
			c.add(i, "column %d: id must be lowercase", c.col(i, r.idAt))
		}
		if f, ok := seen[id]; ok {
			hint := ""
			if c.self == "" && c.title != "" && cleanText(unescape(r.title)) == c.title {
				hint = "; it has this entry's title: probably the entry itself"
			}
			c.add(i, "repeats id %s (first on line %d)%s", id, f+1, hint)
		} else {
			seen[id] = i
		}
		if id == c.self {
			c.add(i, "lists the entry itself (id %s)", id)
		}
	}
}

// col is the 1-based rune column of byte offset at on line i.
func (c *checker) col(i, at int) int {
	return utf8.RuneCountInString(c.lines[i][:at]) + 1
}

// url checks a link written at byte at of line i.
func (c *checker) url(i, at int, raw, what string) {
	if strings.TrimSpace(raw) != raw {
		c.add(i, "column %d: %s has white space around it", c.col(i, at), what)
	} else {
		for k := 0; k < len(raw); k++ {
			if !urlByteOK(raw[k]) {
				c.add(i, "column %d: %s: byte %q must be percent-encoded as %%%02X", c.col(i, at+k), what, raw[k], raw[k])
				break
			}
		}
	}
	if msg, _ := urlProblem(cleanURL(raw)); msg != "" {
		c.add(i, "column %d: %s: %s", c.col(i, at), what, msg)
	}
}

// text checks escaped text raw, written at byte at of line i in context
// ctx, against what Render would write: its first white space problem and
// its first missing or needless escape.
func (c *checker) text(i, at int, raw string, ctx textContext) {
	plain := make([]byte, 0, len(raw))
	escaped := make([]bool, 0, len(raw))
	pos := make([]int, 0, len(raw)) // byte offset in raw of each plain byte
	for k := 0; k < len(raw); k++ {
		if raw[k] == '\\' && k+1 < len(raw) && isPunct(raw[k+1]) {
			plain, escaped, pos = append(plain, raw[k+1]), append(escaped, true), append(pos, k)
			k++
			continue
		}
		plain, escaped, pos = append(plain, raw[k]), append(escaped, false), append(pos, k)
	}
	s := string(plain)
	if k, msg := spaceProblem(s); msg != "" {
		c.add(i, "column %d: %s", c.col(i, at+pos[k]), msg)
	}
	for k := range len(s) {
		want := needsEscape(s, k, ctx)
		switch {
		case want && !escaped[k]:
			c.add(i, `column %d: "%c" must be written "\%c"`, c.col(i, at+pos[k]), s[k], s[k])
			return
		case !want && escaped[k]:
			c.add(i, `column %d: needless backslash: write "\%c" as "%c"`, c.col(i, at+pos[k]), s[k], s[k])
			return
		}
	}
}

// spaceProblem finds the first byte of s that cleanText would change.
func spaceProblem(s string) (int, string) {
	prev := rune(-1)
	for k, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[k:], "\uFFFD"):
			return k, "invalid UTF-8"
		case r == ' ' && (k == 0 || k+1 == len(s)):
			return k, "space at the start or end of the text"
		case r == ' ' && prev == ' ':
			return k, "two spaces in a row"
		case unicode.IsSpace(r) && r != ' ':
			return k, fmt.Sprintf("white space U+%04X: write a plain space", r)
		case unicode.IsControl(r):
			return k, fmt.Sprintf("control character U+%04X", r)
		}
		prev = r
	}
	return 0, ""
}
