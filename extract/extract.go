package extract

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
)

// Defaults for the zero values of Options; they match config.toml's [fetch].
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBytes       = 15 << 20 // 15 MiB
	DefaultUserAgent      = "digest (+https://github.com/digest-tool/digest)"
)

// UserAgent returns digest's User-Agent for a version, e.g.
// "digest/1.2.0 (+https://github.com/digest-tool/digest)".
func UserAgent(version string) string {
	return "digest/" + version + " (+https://github.com/digest-tool/digest)"
}

// Options configure an Extractor. Zero values mean the defaults above.
type Options struct {
	// Client sends the requests. Optional: when nil, one is built from
	// ConnectTimeout (it uses no proxy; pass a Client to use one). A given
	// Client is copied and digest's redirect policy (at most 10 redirects,
	// http and https only) runs before the Client's own CheckRedirect.
	Client *http.Client
	// ConnectTimeout bounds establishing a connection (TCP and TLS); it
	// applies only to the built client.
	ConnectTimeout time.Duration
	// Timeout bounds a whole fetch, body included.
	Timeout time.Duration
	// MaxBytes is the largest page accepted, counted after decompression;
	// it also applies to saved pages given to FromHTML.
	MaxBytes int64
	// UserAgent is sent with every request; see UserAgent.
	UserAgent string
}

// Extractor fetches pages and extracts their articles. Make one with New;
// it is safe for concurrent use.
type Extractor struct {
	client    *http.Client
	connect   time.Duration // the built client's connect timeout; 0 with a given Client
	timeout   time.Duration
	maxBytes  int64
	userAgent string
}

// New returns an Extractor configured by opts.
func New(opts Options) *Extractor {
	x := &Extractor{
		timeout:   opts.Timeout,
		maxBytes:  opts.MaxBytes,
		userAgent: opts.UserAgent,
	}
	if x.timeout <= 0 {
		x.timeout = DefaultTimeout
	}
	if x.maxBytes <= 0 {
		x.maxBytes = DefaultMaxBytes
	}
	if x.userAgent == "" {
		x.userAgent = DefaultUserAgent
	}
	base := opts.Client
	if base == nil {
		x.connect = opts.ConnectTimeout
		if x.connect <= 0 {
			x.connect = DefaultConnectTimeout
		}
		base = &http.Client{Transport: newTransport(x.connect)}
	}
	c := *base
	c.CheckRedirect = redirectPolicy(base.CheckRedirect)
	x.client = &c
	return x
}

// FromURL fetches an http(s) page and extracts its article. Errors are
// *Error values.
func (x *Extractor) FromURL(ctx context.Context, rawURL string) (Article, error) {
	u, err := checkURL("fetch", rawURL)
	if err != nil {
		return Article{}, err
	}
	body, contentType, final, lang, err := x.fetch(ctx, u, rawURL)
	if err != nil {
		return Article{}, err
	}
	return x.extract(body, contentType, rawURL, final, lang, "extract",
		"the page may need JavaScript or a login; save it from a browser and use --html FILE")
}

// FromHTML extracts the article of a saved page read from r. pageURL says
// where the page came from: it must be an http(s) URL, and it gives the
// article its canonical URL and id. The content is taken to be HTML; its
// charset is found from the bytes (byte-order mark, <meta>, or guessed).
func (x *Extractor) FromHTML(r io.Reader, pageURL string) (Article, error) {
	u, err := checkURL("extract", pageURL)
	if err != nil {
		return Article{}, err
	}
	body, err := io.ReadAll(io.LimitReader(r, x.maxBytes+1))
	if err != nil {
		return Article{}, newError("extract", pageURL, KindInput, err,
			"cannot read the saved page: "+err.Error(), "check the file")
	}
	if int64(len(body)) > x.maxBytes {
		return Article{}, newError("extract", pageURL, KindContent, nil,
			"saved page is larger than the "+sizeString(x.maxBytes)+" limit", "raise the size limit")
	}
	return x.extract(body, "", pageURL, u.String(), "", "extract",
		"check that the file is the saved article page")
}

// checkURL parses an input URL and rejects what cannot be fetched, with a
// message saying what to give instead.
func checkURL(op, rawURL string) (*url.URL, error) {
	s := strings.TrimSpace(rawURL)
	if s == "" {
		hint := "give an http:// or https:// URL"
		if op != "fetch" {
			hint = "give the http:// or https:// URL the page was saved from"
		}
		return nil, newError(op, rawURL, KindInput, nil, "no URL given", hint)
	}
	u, err := url.Parse(s)
	if err != nil {
		var cause error = err
		if ue, ok := err.(*url.Error); ok { // its text repeats the URL, secrets included
			cause = ue.Err
		}
		return nil, newError(op, rawURL, KindInput, cause,
			"not a valid URL ("+cause.Error()+")", "check the address")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "http" || scheme == "https":
		if u.Host == "" {
			return nil, newError(op, rawURL, KindInput, nil, "URL has no host", "give a full URL such as https://example.com/article")
		}
		return u, nil
	case scheme == "" || (u.Opaque != "" && startsWithDigit(u.Opaque)): // "example.com/a", "localhost:8080/a"
		return nil, newError(op, rawURL, KindInput, nil, "URL has no http:// or https:// scheme",
			"did you mean "+Redact("https://"+s)+"?")
	case scheme == "file" && op == "fetch":
		return nil, newError(op, rawURL, KindInput, nil, "cannot fetch a file: URL", "to read a saved page use --html FILE")
	case op == "fetch":
		return nil, newError(op, rawURL, KindInput, nil, fmt.Sprintf("unsupported scheme %q", u.Scheme),
			"give an http:// or https:// URL")
	default:
		return nil, newError(op, rawURL, KindInput, nil, fmt.Sprintf("unsupported scheme %q", u.Scheme),
			"give the http:// or https:// URL the page was saved from")
	}
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// extract runs readability over a page and assembles the Article. requested
// is the URL as the user gave it, final the one the page was served from.
// noArticleHint says what to do when nothing readable is found.
func (x *Extractor) extract(body []byte, contentType, requested, final, headerLang, op, noArticleHint string) (Article, error) {
	page, _ := toUTF8(body, contentType)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		// html.Parse fails on reader errors and on elements nested more
		// than 512 deep: neither is fixed by a browser or a login.
		return Article{}, newError(op, requested, KindContent, err, "cannot parse the page: "+err.Error(), "the page is not readable HTML")
	}
	meta := readPageMeta(doc)
	pageURL, err := url.Parse(final)
	if err != nil {
		return Article{}, newError(op, requested, KindInput, err, "not a valid URL", "check the address")
	}
	// fillGaps needs the page as it was; readability changes what it
	// reads, so it reads a copy, but only when fillGaps may need one.
	quotes := len(findAll(doc, "blockquote", nil)) > 0
	ra, rerr := readable(doc, pageURL, quotes)
	var text string
	if rerr == nil && ra.Node != nil {
		if quotes {
			fillGaps(doc, ra.Node)
		}
		cleanArticle(ra.Node, siteOf(pageURL.Hostname()), ra.Title(), meta.fallbackTitle(), meta.title)
		text = renderText(ra.Node)
	}
	text = orDeclaredBody(text, meta.article.body)
	words := countWords(text)
	if words == 0 && rerr != nil {
		return Article{}, newError(op, requested, KindContent, rerr, "readability failed: "+rerr.Error(), noArticleHint)
	}
	if words == 0 {
		return Article{}, newError(op, requested, KindContent, nil, "no readable article found", noArticleHint)
	}
	canonical, err := Canonicalize(final)
	if err != nil {
		return Article{}, newError(op, requested, KindInput, err, "not a valid URL ("+err.Error()+")", "check the address")
	}
	// Readability's byline is the metadata's author or, without one, a guess
	// from the page; JSON-LD comes first as readability fails on what
	// pickByline mends, and authors named only through references last. A
	// date split off a byline may serve as the published date.
	byline, bylineDate := pickByline(meta.ldByline(), ra.Byline(), meta.metaByline(), meta.referredByline())
	a := Article{
		URL:           requested,
		FinalURL:      final,
		CanonicalURL:  canonical,
		LinkCanonical: resolveRef(pageURL, meta.base, meta.canonical),
		ID:            ID(canonical),
		Title:         firstOf(ra.Title(), meta.fallbackTitle()),
		Byline:        byline,
		Site:          firstOf(ra.SiteName(), meta.fallbackSite()),
		Published:     firstOf(meta.published(), bylineDate),
		Language:      firstOf(normLang(ra.Language()), meta.language(headerLang)),
		Text:          strings.ToValidUTF8(text, "\uFFFD"),
		Words:         words,
	}
	return a, nil
}

// readable runs readability, on a copy of doc if keep is set, turning a
// panic on a pathological page into an error so that one page cannot bring
// down a batch.
func readable(doc *html.Node, pageURL *url.URL, keep bool) (a readability.Article, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	// Classes are kept so that cleanArticle can tell boilerplate by them.
	parser := readability.NewParser()
	parser.KeepClasses = true
	if keep {
		return parser.ParseDocument(doc, pageURL)
	}
	return parser.ParseAndMutate(doc, pageURL)
}

// trimBy drops the "By " many bylines start with, and the separators
// left at their end ("PTI,").
func trimBy(s string) string {
	s = strings.TrimRight(cleanSpace(s), " ,;|-–—·•/")
	if len(s) > 3 && strings.EqualFold(s[:3], "by ") {
		return strings.TrimSpace(s[3:])
	}
	return s
}

// resolveRef resolves a link found in the page against its <base> and URL.
func resolveRef(page *url.URL, base, ref string) string {
	if ref == "" {
		return ""
	}
	if base != "" {
		if b, err := page.Parse(base); err == nil {
			page = b
		}
	}
	u, err := page.Parse(ref)
	if err != nil {
		return ""
	}
	return u.String()
}

// sizeString writes a byte count the way limits are usually given: "15 MiB".
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
