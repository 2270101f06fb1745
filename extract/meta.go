package extract

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

// pageMeta is what a page says about itself outside its text: <meta> tags
// (OpenGraph, Dublin Core, …), JSON-LD, <link rel=canonical>. It fills the
// metadata readability leaves empty.
type pageMeta struct {
	lang      string            // <html lang>
	meta      map[string]string // lowercased name/property/itemprop/http-equiv -> first non-empty content
	canonical string            // <link rel=canonical href>, as written
	base      string            // <base href>
	title     string            // <title>
	timeAttr  string            // datetime of the first <time itemprop=datePublished> or <time pubdate>
	article   ldFields          // from the first JSON-LD Article-like object
	webPage   ldFields          // from the first JSON-LD WebPage-like object
	website   string            // name of the first JSON-LD WebSite object
}

// ldFields are the JSON-LD properties digest uses.
type ldFields struct {
	found                                bool
	title, byline, site, published, lang string
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
			case "script":
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") && n.FirstChild != nil {
					m.readJSONLD(n.FirstChild.Data)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
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

func (m *pageMeta) fallbackByline() string {
	author := m.get("article:author")
	if strings.Contains(author, "://") { // a profile URL, not a name
		author = ""
	}
	return firstOf(m.article.byline, m.get("author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author", "citation_author"), author)
}

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
		m.webPage.published,
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

// readJSONLD notes the metadata of the first Article-like and WebPage-like
// objects and the first WebSite, looking into arrays and @graph lists.
func (m *pageMeta) readJSONLD(raw string) {
	raw = strings.TrimSpace(raw)
	for _, cut := range []string{"//<![CDATA[", "<![CDATA[", "//]]>", "]]>"} {
		raw = strings.ReplaceAll(raw, cut, "")
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		// Raw line breaks inside strings are the usual fault; JSON allows
		// whitespace between tokens, so blanking them all is safe.
		fixed := strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(raw)
		if json.Unmarshal([]byte(fixed), &v) != nil {
			return
		}
	}
	m.walkLD(v, 0)
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
					m.article = ldRead(v)
				}
			case strings.HasSuffix(t, "WebPage"):
				if !m.webPage.found {
					m.webPage = ldRead(v)
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

func ldRead(v map[string]any) ldFields {
	f := ldFields{found: true}
	f.title = firstOf(ldName(v["headline"]), ldName(v["name"]))
	var authors []string
	for _, a := range ldList(v["author"]) {
		if name := ldName(a); name != "" && !strings.Contains(name, "://") && !containsFold(authors, name) {
			authors = append(authors, name)
		}
	}
	f.byline = strings.Join(authors, ", ")
	f.site = ldName(v["publisher"])
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

// cleanSpace collapses runs of white space into one space and trims.
func cleanSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
