package render

import (
	"fmt"
	"strings"
)

// ParseError is why Parse could not read an entry: Line is 1-based, so a
// caller can print "file:line: msg".
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// The fixed lines of the format.
const (
	titleOpen    = "# __"
	titleSep     = "__, from (["
	titleClose   = ").)"
	linkOpen     = "__[External link]("
	linkClose    = ")__"
	headSummary  = "## Summary"
	headKeywords = "## Keywords"
	headThemes   = "## Themes"
	headSignals  = "## Signals"
	headClosest  = "## Closest"
)

// Parse reads an entry written in the format back into an Entry. It holds
// the layout strictly (every heading and blank line where FORMAT.md puts
// it) but reads text leniently, the way markdown would: escapes are undone
// whether or not they were needed, table padding is ignored, white space is
// cleaned and links percent-encoded as by Normalize. One newline at the end
// of the file is accepted, as editors add it. It refuses what Render would
// refuse (bad dates, ids and links), so Render(Parse(b)) always works. The
// error is a *ParseError for the first problem found; Check lists them all.
func Parse(b []byte) (Entry, error) {
	p := &parser{lines: strings.Split(string(b), "\n")}
	e, err := p.entry()
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

type parser struct {
	lines []string
	n     int // index of the next line
}

// errf is a *ParseError at the line last read (or the first, before any).
func (p *parser) errf(format string, args ...any) error {
	return &ParseError{Line: max(p.n, 1), Msg: fmt.Sprintf(format, args...)}
}

// next reads the next line; at the end of the file it returns an error
// saying what was expected there.
func (p *parser) next(want string) (string, error) {
	if p.n >= len(p.lines) {
		p.n = len(p.lines)
		return "", p.errf("file ends where %s was expected", want)
	}
	l := p.lines[p.n]
	p.n++
	if strings.HasSuffix(l, "\r") {
		return "", p.errf("line ends with a carriage return: the format uses \\n line endings only")
	}
	return l, nil
}

// peek returns the next line without reading it; ok is false at the end.
func (p *parser) peek() (string, bool) {
	if p.n >= len(p.lines) {
		return "", false
	}
	return p.lines[p.n], true
}

func (p *parser) expect(want string) error {
	l, err := p.next(fmt.Sprintf("%q", want))
	if err != nil {
		return err
	}
	if l != want {
		if want == "" {
			return p.errf("expected a blank line, got %q", clip(l))
		}
		return p.errf("expected %q, got %q", want, clip(l))
	}
	return nil
}

func (p *parser) blanks(n int) error {
	for range n {
		if err := p.expect(""); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) entry() (Entry, error) {
	e := Entry{Keywords: []string{}, Themes: []string{}, Signals: []Signal{}, Closest: []Related{}}
	l, err := p.next("the title line")
	if err != nil {
		return e, err
	}
	h, msg := parseHeader(l)
	if msg != "" {
		return e, p.errf("%s", msg)
	}
	e.Title = cleanText(unescape(h.title))
	e.IssueDate = h.date
	if err := checkDate(e.IssueDate); err != nil {
		return e, p.errf("%v", err)
	}
	if e.IssueURL, err = p.url(h.url, "issue URL"); err != nil {
		return e, err
	}
	if err := p.blanks(1); err != nil {
		return e, err
	}
	if l, err = p.next("the external link line"); err != nil {
		return e, err
	}
	u, _, msg := parseLink(l)
	if msg != "" {
		return e, p.errf("%s", msg)
	}
	if e.URL, err = p.url(u, "article URL"); err != nil {
		return e, err
	}
	if err := p.blanks(3); err != nil {
		return e, err
	}
	if e.Summary, err = p.summary(); err != nil {
		return e, err
	}
	if e.Keywords, err = p.list(headKeywords, headThemes, "keyword"); err != nil {
		return e, err
	}
	if e.Themes, err = p.list(headThemes, headSignals, "theme"); err != nil {
		return e, err
	}
	if e.Signals, err = p.signals(); err != nil {
		return e, err
	}
	if e.Closest, err = p.closest(); err != nil {
		return e, err
	}
	return e, nil
}

func (p *parser) url(raw, what string) (string, error) {
	u := cleanURL(raw)
	if msg, _ := urlProblem(u); msg != "" {
		return "", p.errf("%s: %s", what, msg)
	}
	return u, nil
}

// summary reads "## Summary", a blank line, and the paragraph with the blank
// line after it, or nothing when the summary is empty.
func (p *parser) summary() (string, error) {
	if err := p.expect(headSummary); err != nil {
		return "", err
	}
	if err := p.blanks(1); err != nil {
		return "", err
	}
	if l, ok := p.peek(); ok && l == headKeywords {
		return "", nil
	}
	l, err := p.next("the summary")
	if err != nil {
		return "", err
	}
	if l == "" || strings.HasPrefix(l, "## ") {
		// A summary starting "#" is written "\#", so this is a heading.
		return "", p.errf("expected the summary or %q, got %q", headKeywords, clip(l))
	}
	if next, ok := p.peek(); ok && next != "" {
		p.n++
		return "", p.errf("expected a blank line after the summary (the summary is one line), got %q", clip(next))
	}
	if err := p.blanks(1); err != nil {
		return "", err
	}
	return cleanText(unescape(l)), nil
}

// list reads heading, a blank line, "* item" lines and, when there were
// any, a blank line; then it expects the heading that follows.
func (p *parser) list(heading, following, item string) ([]string, error) {
	if err := p.expect(heading); err != nil {
		return nil, err
	}
	if err := p.blanks(1); err != nil {
		return nil, err
	}
	items := []string{}
	n := 0
	for {
		l, ok := p.peek()
		if !ok || !strings.HasPrefix(l, "*") {
			break
		}
		p.n++
		raw, msg := parseBullet(l)
		if msg != "" {
			return nil, p.errf("%s", msg)
		}
		n++
		if s := cleanText(unescape(raw)); s != "" {
			items = append(items, s)
		}
	}
	if n > 0 {
		if l, ok := p.peek(); ok && l != "" {
			p.n++
			return nil, p.errf("expected %q or a blank line after the %ss, got %q", "* "+item, item, clip(l))
		}
		if err := p.blanks(1); err != nil {
			return nil, err
		}
	}
	if l, ok := p.peek(); ok && l != following && n == 0 {
		p.n++
		return nil, p.errf("expected %q or %q, got %q", "* "+item, following, clip(l))
	}
	return items, nil
}

// signals reads the Signals heading and table and the blank line after it.
func (p *parser) signals() ([]Signal, error) {
	if err := p.expect(headSignals); err != nil {
		return nil, err
	}
	if err := p.blanks(1); err != nil {
		return nil, err
	}
	l, err := p.next("the table header")
	if err != nil {
		return nil, err
	}
	cells, msg := splitRow(l)
	if msg == "" && !isHeader(cells) {
		msg = fmt.Sprintf("expected the table header %q", tableRow(tableHeader, columnWidths(nil)))
	}
	if msg != "" {
		return nil, p.errf("%s", msg)
	}
	if l, err = p.next("the table separator"); err != nil {
		return nil, err
	}
	if cells, msg = splitRow(l); msg == "" && !isSeparator(cells) {
		msg = "expected the table separator |:---|:---|:---|:---|"
	}
	if msg != "" {
		return nil, p.errf("%s", msg)
	}
	rows := []Signal{}
	for {
		l, err := p.next("a table row or a blank line")
		if err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		cells, msg := splitRow(l)
		if msg != "" {
			return nil, p.errf("expected a table row or a blank line: %s", msg)
		}
		if len(cells) != 4 {
			return nil, p.errf("table row has %d cells, want 4 (write a | inside a cell as \\|)", len(cells))
		}
		s := Signal{Signal: cellText(cells[0]), Change: cellText(cells[1]), Horizon: cellText(cells[2]), Force: cellText(cells[3])}
		if s != (Signal{}) {
			rows = append(rows, s)
		}
	}
	return rows, nil
}

func cellText(c span) string { return cleanText(unescape(strings.Trim(c.s, " "))) }

// closest reads the Closest heading and list: the end of the file.
func (p *parser) closest() ([]Related, error) {
	if err := p.expect(headClosest); err != nil {
		return nil, err
	}
	out := []Related{}
	if _, ok := p.peek(); !ok {
		return out, nil // "## Closest" without its newline: let it be
	}
	if err := p.blanks(1); err != nil {
		return nil, err
	}
	for {
		l, ok := p.peek()
		if !ok {
			return out, nil
		}
		if l == "" && p.n == len(p.lines)-1 && len(out) > 0 {
			return out, nil // a newline after the last line, as editors add
		}
		p.n++
		if strings.HasSuffix(l, "\r") {
			return nil, p.errf("line ends with a carriage return: the format uses \\n line endings only")
		}
		r, msg := parseRelated(l)
		if msg != "" {
			return nil, p.errf("%s", msg)
		}
		id := strings.ToLower(r.id)
		if !validID(id) {
			return nil, p.errf("Closest id %q is not 32 hex digits", clip(r.id))
		}
		out = append(out, Related{Title: cleanText(unescape(r.title)), ID: id})
	}
}

// clip shortens a line quoted in a message.
func clip(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 { // do not cut a rune
		i--
	}
	return s[:i] + "…"
}

// header is the title line's raw parts and where they start in the line.
type header struct {
	title, date, url       string
	titleAt, dateAt, urlAt int
}

// parseHeader splits "# __TITLE__, from ([YYYYMMDD](ISSUE_URL).)". The title
// ends at the first unescaped "__, from ([": its own underscores are escaped.
func parseHeader(l string) (header, string) {
	const want = `expected the title line "# __TITLE__, from ([YYYYMMDD](ISSUE_URL).)"`
	if !strings.HasPrefix(l, titleOpen) {
		return header{}, want
	}
	end := -1
	for i := len(titleOpen); i < len(l); i++ {
		if l[i] == '\\' && i+1 < len(l) && isPunct(l[i+1]) {
			i++
			continue
		}
		if strings.HasPrefix(l[i:], titleSep) {
			end = i
			break
		}
	}
	if end < 0 {
		return header{}, want + `: no "__, from ([" after the title`
	}
	h := header{title: l[len(titleOpen):end], titleAt: len(titleOpen), dateAt: end + len(titleSep)}
	rest := l[h.dateAt:]
	j := strings.Index(rest, "](")
	if j < 0 || !strings.HasSuffix(rest, titleClose) || j+2 > len(rest)-len(titleClose) {
		return header{}, want + `: the line must end "[YYYYMMDD](ISSUE_URL).)"`
	}
	h.date = rest[:j]
	h.urlAt = h.dateAt + j + 2
	h.url = l[h.urlAt : len(l)-len(titleClose)]
	return h, ""
}

// parseLink reads "__[External link](URL)__".
func parseLink(l string) (url string, at int, msg string) {
	if !strings.HasPrefix(l, linkOpen) || !strings.HasSuffix(l, linkClose) || len(l) < len(linkOpen)+len(linkClose) {
		return "", 0, `expected the link line "__[External link](URL)__"`
	}
	return l[len(linkOpen) : len(l)-len(linkClose)], len(linkOpen), ""
}

// parseBullet reads "* text" and returns the raw text (it starts at byte 2).
func parseBullet(l string) (string, string) {
	if !strings.HasPrefix(l, "* ") {
		return "", fmt.Sprintf(`expected a list item "* text", got %q`, clip(l))
	}
	return l[2:], ""
}

// related is a Closest line's raw parts and where they start in the line.
type related struct {
	title, id     string
	titleAt, idAt int
}

// parseRelated reads "* [TITLE](ID)". The title ends at the last unescaped
// "](" (an id holds no brackets), so a hand-written "]" in it does no harm.
func parseRelated(l string) (related, string) {
	const want = `expected a Closest line "* [TITLE](ID)"`
	if !strings.HasPrefix(l, "* [") || !strings.HasSuffix(l, ")") {
		return related{}, want
	}
	end := -1
	for i := 3; i < len(l)-1; i++ {
		if l[i] == '\\' && i+1 < len(l) && isPunct(l[i+1]) {
			i++
			continue
		}
		if l[i] == ']' && l[i+1] == '(' {
			end = i
		}
	}
	if end < 0 {
		return related{}, want
	}
	return related{title: l[3:end], titleAt: 3, id: l[end+2 : len(l)-1], idAt: end + 2}, ""
}

// span is a cell's raw text, padding included, and where it starts.
type span struct {
	s  string
	at int
}

// splitRow splits "| a | b |" at unescaped pipes. A backslash pair is
// skipped whole, so "\\|" is an escaped backslash and then a pipe, as GFM
// reads it.
func splitRow(l string) ([]span, string) {
	if !strings.HasPrefix(l, "|") {
		return nil, `a table row starts with "|"`
	}
	var cells []span
	start := 1
	for i := 1; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, span{l[start:i], start})
			start = i + 1
		}
	}
	if start != len(l) || len(cells) == 0 {
		return nil, `a table row ends with an unescaped "|"`
	}
	return cells, ""
}

func isHeader(cells []span) bool {
	if len(cells) != len(tableHeader) {
		return false
	}
	for i, c := range cells {
		if strings.Trim(c.s, " ") != tableHeader[i] {
			return false
		}
	}
	return true
}

// isSeparator accepts any GFM delimiter row of four columns; Check insists
// on the padded left-aligned one.
func isSeparator(cells []span) bool {
	if len(cells) != 4 {
		return false
	}
	for _, c := range cells {
		s := strings.Trim(c.s, " ")
		s = strings.TrimPrefix(s, ":")
		s = strings.TrimSuffix(s, ":")
		if s == "" || strings.Trim(s, "-") != "" {
			return false
		}
	}
	return true
}
