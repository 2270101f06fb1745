package extract

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

// pageMeta is what a page says about itself outside its text: <meta> tags
// (OpenGraph, Dublin Core, …), JSON-LD, <link rel=canonical>. It fills the
// metadata readability leaves empty.
type pageMeta struct {
	lang      string                    // <html lang>
	meta      map[string]string         // lowercased name/property/itemprop/http-equiv -> first non-empty content
	canonical string                    // <link rel=canonical href>, as written
	base      string                    // <base href>
	title     string                    // <title>
	timeAttr  string                    // datetime of the first <time itemprop=datePublished> or <time pubdate>
	itemDate  string                    // content, datetime or text of the first other itemprop=datePublished
	anyTime   string                    // datetime of the first <time datetime> of any kind
	relAuthor string                    // text of the first <a rel=author>
	ld        []any                     // the page's JSON-LD blocks, parsed
	ldIDs     map[string]map[string]any // JSON-LD nodes by @id, to resolve references
	article   ldFields                  // from the first JSON-LD Article-like object
	webPage   ldFields                  // from the first JSON-LD WebPage-like object
	website   string                    // name of the first JSON-LD WebSite object
}

// ldFields are the JSON-LD properties digest uses.
type ldFields struct {
	found                                bool
	title, byline, site, published, lang string
	bylineRef                            string // authors given by @id reference only
	body                                 string // articleBody, as written
}

func readPageMeta(doc *html.Node) *pageMeta {
	m := &pageMeta{meta: map[string]string{}}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				if m.lang == "" {
					m.lang = attr(n, "lang")
				}
			case "meta":
				content := strings.TrimSpace(attr(n, "content"))
				if content == "" {
					break
				}
				for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
					// A property attribute may hold several space-separated names.
					for _, name := range strings.Fields(strings.ToLower(attr(n, k))) {
						if _, ok := m.meta[name]; !ok {
							m.meta[name] = content
						}
					}
				}
			case "link":
				if m.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
			case "base":
				if m.base == "" {
					m.base = strings.TrimSpace(attr(n, "href"))
				}
			case "title":
				if m.title == "" && n.FirstChild != nil && n.FirstChild.Type == html.TextNode {
					m.title = n.FirstChild.Data
				}
			case "time":
				if m.timeAttr == "" && (strings.EqualFold(attr(n, "itemprop"), "datePublished") || hasAttr(n, "pubdate")) {
					m.timeAttr = strings.TrimSpace(attr(n, "datetime"))
				}
				if m.anyTime == "" {
					m.anyTime = strings.TrimSpace(attr(n, "datetime"))
				}
			case "a":
				if m.relAuthor == "" && hasToken(attr(n, "rel"), "author") {
					m.relAuthor = cleanSpace(nodeText(n))
				}
			case "script":
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") && n.FirstChild != nil {
					m.parseJSONLD(n.FirstChild.Data)
				}
				return
			}
			if m.itemDate == "" && n.Data != "time" && n.Data != "meta" && strings.EqualFold(attr(n, "itemprop"), "datePublished") {
				m.itemDate = firstOf(attr(n, "content"), attr(n, "datetime"), nodeText(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	// References go across blocks, so the nodes are indexed before any is read.
	m.ldIDs = map[string]map[string]any{}
	for _, v := range m.ld {
		m.indexLD(v, 0)
	}
	for _, v := range m.ld {
		m.walkLD(v, 0)
	}
	return m
}

// get returns the first non-empty meta content among keys.
func (m *pageMeta) get(keys ...string) string {
	for _, k := range keys {
		if v := m.meta[k]; v != "" {
			return html.UnescapeString(v) // some sites escape twice
		}
	}
	return ""
}

func (m *pageMeta) fallbackTitle() string {
	return firstOf(m.article.title, m.get("og:title", "twitter:title", "dc.title"), m.webPage.title, m.title)
}

// ldByline is the author the page's JSON-LD names outright.
func (m *pageMeta) ldByline() string { return m.article.byline }

// metaByline is the author the page's <meta> tags name.
func (m *pageMeta) metaByline() string {
	author := m.get("article:author")
	if strings.Contains(author, "://") { // a profile URL, not a name
		author = ""
	}
	return firstOf(m.get("author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author", "citation_author"), author)
}

// referredByline is the author a JSON-LD reference names: in WordPress
// it is the account that posted, which on news sites is often not the
// writer, so it ranks below what the page shows.
func (m *pageMeta) referredByline() string {
	return firstOf(m.article.bylineRef, m.relAuthor)
}

// pickByline returns the first plausible byline of candidates, best first,
// with the date it carried split off. Bylines read from the page itself
// often carry a date ("Jane Roe November 15, 2019"), and a guess can land
// on an author's bio, which is no byline.
func pickByline(candidates ...string) (byline, published string) {
	for _, c := range candidates {
		name, date := splitBylineDate(trimBy(c))
		if name != "" && !strings.EqualFold(name, "by") && len(name) <= maxBylineBytes && len(strings.Fields(name)) <= maxBylineWords {
			return name, date
		}
	}
	return "", ""
}

// A byline names a few people and perhaps their outlet: "Sarah E.
// Needleman, Wall Street Journal" is 7 words; a sentence is not a byline.
const (
	maxBylineWords = 14
	maxBylineBytes = 150
)

func (m *pageMeta) fallbackSite() string {
	return firstOf(m.article.site, m.get("og:site_name"), m.webPage.site, m.website, m.get("application-name"))
}

// published returns the page's publication time, or "". Readability's own
// candidates come first in its order; dates without a zone are read as UTC,
// so the result never depends on the machine's time zone.
func (m *pageMeta) published() string {
	for _, s := range []string{
		m.article.published,
		m.get("article:published_time", "og:article:published_time", "dcterms.available", "dcterms.created",
			"dcterms.issued", "weibo:article:create_at", "parsely-pub-date"),
		m.get("datepublished", "dc.date.issued", "dc.date", "dcterms.date", "citation_publication_date",
			"citation_date", "pubdate", "publishdate", "publish-date", "publish_date", "sailthru.date", "date"),
		m.timeAttr,
		m.itemDate,
		m.webPage.published,
		m.anyTime, // a <time> of unknown role: often the date shown with the byline
	} {
		if t, ok := parseTime(s); ok {
			return t
		}
	}
	return ""
}

func (m *pageMeta) language(header string) string {
	return firstOf(
		normLang(m.lang),
		normLang(m.get("content-language")),
		normLang(m.get("language", "dc.language", "og:locale")),
		normLang(m.article.lang),
		normLang(m.webPage.lang),
		normLang(header),
	)
}

func parseTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	t, err := dateparse.ParseIn(s, time.UTC)
	if err != nil || t.Year() < 1970 || t.Year() > 2200 {
		return "", false
	}
	return t.Format(time.RFC3339), true
}

// splitBylineDate splits a date off the end of a byline: "Carrie
// ArnoldNovember 15, 2019" is "Carrie Arnold" and 2019-11-15. A byline
// without a digit, or whose end is no date, is returned whole.
func splitBylineDate(s string) (name, published string) {
	if strings.IndexFunc(s, unicode.IsDigit) < 0 {
		return s, ""
	}
	var prev rune
	for i, r := range s {
		// A date starts a word, or follows a name it was glued to.
		starts := i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) &&
			(!unicode.IsLetter(prev) && !unicode.IsDigit(prev) || unicode.IsUpper(r) && unicode.IsLower(prev))
		prev = r
		if !starts {
			continue
		}
		t, ok := parseTime(s[i:])
		if !ok {
			continue
		}
		name = strings.TrimRight(s[:i], " ,;|-–—·•/")
		name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(name, " on"), " |"))
		if name == "" {
			return s, ""
		}
		return name, t
	}
	return s, ""
}

// normLang turns a language label ("en_US", "fr-fr", "de, en") into a BCP 47
// tag ("en-US", "fr-FR", "de"), or "" when it is not one.
func normLang(s string) string {
	s, _, _ = strings.Cut(s, ",")
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	t, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil || t == language.Und {
		return ""
	}
	return t.String()
}

// parseJSONLD keeps one JSON-LD block for readPageMeta, which notes the
// metadata of the first Article-like and WebPage-like objects and the first
// WebSite, looking into arrays and @graph lists.
func (m *pageMeta) parseJSONLD(raw string) {
	raw = strings.TrimSpace(raw)
	for _, cut := range []string{"//<![CDATA[", "<![CDATA[", "//]]>", "]]>"} {
		raw = strings.ReplaceAll(raw, cut, "")
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		// The usual faults: raw line breaks inside strings (JSON allows
		// whitespace between tokens, so blanking them all is safe) and
		// commas before a closing bracket.
		fixed := dropTrailingCommas(strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(raw))
		if json.Unmarshal([]byte(fixed), &v) != nil {
			return
		}
	}
	m.ld = append(m.ld, v)
}

// dropTrailingCommas removes the commas JavaScript allows before ] and }
// and JSON does not, leaving strings alone.
func dropTrailingCommas(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			b.WriteByte(c)
			continue
		}
		if c == '"' {
			inString = true
		}
		if c == ',' {
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t') {
				j++
			}
			if j < len(s) && (s[j] == ']' || s[j] == '}') {
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// indexLD notes every JSON-LD node that has an @id and a @type: a node
// itself, not a reference to one.
func (m *pageMeta) indexLD(v any, depth int) {
	if depth > 8 {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			m.indexLD(x, depth+1)
		}
	case map[string]any:
		if id, ok := v["@id"].(string); ok && v["@type"] != nil {
			if _, seen := m.ldIDs[id]; !seen {
				m.ldIDs[id] = v
			}
		}
		for _, x := range v {
			m.indexLD(x, depth+1)
		}
	}
}

// deref returns the node a reference such as {"@id": "…#author"} points to
// (Yoast and other SEO plugins write authors this way), and whether v was
// such a reference; else v itself.
func (m *pageMeta) deref(v any) (any, bool) {
	if o, ok := v.(map[string]any); ok && ldName(o) == "" {
		if id, ok := o["@id"].(string); ok {
			if full, ok := m.ldIDs[id]; ok {
				return full, true
			}
		}
	}
	return v, false
}

func (m *pageMeta) walkLD(v any, depth int) {
	if depth > 8 {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			m.walkLD(x, depth+1)
		}
	case map[string]any:
		for _, t := range ldStrings(v["@type"]) {
			switch {
			case isArticleType(t):
				if !m.article.found {
					m.article = m.ldRead(v)
				}
			case strings.HasSuffix(t, "WebPage"):
				if !m.webPage.found {
					m.webPage = m.ldRead(v)
				}
			case t == "WebSite":
				if m.website == "" {
					m.website = ldName(v["name"])
				}
			}
		}
		m.walkLD(v["@graph"], depth+1)
		m.walkLD(v["mainEntity"], depth+1)
	}
}

func isArticleType(t string) bool {
	return strings.HasSuffix(t, "Article") || strings.HasSuffix(t, "Posting") || t == "Report"
}

func (m *pageMeta) ldRead(v map[string]any) ldFields {
	f := ldFields{found: true}
	f.title = firstOf(ldName(v["headline"]), ldName(v["name"]))
	var named, referred []string
	for _, a := range ldList(v["author"]) {
		a, ref := m.deref(a)
		name := ldName(a)
		if name == "" || strings.Contains(name, "://") || containsFold(named, name) || containsFold(referred, name) {
			continue
		}
		if ref {
			referred = append(referred, name)
		} else {
			named = append(named, name)
		}
	}
	f.byline = strings.Join(named, ", ")
	f.bylineRef = strings.Join(referred, ", ")
	publisher, _ := m.deref(v["publisher"])
	f.site = ldName(publisher)
	f.published = firstOf(ldName(v["datePublished"]), ldName(v["dateCreated"]))
	f.lang = ldName(v["inLanguage"])
	f.body, _ = v["articleBody"].(string)
	return f
}

// ldName reads a property that is text or an object with a name: "x",
// {"name": "x"}, {"@value": "x"}, or the first of a list of those.
func ldName(v any) string {
	switch v := v.(type) {
	case string:
		return cleanSpace(html.UnescapeString(v))
	case map[string]any:
		return firstOf(ldName(v["name"]), ldName(v["@value"]), ldName(v["alternateName"]))
	case []any:
		for _, x := range v {
			if s := ldName(x); s != "" {
				return s
			}
		}
	}
	return ""
}

func ldList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func ldStrings(v any) []string {
	var out []string
	for _, x := range ldList(v) {
		if s, ok := x.(string); ok {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(s, "http://schema.org/"), "https://schema.org/"))
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasToken(list, token string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, token) {
			return true
		}
	}
	return false
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v = cleanSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// nodeText is the text under n, as written.
func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(nodeText(c))
	}
	return b.String()
}

// cleanSpace collapses runs of white space into one space and trims.
func cleanSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
