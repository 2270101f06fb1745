package extract

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"
)

// cleanArticle removes from readability's article node the blocks that
// readability keeps but that are not the article: captions and photo
// credits, bylines and datelines, navigation and breadcrumbs, share bars,
// newsletter and subscription boxes, "related" lists, author bios, cookie
// notices, comment counts, adverts, lines that are only a link to another
// page of the site, and the title said again. It judges by what recurs
// across sites (tags, class and id words, link density), never by a site.
// A block holding much of the article is kept whatever its name, since a
// wrapper's classes (WordPress gives the post's tags and categories) say
// little. site is the page's registrable domain (see siteOf); titles are
// the article's titles as the page gives them.
func cleanArticle(root *html.Node, site string, titles ...string) {
	total := textLen(root)
	keys := titleKeys(titles...)
	var drop []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if isBoilerplate(c) && textLen(c)*maxShare < total || isLinkBlock(c, site) || isAdLabel(c) || isTitle(c, keys) {
				drop = append(drop, c)
				continue
			}
			walk(c)
		}
	}
	walk(root)
	// Rules that would take most of what readability found have misread
	// the page (a site naming its paragraphs oddly): keep it all instead.
	dropped := 0
	for _, n := range drop {
		dropped += textLen(n)
	}
	if dropped*2 > total {
		return
	}
	for _, n := range drop {
		n.Parent.RemoveChild(n)
	}
}

// maxShare: a block holding more than 1/maxShare of the article's text is
// never dropped for its tag or class.
const maxShare = 3

// boilerplateTags are elements that, inside an article, hold no article
// text: captions, navigation and the article's header (title, byline,
// date). A <time> may sit inside a sentence, so it is left to its parent.
var boilerplateTags = map[string]bool{
	"figcaption": true, "nav": true, "header": true,
}

// boilerplateWords are class and id words that name what is not the
// article. They are matched as whole words of the attribute, split at
// punctuation and at lower-to-upper case changes ("relatedLinks" is
// "related" and "links").
var boilerplateWords = map[string]bool{
	// captions and credits
	"caption": true, "credit": true, "credits": true, "copyright": true,
	// bylines, datelines, bios
	"byline": true, "dateline": true, "timestamp": true, "date": true, "author": true, "bio": true,
	// navigation
	"nav": true, "navigation": true, "menu": true, "breadcrumb": true, "breadcrumbs": true,
	// sharing and follow buttons
	"share": true, "sharing": true, "social": true,
	// links to other stories
	"related": true, "trending": true, "popular": true, "recommended": true,
	// newsletters, subscriptions, promotions
	"newsletter": true, "subscribe": true, "subscription": true, "signup": true, "promo": true,
	// what only a printout shows (the page's address, a logo)
	"print": true,
	// comments, cookies, adverts
	"comment": true, "comments": true, "cookie": true, "cookies": true, "consent": true,
	"ad": true, "ads": true, "advert": true, "advertisement": true, "sponsored": true,
}

func isBoilerplate(n *html.Node) bool {
	if boilerplateTags[n.Data] {
		return true
	}
	found := false
	classWords(n, func(w string) bool {
		found = boilerplateWords[w]
		return !found
	})
	// An embedded post is a quotation, whatever its wrapper is called
	// ("social-media-embed").
	return found && len(findAll(n, "blockquote", nil)) == 0
}

// classWords calls f with each lowercased word of n's class and id until f
// returns false.
func classWords(n *html.Node, f func(string) bool) {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		s := a.Val
		start := -1
		var prev rune
		for i, r := range s {
			letter := unicode.IsLetter(r)
			if start >= 0 && (!letter || unicode.IsUpper(r) && unicode.IsLower(prev)) {
				if !f(strings.ToLower(s[start:i])) {
					return
				}
				start = -1
			}
			if letter && start < 0 {
				start = i
			}
			prev = r
		}
		if start >= 0 && !f(strings.ToLower(s[start:])) {
			return
		}
	}
}

// textLen counts the letters and digits under n.
func textLen(n *html.Node) int {
	if n.Type == html.TextNode {
		c := 0
		for i := 0; i < len(n.Data); {
			r, size := utf8.DecodeRuneInString(n.Data[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				c++
			}
			i += size
		}
		return c
	}
	c := 0
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c += textLen(k)
	}
	return c
}

// textLenOver tells whether n holds more than max letters and digits,
// counting no further than that: a wrapper's text need not be counted
// whole to tell it is long.
func textLenOver(n *html.Node, max int) bool {
	var count func(*html.Node) bool
	left := max
	count = func(n *html.Node) bool {
		if n.Type == html.TextNode {
			for _, r := range n.Data {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					if left--; left < 0 {
						return true
					}
				}
			}
			return false
		}
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			if count(k) {
				return true
			}
		}
		return false
	}
	return count(n)
}

// linkBlockTags are the blocks isLinkBlock judges: the ones that hold one
// line of text, where a link to another story sits on its own.
var linkBlockTags = map[string]bool{"p": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "dt": true, "dd": true}

// A link block is a short block whose text is nearly all link text.
// Headlines of other stories are short; a long paragraph all in links is
// rare enough to keep.
const (
	linkBlockShare = 0.8
	linkBlockMax   = 400 // letters and digits
)

// isLinkBlock tells a paragraph, list item or heading that is all (or
// nearly all) link text within the site: "You may also like" lists,
// "Related: …" lines, calls to read more or to get an app point to other
// pages. A link whose text is a web address is a source the article cites,
// and stays.
func isLinkBlock(n *html.Node, site string) bool {
	if !linkBlockTags[n.Data] {
		return false
	}
	all := textLen(n)
	if all == 0 || all > linkBlockMax {
		return false
	}
	linked, address := linkText(n)
	return !address && float64(linked) >= linkBlockShare*float64(all) && allInternal(n, site)
}

// siteOf is the registrable domain of a host ("news.example.co.uk" is
// "example.co.uk"), or the host when it has none.
func siteOf(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if s, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return s
	}
	return host
}

// allInternal tells whether every link under n points into site (a
// relative link does). Lists of other stories link within the site; links
// out are shops in a buying guide, or sources.
func allInternal(n *html.Node, site string) bool {
	if n.Type == html.ElementNode && n.Data == "a" {
		u, err := url.Parse(strings.TrimSpace(attr(n, "href")))
		return err == nil && (u.Host == "" || siteOf(u.Hostname()) == site)
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if !allInternal(k, site) {
			return false
		}
	}
	return true
}

// linkText counts the letters and digits inside links under n, and tells
// whether one of those links reads as a web address.
func linkText(n *html.Node) (count int, address bool) {
	if n.Type == html.ElementNode && n.Data == "a" {
		return textLen(n), looksLikeAddress(n)
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c, a := linkText(k)
		count += c
		address = address || a
	}
	return count, address
}

func looksLikeAddress(n *html.Node) bool {
	if n.Type == html.TextNode {
		s := strings.TrimSpace(n.Data)
		return strings.Contains(s, "://") || strings.HasPrefix(s, "www.")
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if looksLikeAddress(k) {
			return true
		}
	}
	return false
}

// adLabels are the words that label an advert slot, in the languages
// readability itself knows and a few more.
var adLabels = map[string]bool{
	"ad": true, "ads": true, "advert": true, "advertisement": true, "advertising": true, "sponsored": true,
	"anzeige": true, "werbung": true, "publicité": true, "publicidad": true, "anuncio": true, "pubblicità": true,
	"iklan": true, "реклама": true, "广告": true, "広告": true, "광고": true,
}

// isAdLabel tells an element whose whole text is an advert label: the
// label of an empty advert slot.
func isAdLabel(n *html.Node) bool {
	if textLenOver(n, 20) {
		return false
	}
	t := strings.ToLower(strings.Trim(cleanSpace(nodeText(n)), " -–—:·."))
	return adLabels[t]
}

// titleKeys are the comparable forms of an article's titles.
func titleKeys(titles ...string) []string {
	var keys []string
	for _, t := range titles {
		if k := textKey(t); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// isTitle tells a heading or paragraph that repeats the article's title:
// readability drops such a heading only when it is the first one, and
// sites print the title again above a gallery or in a print header.
func isTitle(n *html.Node, titles []string) bool {
	switch n.Data {
	case "h1", "h2", "h3", "h4", "p":
	default:
		return false
	}
	// A key has as many runes as its text has letters and digits, so most
	// blocks are told apart by length alone.
	l := textLen(n)
	for _, t := range titles {
		if utf8.RuneCountInString(t) == l && textKey(nodeText(n)) == t {
			return true
		}
	}
	return false
}

// textKey is s lowercased, less everything but letters and digits.
func textKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
