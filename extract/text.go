package extract

import (
	"strings"
	"unicode"
)

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
