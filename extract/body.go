package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// orDeclaredBody returns the article text to use: readability's text, or
// the articleBody the page declares in its JSON-LD when readability's is
// weak beside it, less than half as long (readability kept only part of a
// split article, or nothing). The declared body is only a second opinion:
// sites often cut it short or leave it stale, and it has no headings.
func orDeclaredBody(text, declared string) string {
	if declared == "" {
		return text
	}
	body := declaredBodyText(declared)
	n := countWords(body)
	if n >= minDeclaredWords && countWords(text)*2 < n {
		return body
	}
	return text
}

// minDeclaredWords: a declared body shorter than this is a teaser, not the
// article.
const minDeclaredWords = 50

// declaredBodyText turns an articleBody into digest's text. Most are plain
// text with a line break between paragraphs; some hold HTML.
func declaredBodyText(s string) string {
	s = html.UnescapeString(s)
	if strings.Contains(s, "</") || strings.Contains(s, "<br") || strings.Contains(s, "<p") {
		doc, err := html.Parse(strings.NewReader(s))
		if err == nil {
			return renderText(doc)
		}
	}
	var paras []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			paras = append(paras, line)
		}
	}
	return tidyText(strings.Join(paras, "\n\n"))
}
