package render

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/digest-tool/digest/templates"
)

// Renderer writes entries with one entry template.
type Renderer struct {
	tmpl *template.Template
}

// New returns a Renderer for the text/template tmplText (templates/entry.md.tmpl
// or a workspace's copy). The template sees escaped, padded fields (see view);
// New tries it on a sample entry so that a broken override fails here, naming
// the template line, rather than on the first real entry.
func New(tmplText []byte) (*Renderer, error) {
	t, err := template.New("entry.md.tmpl").Option("missingkey=error").Parse(string(tmplText))
	if err != nil {
		return nil, fmt.Errorf("parse entry template: %w", err)
	}
	r := &Renderer{tmpl: t}
	if _, err := r.Render(sampleEntry); err != nil {
		return nil, fmt.Errorf("try entry template: %w", err)
	}
	return r, nil
}

// sampleEntry exercises every field and branch of the template.
var sampleEntry = Entry{
	Title:     "Sample",
	IssueDate: "20230827",
	IssueURL:  "https://example.com/p/20230827",
	URL:       "https://example.com/article",
	Summary:   "A sample.",
	Keywords:  []string{"sample"},
	Themes:    []string{"samples"},
	Signals:   []Signal{{Signal: "a", Change: "b", Horizon: "c", Force: "d"}},
	Closest:   []Related{{Title: "Other", ID: "0123456789abcdef0123456789abcdef"}},
}

// Default returns the Renderer for the embedded entry template. It panics if
// that template is broken, which the package's tests rule out.
func Default() *Renderer {
	b, _, err := templates.Read("", "entry.md.tmpl")
	if err != nil {
		panic(err)
	}
	r, err := New(b)
	if err != nil {
		panic(fmt.Errorf("embedded entry template: %w", err))
	}
	return r
}

// Render writes e in the entry format. It normalizes e first (see Normalize),
// escapes its text and pads its table, so with the embedded template
// Parse(Render(e)) == Normalize(e) for every e Render accepts. It refuses an
// issue date that is not a YYYYMMDD calendar date, a Closest id that is not
// 32 hex digits, and any link that is not http or https (the error wraps
// ErrUnsafeURL): the format has no way to write those, and no link is better
// than a harmful one. Render does not drop repeated Closest lines: the
// archive has entries with them (see Check).
func (r *Renderer) Render(e Entry) ([]byte, error) {
	n := Normalize(e)
	if err := validate(n); err != nil {
		return nil, fmt.Errorf("render entry %q: %w", clip(n.Title), err)
	}
	var buf bytes.Buffer
	if err := r.tmpl.Execute(&buf, newView(n)); err != nil {
		return nil, fmt.Errorf("render entry %q: %w", clip(n.Title), err)
	}
	return buf.Bytes(), nil
}

// checkURL says why clean link u, the what of the entry, cannot be written.
func checkURL(u, what string) error {
	msg, unsafe := urlProblem(u)
	switch {
	case unsafe:
		return fmt.Errorf("%s %q: %w: %s", what, u, ErrUnsafeURL, msg)
	case msg != "":
		return fmt.Errorf("%s: %s", what, msg)
	}
	return nil
}

// validate says why normalized e cannot be written, or nil.
func validate(e Entry) error {
	if err := checkDate(e.IssueDate); err != nil {
		return err
	}
	if err := checkURL(e.IssueURL, "issue URL"); err != nil {
		return err
	}
	if err := checkURL(e.URL, "article URL"); err != nil {
		return err
	}
	for i, c := range e.Closest {
		if !validID(c.ID) {
			return fmt.Errorf("closest %d: id %q is not 32 hex digits", i+1, c.ID)
		}
	}
	return nil
}

// Normalize returns e as the markdown holds it, that is as Parse(Render(e))
// gives it back:
//   - text fields (title, summary, keywords, themes, cells, Closest titles):
//     invalid UTF-8 replaced by U+FFFD, control characters dropped, white
//     space runs (newlines included) turned into one space, trimmed;
//   - empty keywords and themes, and Signals rows whose four cells are all
//     empty, dropped;
//   - links trimmed and percent-encoded where markdown would misread them
//     (space, ( ), < >, backslash, quotes, control and non-ASCII bytes);
//   - the issue date trimmed, Closest ids trimmed and lowercased;
//   - Evidence cleared, because the markdown does not carry it (keep it
//     from the sidecar);
//   - nil lists made empty, so JSON shows [] and comparisons are exact.
//
// It does not escape anything: escaping is Render's business and Parse
// undoes it. Normalize(Normalize(e)) == Normalize(e).
func Normalize(e Entry) Entry {
	n := Entry{
		Title:     cleanText(e.Title),
		IssueDate: strings.TrimSpace(e.IssueDate),
		IssueURL:  cleanURL(e.IssueURL),
		URL:       cleanURL(e.URL),
		Summary:   cleanText(e.Summary),
		Keywords:  cleanList(e.Keywords),
		Themes:    cleanList(e.Themes),
		Signals:   make([]Signal, 0, len(e.Signals)),
		Closest:   make([]Related, 0, len(e.Closest)),
	}
	for _, s := range e.Signals {
		c := Signal{Signal: cleanText(s.Signal), Change: cleanText(s.Change), Horizon: cleanText(s.Horizon), Force: cleanText(s.Force)}
		if c != (Signal{}) {
			n.Signals = append(n.Signals, c)
		}
	}
	for _, c := range e.Closest {
		n.Closest = append(n.Closest, Related{Title: cleanText(c.Title), ID: strings.ToLower(strings.TrimSpace(c.ID))})
	}
	return n
}

// NormalizeKeepEvidence is Normalize keeping each Signals row's evidence
// quote (its text cleaned the same way): what a sidecar stores beside the
// markdown. A row dropped as empty takes its quote with it.
func NormalizeKeepEvidence(e Entry) Entry {
	n := Normalize(e)
	j := 0
	for _, s := range e.Signals {
		c := Signal{Signal: cleanText(s.Signal), Change: cleanText(s.Change), Horizon: cleanText(s.Horizon), Force: cleanText(s.Force)}
		if c == (Signal{}) {
			continue
		}
		n.Signals[j].Evidence = cleanText(s.Evidence)
		j++
	}
	return n
}

func cleanList(l []string) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if s = cleanText(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// view is what the entry template sees: every field escaped for where it
// goes, and the Signals table already padded, so an override template can
// move things around but cannot get escaping or alignment wrong.
type view struct {
	Title     string
	IssueDate string
	IssueURL  string
	URL       string
	Summary   string // "" when there is none: the template then writes no paragraph
	Keywords  []string
	Themes    []string
	Signals   table
	Closest   []Related
}

// table is the Signals table as finished lines, without newlines.
type table struct {
	Header    string
	Separator string
	Rows      []string
}

// tableHeader holds the column titles, fixed by the format.
var tableHeader = [4]string{"Signal", "Change", "10y horizon", "Driving force"}

func newView(e Entry) view {
	v := view{
		Title:     escape(e.Title, inline),
		IssueDate: e.IssueDate,
		IssueURL:  e.IssueURL,
		URL:       e.URL,
		Summary:   escape(e.Summary, blockStart),
		Keywords:  make([]string, len(e.Keywords)),
		Themes:    make([]string, len(e.Themes)),
		Closest:   make([]Related, len(e.Closest)),
	}
	for i, k := range e.Keywords {
		v.Keywords[i] = escape(k, blockStart)
	}
	for i, t := range e.Themes {
		v.Themes[i] = escape(t, blockStart)
	}
	for i, c := range e.Closest {
		v.Closest[i] = Related{Title: escape(c.Title, inline), ID: c.ID}
	}
	rows := make([][4]string, len(e.Signals))
	for i, s := range e.Signals {
		rows[i] = [4]string{escape(s.Signal, tableCell), escape(s.Change, tableCell), escape(s.Horizon, tableCell), escape(s.Force, tableCell)}
	}
	v.Signals = newTable(rows)
	return v
}

// newTable pads escaped cells: each column as wide as its widest cell,
// header included, plus one space each side; the separator is ":" and
// dashes to the same width (left-aligned columns).
func newTable(rows [][4]string) table {
	w := columnWidths(rows)
	t := table{Header: tableRow(tableHeader, w), Rows: make([]string, len(rows))}
	var b strings.Builder
	b.WriteByte('|')
	for _, n := range w {
		b.WriteByte(':')
		b.WriteString(strings.Repeat("-", n+1))
		b.WriteByte('|')
	}
	t.Separator = b.String()
	for i, r := range rows {
		t.Rows[i] = tableRow(r, w)
	}
	return t
}

func columnWidths(rows [][4]string) [4]int {
	var w [4]int
	for i, h := range tableHeader {
		w[i] = width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], width(c))
		}
	}
	return w
}

// tableRow writes one padded row of escaped cells.
func tableRow(cells [4]string, w [4]int) string {
	var b strings.Builder
	b.WriteByte('|')
	for i, c := range cells {
		b.WriteByte(' ')
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", w[i]-width(c)+1))
		b.WriteByte('|')
	}
	return b.String()
}
