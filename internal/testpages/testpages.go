// Package testpages makes the synthetic article pages that the tests and
// benchmarks serve: readable, alike, and each traceable to its number
// through a "marker-NNN" in its text.
package testpages

import (
	"fmt"
	"regexp"
	"strings"
)

// Marker finds the "marker-NNN" of a page in a text (a model request's
// article, a draft's text); its first group is the number.
var Marker = regexp.MustCompile(`marker-(\d{3})`)

// Article is page n: a title and paragraphs paragraphs of Paragraph(n, p).
func Article(n, paragraphs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story %d about the grid | Example</title>
<meta property="og:site_name" content="Example News"></head><body><article><h1>Story %d about the grid</h1>
`, n, n)
	for p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", Paragraph(n, p))
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// Paragraph is paragraph p of page n.
func Paragraph(n, p int) string {
	return fmt.Sprintf("Paragraph %d of story marker-%03d. Utilities in several regions said on Monday that battery storage now covers a larger share of evening demand than gas peaker plants, a shift analysts expect to continue as prices for lithium cells fall and regulators approve new capacity markets by 2027.", p, n)
}
