package batch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"

	"github.com/digest-tool/digest/extract"
)

// PageLinks fetches a page (a newsletter issue, say) and returns the links
// to external articles in it, in page order: links inside navigation,
// header, footer and aside elements, links to the page's own site (its
// registrable domain, so other subdomains too), to social networks and to
// sites' home pages are dropped. At most maxBytes of the page are read.
func PageLinks(ctx context.Context, client *http.Client, pageURL, userAgent string, maxBytes int64) ([]Link, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return nil, fmt.Errorf("--links-from %s: %w", extract.Redact(pageURL), err)
	}
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--links-from: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("--links-from %s: %s", extract.Redact(pageURL), resp.Status)
	}
	links, err := pageLinks(io.LimitReader(resp.Body, maxBytes), resp.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("--links-from %s: %w", extract.Redact(pageURL), err)
	}
	return links, nil
}

// socialHosts are sites whose links in a newsletter are sharing buttons or
// profiles, not articles.
var socialHosts = map[string]bool{
	"twitter.com": true, "x.com": true, "facebook.com": true, "fb.com": true, "linkedin.com": true,
	"instagram.com": true, "threads.net": true, "bsky.app": true, "mastodon.social": true,
	"t.me": true, "telegram.me": true, "whatsapp.com": true, "wa.me": true, "reddit.com": true,
	"pinterest.com": true, "tiktok.com": true, "tumblr.com": true, "news.ycombinator.com": true,
	"substack.com": true, "patreon.com": true, "buymeacoffee.com": true, "ko-fi.com": true,
}

// chromeElements hold a page's navigation rather than its content.
var chromeElements = map[string]bool{"nav": true, "header": true, "footer": true, "aside": true, "form": true}

func pageLinks(r io.Reader, page *url.URL) ([]Link, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	base := page
	site := siteOf(page)
	var links []Link
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case chromeElements[n.Data] || hasRole(n, "navigation", "banner", "contentinfo"):
				return
			case n.Data == "base":
				if b, err := page.Parse(attrOf(n, "href")); err == nil && attrOf(n, "href") != "" {
					base = b
				}
			case n.Data == "a":
				if u := articleLink(base, attrOf(n, "href"), site); u != "" {
					links = append(links, Link{URL: u})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return links, nil
}

// articleLink resolves href and returns it when it may be an external
// article, else "".
func articleLink(base *url.URL, href, site string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return ""
	}
	s := siteOf(u)
	if s == site || socialHosts[s] {
		return ""
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
		return "" // a home page, not an article
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// multiTenant are registrable domains whose subdomains are sites of their
// own (writers' newsletters and blogs) though the public suffix list
// does not say so.
var multiTenant = map[string]bool{
	"substack.com": true, "medium.com": true, "wordpress.com": true, "ghost.io": true,
	"beehiiv.com": true, "tumblr.com": true, "typepad.com": true, "livejournal.com": true,
}

// siteOf is the site a URL belongs to: its registrable domain
// ("www.bbc.co.uk" -> "bbc.co.uk"), the whole host on a multi-tenant
// platform ("kghosh.substack.com"), and host:port for an address or a
// single-label name such as localhost.
func siteOf(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	s, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil || net.ParseIP(host) != nil {
		return strings.ToLower(u.Host)
	}
	if multiTenant[s] {
		if h := strings.TrimPrefix(host, "www."); h != s {
			return h
		}
	}
	return s
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasRole(n *html.Node, roles ...string) bool {
	r := attrOf(n, "role")
	for _, want := range roles {
		if r == want {
			return true
		}
	}
	return false
}
