package store

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
)

// Kinds of Flag, in the order Flags lists them.
const (
	FlagToReview  = "to_review"          // cells the offline engine left "(to review)"; Items: their paths
	FlagEvidence  = "evidence_not_found" // signals whose evidence quote is not in the article (or missing); Items: "signals[1]"
	FlagInputCut  = "input_cut"          // the article was cut to fit the model's input
	FlagKeyword   = "keyword_absent"     // keywords absent from the article's text; Items: the keywords
	FlagDuplicate = "duplicate"          // the link is already archived or was rejected; Items: where
	FlagFormat    = "format"             // the markdown fails the format check; Items: "line N: msg"
)

// Flag is one reason a draft needs a person's attention.
type Flag struct {
	Kind  string   `json:"kind"`
	Items []string `json:"items"` // never null: [] when the flag has none
}

// Label is the flag for a person: "to review (3)", "cut article".
func (f Flag) Label() string {
	name := map[string]string{
		FlagToReview: "to review", FlagEvidence: "evidence not found", FlagInputCut: "cut article",
		FlagKeyword: "keyword absent", FlagDuplicate: "duplicate", FlagFormat: "format",
	}[f.Kind]
	if name == "" {
		name = f.Kind
	}
	if len(f.Items) > 0 && f.Kind != FlagDuplicate {
		return fmt.Sprintf("%s (%d)", name, len(f.Items))
	}
	return name
}

// Flags lists what in draft d (with markdown md, nil when missing) needs
// attention before it is accepted.
func (w *Workspace) Flags(d Draft, md []byte) []Flag {
	fs := []Flag{}
	add := func(kind string, items []string, on bool) {
		if on || len(items) > 0 {
			if items == nil {
				items = []string{}
			}
			fs = append(fs, Flag{Kind: kind, Items: items})
		}
	}
	add(FlagToReview, ToReview(d.Entry), false)
	add(FlagEvidence, evidenceProblems(d.Entry.Signals, d.Article.Text), false)
	add(FlagInputCut, nil, d.InputCut)
	add(FlagKeyword, absentKeywords(d.Entry.Keywords, d.Article.Text), false)
	add(FlagDuplicate, w.duplicates(d), false)
	var probs []string
	if md != nil {
		for _, p := range render.Check(md, d.ID) {
			probs = append(probs, p.String())
		}
	}
	add(FlagFormat, probs, false)
	return fs
}

// reviewMark starts the text of a cell an engine could not fill.
const reviewMark = "(to review"

// ToReview lists the paths ("headline", "keywords[3]", "signals[1].horizon")
// of e's parts that still read "(to review…)".
func ToReview(e render.Entry) []string {
	var out []string
	mark := func(path, s string) {
		if strings.Contains(s, reviewMark) {
			out = append(out, path)
		}
	}
	mark("headline", e.Title)
	mark("summary", e.Summary)
	for i, k := range e.Keywords {
		mark(fmt.Sprintf("keywords[%d]", i), k)
	}
	for i, t := range e.Themes {
		mark(fmt.Sprintf("themes[%d]", i), t)
	}
	for i, s := range e.Signals {
		for _, c := range []struct{ name, v string }{{"signal", s.Signal}, {"change", s.Change}, {"horizon", s.Horizon}, {"force", s.Force}} {
			mark(fmt.Sprintf("signals[%d].%s", i, c.name), c.v)
		}
	}
	return out
}

// evidenceRE reads prompt.Validate's lines about evidence quotes.
var evidenceRE = regexp.MustCompile(`^(signals\[\d+\])\.evidence: (not found|empty)`)

// evidenceProblems lists the signals whose evidence quote is missing or not
// found in text, as "signals[1]" (not found) or "signals[1]: none".
func evidenceProblems(signals []render.Signal, text string) []string {
	if len(signals) == 0 || strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for _, p := range prompt.Validate(prompt.Fields{Signals: signals}, text) {
		if m := evidenceRE.FindStringSubmatch(p); m != nil {
			if m[2] == "empty" {
				out = append(out, m[1]+": none")
			} else {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// absentKeywords lists the keywords that do not occur in text, compared
// without case and with white space, quotes and dashes folded.
func absentKeywords(keywords []string, text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	hay := fold(text)
	var out []string
	for _, k := range keywords {
		if strings.Contains(k, reviewMark) {
			continue // counted as to review
		}
		if !strings.Contains(hay, fold(k)) {
			out = append(out, k)
		}
	}
	return out
}

var folder = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`,
	"\u2013", "-", "\u2014", "-", "\u00a0", " ", "\u00ad", "")

func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(folder.Replace(s)), " "))
}

// duplicates says where the draft's link already is: the archive, or the
// rejected drafts, under its id or the id of the page's declared canonical.
func (w *Workspace) duplicates(d Draft) []string {
	ids := []string{d.ID}
	for _, u := range []string{d.Article.LinkCanonical, d.Entry.URL} {
		if u == "" {
			continue
		}
		if c, err := extract.Canonicalize(u); err == nil {
			if id := extract.ID(c); id != d.ID && ValidID(id) {
				ids = append(ids, id)
			}
		}
	}
	var out []string
	for _, id := range ids {
		md, js := w.EntryPaths(id)
		for _, p := range []string{js, md} {
			if _, err := os.Stat(p); err == nil {
				out = append(out, w.rel(p))
				break
			}
		}
		if p := filepath.Join(w.RejectedDir(), id+".json"); fileExists(p) {
			where := w.rel(p)
			if r, err := readSidecar(p); err == nil && r.Rejected != nil && r.Rejected.Reason != "" {
				where += " (rejected: " + r.Rejected.Reason + ")"
			}
			out = append(out, where)
		}
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// rel is p relative to the workspace root when it is inside it.
func (w *Workspace) rel(p string) string {
	if r, err := filepath.Rel(w.Root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
