package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxHeadline is the longest headline the output rules allow, in characters.
const maxHeadline = 160

// titleSeparators split a page title from the site name around it.
var titleSeparators = []string{" | ", " - ", " — ", " – ", " · ", " :: ", " • "}

// headline cleans the page title: whitespace collapsed, the site name cut
// off ("Title | Site", "Site - Title"), leading markup dropped, at most 160
// characters. Without a usable title it takes the opening words of the
// first prose sentence.
func (d *doc) headline(title, site string) string {
	h := stripSite(collapse(title), collapse(site))
	h = strings.TrimLeftFunc(h, func(r rune) bool { return unicode.IsSpace(r) || isMarker(r) })
	// Clipped before the checks: cutting drops trailing punctuation, which
	// is all of a title such as "?????…".
	if h = clip(h, maxHeadline); h == "" || strings.EqualFold(h, collapse(site)) {
		h = clip(d.openingWords(), maxHeadline)
	}
	if h == "" {
		h = "Untitled article" // unreachable: a text with letters has a sentence
	}
	return h
}

func stripSite(h, site string) string {
	for range 2 {
		cut := false
		for _, sep := range titleSeparators {
			if i := strings.LastIndex(h, sep); i > 0 {
				if tail := h[i+len(sep):]; isSiteName(tail, site) && len(strings.Fields(h[:i])) >= 2 {
					h, cut = strings.TrimSpace(h[:i]), true
					break
				}
			}
			if i := strings.Index(h, sep); i > 0 {
				if head := h[:i]; site != "" && strings.EqualFold(head, site) && len(strings.Fields(h[i+len(sep):])) >= 2 {
					h, cut = strings.TrimSpace(h[i+len(sep):]), true
					break
				}
			}
		}
		if !cut {
			break
		}
	}
	return h
}

// isSiteName reports a title segment that names the site: the site itself,
// or a short run of capitalised words or a domain ("CNBC", "The Verge",
// "example.com"). A lower-case tail ("here's why") belongs to the headline.
func isSiteName(seg, site string) bool {
	if site != "" && (strings.EqualFold(seg, site) || strings.Contains(strings.ToLower(seg), strings.ToLower(site))) {
		return true
	}
	words := strings.Fields(seg)
	if len(words) == 0 || len(words) > 4 || utf8.RuneCountInString(seg) > 40 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.Contains(w, ".") {
			return false
		}
	}
	return true
}

// openingWords is the first prose sentence cut to about twelve words,
// without trailing stopwords or punctuation.
func (d *doc) openingWords() string {
	pick := -1
	for si := range d.sents {
		if d.prose(si) {
			pick = si
			break
		}
	}
	if pick < 0 {
		for si := range d.sents {
			if d.words(si) > 0 {
				pick = si
				break
			}
		}
	}
	if pick < 0 {
		return ""
	}
	s := d.sents[pick]
	start := d.afterDateline(pick)
	end := min(s.t1, start+cellWords)
	if end < s.t1 {
		end = d.trimTail(start, end)
	}
	return d.cut(seg{start, end})
}

// clip cuts s to at most n characters at a word boundary.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' })
}
