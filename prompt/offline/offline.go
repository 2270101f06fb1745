// Package offline writes an entry's fields without a model: the built-in
// engine used when no API key or model server is configured. Everything is
// extractive (ranked sentences, statistical keyphrases, cue-word signals),
// deterministic and fast, and meant as a draft to edit, not a finished entry.
package offline

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
)

// Engine is the offline engine. It holds no state: one Engine may serve
// many goroutines.
type Engine struct{}

// New returns the offline engine.
func New() *Engine { return &Engine{} }

var _ prompt.Engine = (*Engine)(nil)

var errNoText = errors.New("offline: no text to summarise")

// Generate writes Fields for a from its text alone. It fails only when the
// article has no text (no letters at all) or ctx is already done. Cells it
// cannot fill from the text read "(to review)" and are listed in
// Result.ToReview.
//
// A very short text still gets a complete, valid set. The summary holds as
// many sentences as the text has, up to five. Missing keywords are taken
// from parts of longer keyphrases, the title's words, numbers in the text
// and the site name, and what is still missing reads "(to review N)"; themes
// likewise. With a single sentence, the second signal row is left to review.
// Text in a language without a stop list is handled through word
// frequencies alone.
func (e *Engine) Generate(ctx context.Context, a extract.Article) (prompt.Result, error) {
	if err := ctx.Err(); err != nil {
		return prompt.Result{}, err
	}
	if !strings.ContainsFunc(a.Text, unicode.IsLetter) {
		return prompt.Result{}, errNoText
	}
	d := newDoc(a.Text, a.Language)
	title := d.titleTerms(a.Title)

	rk := d.rank(title)
	summary := d.summary(rk)
	ranked := d.scorePhrases(d.phrases(), title)
	keywords, kwReview := d.keywords(ranked, a.Title, a.Site, title)
	themes, thReview := d.themes(ranked, title)
	signals, sgReview := d.signals(rk, publishedYear(a.Published))

	var toReview []string
	toReview = append(toReview, kwReview...)
	toReview = append(toReview, thReview...)
	toReview = append(toReview, sgReview...)
	return prompt.Result{
		Fields: prompt.Fields{
			Headline: d.headline(a.Title, a.Site),
			Summary:  summary,
			Keywords: keywords,
			Themes:   themes,
			Signals:  signals,
		},
		Engine:   "offline",
		ToReview: toReview,
	}, nil
}

// titleTerms marks, by term id, the words of the text that the title uses.
func (d *doc) titleTerms(title string) []bool {
	marks := make([]bool, len(d.terms))
	for _, w := range titleWords(title, d.lang) {
		l := strings.ReplaceAll(strings.ToLower(w), "’", "'")
		if id, ok := d.byStem[d.lang.stem(l)]; ok {
			marks[id] = true
		}
	}
	return marks
}

// publishedYear reads the year of an RFC 3339 date; 0 when unknown.
func publishedYear(s string) int {
	if len(s) < 4 || !isDigits(s[:4]) {
		return 0
	}
	y, _ := strconv.Atoi(s[:4])
	return y
}

// placeholder is the i-th stand-in for a list item the text cannot supply;
// numbered because list items must not repeat.
func placeholder(i int) string {
	return "(to review " + strconv.Itoa(i) + ")"
}

func pathIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// startsClean reports whether s can begin a markdown list item or cell
// without being read as markup.
func startsClean(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return !isMarker(r) && !unicode.IsSpace(r)
}
