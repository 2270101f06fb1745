package render

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrUnsafeURL is wrapped by the error Render returns for a link whose scheme
// is not http or https (javascript:, data:, vbscript:, relative links...):
// such a link would run or embed content in the reader's browser.
var ErrUnsafeURL = errors.New("unsafe URL")

// Where a piece of text sits decides which characters would read as markup
// there. All text is escaped with CommonMark backslash escapes, which Parse
// undoes exactly (see unescape).
type textContext uint8

const (
	inline     textContext = iota // title, Closest title: inside a line
	blockStart                    // summary, keyword, theme: starts a block
	tableCell                     // Signals cell: | splits cells
)

// needsEscape reports whether the byte s[i] of clean text s must be written
// with a backslash in context ctx. Only ASCII punctuation is ever escaped,
// so the decision can be made byte by byte.
func needsEscape(s string, i int, ctx textContext) bool {
	switch c := s[i]; c {
	case '\\':
		// Always: a backslash Render wrote is then never ambiguous.
		return true
	case '`', '*', '_', '[', ']', '<', '~':
		// Code spans, emphasis (and __ closing the bold title), links and
		// images, raw HTML and autolinks, strikethrough and ~~~ fences.
		return true
	case '&':
		// Only where it would start an entity (&lt; &#60;): "AT&T" stays.
		return entityAt(s, i)
	case '|':
		return ctx == tableCell
	case '#', '>', '-', '+':
		// Headings, block quotes, list items and thematic breaks.
		return ctx == blockStart && i == 0
	case '.', ')':
		// "1. " and "1) " start ordered lists. Looking back over the digits
		// just before (not forward from the start) keeps escaping linear.
		return ctx == blockStart && i > 0 && digitsBefore(s, i) == i
	}
	return false
}

// entityAt reports whether s[i:] (s[i] == '&') reads as an HTML entity or
// numeric character reference: & then an optional #, letters or digits, ;.
// The look-ahead is capped (the longest entity name is 31 bytes), which
// keeps escaping linear.
func entityAt(s string, i int) bool {
	j := i + 1
	if j < len(s) && s[j] == '#' {
		j++
	}
	start := j
	for j < len(s) && j-start < 32 && isAlnum(s[j]) {
		j++
	}
	return j > start && j < len(s) && s[j] == ';'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// leadingDigits is the number of ASCII digits s starts with.
func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// digitsBefore is the number of ASCII digits right before s[i].
func digitsBefore(s string, i int) int {
	n := 0
	for i-n > 0 && s[i-n-1] >= '0' && s[i-n-1] <= '9' {
		n++
	}
	return n
}

// isPunct reports whether c is ASCII punctuation, the characters a
// CommonMark backslash escape applies to.
func isPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// escape writes clean text s as markdown for context ctx.
func escape(s string, ctx textContext) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if needsEscape(s, i, ctx) {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescape undoes escape, and reads hand-written markdown the way CommonMark
// does: a backslash before ASCII punctuation stands for that character, any
// other backslash for itself.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cleanText is what a single-line field becomes in the markdown: invalid
// UTF-8 replaced by U+FFFD, control characters dropped (they would reach a
// terminal that cats the file), every run of white space, line breaks
// included, turned into one space, and no space at either end.
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s { // range yields U+FFFD for each invalid byte
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// urlByteOK reports whether c may stand as itself in a link destination: the
// characters RFC 3986 allows (with % kept, so encoding twice changes
// nothing) except ( and ), which markdown reads as the end of the link.
func urlByteOK(c byte) bool {
	if isAlnum(c) {
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'*+,;=%", c) >= 0
}

// cleanURL is what a link becomes in the markdown: trimmed, and every other
// byte (space, parentheses, <, >, backslash, quotes, control and non-ASCII
// bytes) percent-encoded, so the link stays one markdown token.
func cleanURL(u string) string {
	u = strings.TrimSpace(u)
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		if c := u[i]; urlByteOK(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// urlProblem says what is wrong with clean link u, or "". Only http and
// https are allowed: an allow list, because blocking javascript:, data: and
// vbscript: by name misses the next scheme. unsafe is set for a link that
// is there but not allowed.
func urlProblem(u string) (msg string, unsafe bool) {
	if u == "" {
		return "empty link", false
	}
	scheme, ok := urlScheme(u)
	if !ok {
		return "no scheme, want an http or https link", true
	}
	if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return fmt.Sprintf("scheme %q is not allowed, want http or https", scheme), true
	}
	return "", false
}

// urlScheme returns the scheme of u per RFC 3986: a letter, then letters,
// digits, + - or ., then a colon.
func urlScheme(u string) (string, bool) {
	i := strings.IndexByte(u, ':')
	if i <= 0 {
		return "", false
	}
	for j := 0; j < i; j++ {
		c := u[j]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (j == 0 || !isAlnum(c) && c != '+' && c != '-' && c != '.') {
			return "", false
		}
	}
	return u[:i], true
}

// checkDate says what is wrong with issue date d, or nil.
func checkDate(d string) error {
	if len(d) != 8 || leadingDigits(d) != 8 {
		return fmt.Errorf("issue date %q is not YYYYMMDD", d)
	}
	if _, err := time.Parse("20060102", d); err != nil {
		return fmt.Errorf("issue date %q is not a calendar date", d)
	}
	return nil
}

// validID reports whether id is an entry id: 32 lowercase hex digits.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// width is a cell's width for table padding: its number of runes, as the
// seed entry counts. East Asian wide characters and emoji therefore look
// misaligned in a monospace editor, but the bytes match the archive.
func width(s string) int { return utf8.RuneCountInString(s) }
