package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// renderText writes the text of readability's article node: paragraphs,
// headings and other blocks separated by one blank line; list items, table
// rows and <br> breaks on lines of their own; table cells separated by a
// space. Scripts, styles, forms, media and hidden elements are left out.
func renderText(n *html.Node) string {
	var t textBuilder
	t.walk(n, false)
	return tidyText(t.sb.String())
}

type textBuilder struct {
	sb        strings.Builder
	newlines  int  // line breaks owed before the next word
	spaceOwed bool // a space is owed before the next word
}

func (t *textBuilder) breakLines(n int) {
	t.newlines = max(t.newlines, n)
}

func (t *textBuilder) word(w string) {
	if t.sb.Len() > 0 {
		if t.newlines > 0 {
			t.sb.WriteString("\n\n"[:min(t.newlines, 2)])
		} else if t.spaceOwed {
			t.sb.WriteByte(' ')
		}
	}
	t.newlines, t.spaceOwed = 0, false
	t.sb.WriteString(w)
}

// text writes a text node, its white space collapsed unless pre is set.
func (t *textBuilder) text(s string, pre bool) {
	if pre {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				t.newlines = min(t.newlines+1, 2)
			}
			if strings.TrimSpace(line) != "" {
				t.word(line)
			}
		}
		return
	}
	if r, _ := utf8.DecodeRuneInString(s); isSpace(r) {
		t.spaceOwed = true
	}
	for i, w := range strings.FieldsFunc(s, isSpace) {
		if i > 0 {
			t.spaceOwed = true
		}
		t.word(w)
	}
	if r, _ := utf8.DecodeLastRuneInString(s); isSpace(r) {
		t.spaceOwed = true
	}
}

func (t *textBuilder) walk(n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		t.text(n.Data, pre)
		return
	case html.ElementNode, html.DocumentNode:
	default:
		return
	}
	if n.Type == html.ElementNode && (hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true") {
		return
	}
	before, after := 0, 0
	switch n.Data {
	case "head", "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
		"audio", "video", "map", "button", "select", "input", "textarea":
		return
	case "br":
		t.newlines = min(t.newlines+1, 2)
		return
	case "pre":
		pre = true
		before, after = 2, 2
	case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl", "table", "hr",
		"figure", "figcaption", "section", "article", "header", "footer", "main", "aside", "nav",
		"address", "details", "summary", "form", "fieldset", "caption", "center":
		before, after = 2, 2
	case "li", "dt", "dd", "tr", "option":
		before, after = 1, 1
	case "td", "th":
		t.spaceOwed = true
	}
	t.breakLines(before)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t.walk(c, pre)
	}
	t.breakLines(after)
	if n.Data == "td" || n.Data == "th" {
		t.spaceOwed = true
	}
}

// tidyText turns readability's rendered text into digest's plain text:
// lines trimmed, runs of white space (tabs, no-break spaces) made one space,
// paragraphs separated by exactly one blank line, invisible characters (soft
// hyphens, zero-width spaces, byte-order marks) removed.
func tidyText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := false // a blank line is pending
	for _, line := range strings.Split(s, "\n") {
		line = strings.Join(strings.FieldsFunc(line, isSpace), " ")
		line = strings.Map(dropInvisible, line)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		b.WriteString(line)
		blank = false
	}
	return b.String()
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func dropInvisible(r rune) rune {
	if r == '\u00ad' || r == '\u200b' || r == '\ufeff' {
		return -1
	}
	return r
}

// countWords counts the words of a text: runs of letters, digits and the
// marks and punctuation joined to them ("don't", "e-mail" and "3.5" are one
// word each). Chinese and Japanese are written without spaces, so each of
// their characters counts as a word, which roughly matches how long the
// text is to read.
func countWords(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			inWord = false
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			n++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if !inWord {
				n++
				inWord = true
			}
		}
	}
	return n
}
