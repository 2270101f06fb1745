package extract

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// ldPage is a page whose visible text is html and whose JSON-LD declares
// body as the article's articleBody.
func ldPage(t *testing.T, html, body string) string {
	t.Helper()
	ld, err := json.Marshal(map[string]any{"@context": "https://schema.org", "@type": "NewsArticle",
		"headline": "Tram line opens", "articleBody": body})
	if err != nil {
		t.Fatal(err)
	}
	return `<html><head><title>Tram line opens</title><script type="application/ld+json">` + string(ld) +
		`</script></head><body>` + html + `</body></html>`
}

func TestDeclaredBody(t *testing.T) {
	long := strings.Repeat("The new tram line runs from the station to the university in twelve minutes. ", 8)
	paras := long + "\n" + strings.Repeat("Trams come every six minutes at peak hours and every ten in the evening. ", 8)
	teaser := `<article><p>The new tram line runs from the station to the university in twelve minutes.</p></article>`
	full := `<article><p>` + long + `</p><p>` + strings.Repeat("Trams come every six minutes at peak hours and every ten in the evening. ", 8) +
		`</p><p>` + strings.Repeat("Fares stay the same as on the buses, and transfers are free for an hour. ", 8) + `</p></article>`
	x := New(Options{})
	tests := []struct {
		name, html, body string
		has, hasNot      []string
		paragraphs       int
	}{
		{name: "readability kept a teaser: the declared body wins", html: teaser, body: paras,
			has: []string{"every ten in the evening"}, paragraphs: 2},
		{name: "the page has no readable text at all", html: `<div id="app"></div>`, body: paras,
			has: []string{"every ten in the evening"}, paragraphs: 2},
		{name: "a declared body in HTML", html: teaser, body: "<p>" + long + "</p><p>Trams come every six minutes.</p>",
			has: []string{"Trams come every six minutes."}, hasNot: []string{"<p>"}, paragraphs: 2},
		{name: "a cut-short declared body does not replace the article", html: full, body: long[:200],
			has: []string{"transfers are free"}, paragraphs: 3},
		{name: "a declared teaser does not replace a short article", html: teaser, body: "The new tram line runs fast.",
			has: []string{"in twelve minutes"}, paragraphs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := x.FromHTML(bytes.NewReader([]byte(ldPage(t, tt.html, tt.body))), "https://example.com/tram")
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, a)
			for _, s := range tt.has {
				if !strings.Contains(a.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, a.Text)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(a.Text, s) {
					t.Errorf("text has %q:\n%s", s, a.Text)
				}
			}
			if n := len(strings.Split(a.Text, "\n\n")); n != tt.paragraphs {
				t.Errorf("%d paragraphs, want %d:\n%s", n, tt.paragraphs, a.Text)
			}
		})
	}
}
