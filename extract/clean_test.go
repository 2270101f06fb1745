package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// body is a paragraph long enough to be most of an article, so that the
// blocks around it are small next to it.
const body = `<p>The council voted on Tuesday to fund the first phase of the park, after two years of public hearings,
lawsuits and a petition signed by more than fourteen thousand residents of the northern districts. The first phase
will clean up the contaminated soil, build a walking loop and open a playground and a community garden by the summer.</p>`

// cleaned parses an article fragment, cleans it as readability's result
// would be, and renders its text.
func cleaned(t *testing.T, fragment string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader("<html><body><div id=root>" + fragment + "</div></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	var root *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, "id") == "root" {
			root = n
		}
		for c := n.FirstChild; c != nil && root == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	cleanArticle(root, "example.com")
	return renderText(root)
}

func TestCleanArticle(t *testing.T) {
	tests := []struct {
		name, html string
		gone, kept []string
	}{
		{
			name: "caption and credit",
			html: `<figure><img src=a.jpg><figcaption>Protesters outside the hall</figcaption></figure>` + body +
				`<div class="image-embed"><p class="InlineImage-imageEmbedCredit">Jane Roe | Getty Images</p></div>` +
				`<p class="wp-caption-text">The old rail yard</p>`,
			gone: []string{"Protesters outside", "Getty Images", "old rail yard"},
			kept: []string{"The council voted"},
		},
		{
			name: "bylines and dates",
			html: `<p class="byline">By Jane Roe</p><span class="article-date">Published 1 day ago</span>` +
				`<p class="timestamp">Updated <time datetime="2019-11-19">Nov 19</time></p>` + body +
				`<p>The hearing is on <time datetime="2019-11-26">Tuesday</time> at noon.</p>` +
				`<div class="post-author"><h5>Jane Roe</h5><p>Jane writes about cities.</p></div>`,
			gone: []string{"By Jane Roe", "1 day ago", "Nov 19", "writes about cities"},
			kept: []string{"The council voted", "The hearing is on Tuesday at noon."},
		},
		{
			name: "the article's header",
			html: `<header><h1>Park approved</h1><p>Jane Roe, staff writer</p></header>` + body,
			gone: []string{"Park approved", "staff writer"},
			kept: []string{"The council voted"},
		},
		{
			name: "navigation, breadcrumbs and print headers",
			html: `<nav><ul><li>Home</li><li>News</li></ul></nav><ol class="breadcrumb"><li>Local</li></ol>` +
				`<div id="siteMenu">Sports</div><div class="print-header">https://example.com/news/park-approved</div>` + body,
			gone: []string{"Home", "News", "Local", "Sports", "example.com"},
			kept: []string{"The council voted"},
		},
		{
			name: "share, related, newsletter, comments, cookies, adverts",
			html: body + `<div class="share-bar">Share on Facebook</div><div class="relatedLinks"><a href=/x>Other story</a></div>` +
				`<div class="newsletter-signup">Get our morning briefing</div><div id="comments">12 comments</div>` +
				`<p id="cookie-law-info-bar">This website uses cookies</p><div class="ad-container"><p>Continue reading below</p></div>`,
			gone: []string{"Facebook", "Other story", "briefing", "12 comments", "uses cookies", "Continue reading"},
			kept: []string{"The council voted"},
		},
		{
			name: "words are whole words",
			html: `<div class="headline-wrapper"><p class="shared-content">Kept one.</p><p class="adaptive">Kept two.</p>` +
				`<p class="loaded">Kept three.</p></div>` + body,
			kept: []string{"Kept one.", "Kept two.", "Kept three.", "The council voted"},
		},
		{
			name: "lines that are only a link",
			html: body + `<p>You may also like...</p><p><a href=/a>Who will make the Hall of Fame next year?</a></p>` +
				`<p>Related: <a href=/b>Snapshots of our universe through time</a></p>` +
				`<ul><li><a href=/c>Fifteen amazing images of stars</a></li></ul><h4><a href=/d>The new space race</a></h4>` +
				`<p><a href=/e>CLICK HERE TO GET THE APP</a></p>`,
			gone: []string{"Hall of Fame", "Snapshots", "amazing images", "space race", "GET THE APP"},
			kept: []string{"The council voted", "You may also like"},
		},
		{
			name: "a line linking out of the site stays; one linking within it, by any host of the site, goes",
			html: body + `<p><a href="https://shop.example.net/item/7">Get it at the shop for $39.99</a></p>` +
				`<p><a href="https://www.example.com/2019/other">Another story from us</a></p>` +
				`<li><a href="https://video.example.com/clip">Watch the vote</a></li>`,
			gone: []string{"Another story", "Watch the vote"},
			kept: []string{"The council voted", "Get it at the shop for $39.99"},
		},
		{
			name: "links inside text, and cited addresses, stay",
			html: body + `<p>The <a href=/plan>plan</a> was approved by <a href=/council>the council</a> on Tuesday night.</p>` +
				`<p><a href="http://example.org/report">http://example.org/report</a></p><li><a href=/w>www.example.org</a></li>`,
			kept: []string{"The council voted", "The plan was approved by the council", "http://example.org/report", "www.example.org"},
		},
		{
			name: "advert labels",
			html: `<div class="Off5dpXq">Advert</div>` + body + `<div><span>Advertisement</span></div><p>Anzeige</p><div>Iklan</div>` +
				`<p>Ad blockers are rising.</p>`,
			gone: []string{"Advert", "Anzeige", "Iklan"},
			kept: []string{"The council voted", "Ad blockers are rising."},
		},
		{
			name: "rules that would drop most of the article drop nothing",
			html: `<p class="share-text">Share: the council voted on Tuesday to fund the first phase of the park.</p>` +
				`<p class="share-text">Share: the first phase will clean up the soil and build a walking loop.</p>` +
				`<p class="share-text">Share: later phases would add sports fields and a market hall.</p>` +
				`<p>Two members voted against.</p><p class="share-bar">Share on Facebook</p>`,
			kept: []string{"fund the first phase", "walking loop", "market hall", "voted against", "Facebook"},
		},
		{
			name: "a wrapper holding most of the text stays, whatever its classes",
			html: `<div class="post tag-related category-comments">` + body + `</div><p>A short closing line.</p>`,
			kept: []string{"The council voted", "closing line"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleaned(t, tt.html)
			for _, s := range tt.gone {
				if strings.Contains(got, s) {
					t.Errorf("kept %q in:\n%s", s, got)
				}
			}
			for _, s := range tt.kept {
				if !strings.Contains(got, s) {
					t.Errorf("dropped %q from:\n%s", s, got)
				}
			}
		})
	}
}

func TestClassWords(t *testing.T) {
	n := &html.Node{Type: html.ElementNode, Data: "div", Attr: []html.Attribute{
		{Key: "class", Val: "relatedLinks article__mm-image-credit"}, {Key: "id", Val: "cookie_bar2"}, {Key: "title", Val: "share"},
	}}
	var got []string
	classWords(n, func(w string) bool { got = append(got, w); return true })
	if want := "related links article mm image credit cookie bar"; strings.Join(got, " ") != want {
		t.Errorf("words %q, want %q", got, want)
	}
}

func TestCleanArticleTitle(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<div><h2 class="headline">New SUVs highlight the L.A. Auto Show</h2>` + body +
		`<h3>What happens next</h3><p>New SUVs highlight the L.A. Auto Show, and more.</p><p>new suvs highlight the LA auto show</p></div>`))
	if err != nil {
		t.Fatal(err)
	}
	root := doc.FirstChild.LastChild.FirstChild // html > body > div
	cleanArticle(root, "example.com", "", "New SUVs highlight the L.A. Auto Show")
	got := renderText(root)
	if strings.Contains(got, "L.A. Auto Show\n") || strings.Contains(got, "LA auto show") {
		t.Errorf("title kept:\n%s", got)
	}
	for _, s := range []string{"The council voted", "What happens next", "Auto Show, and more."} {
		if !strings.Contains(got, s) {
			t.Errorf("dropped %q from:\n%s", s, got)
		}
	}
}

func TestTextLenOver(t *testing.T) {
	doc, err := html.Parse(strings.NewReader("<p>Ad<b>vert</b>isement 12</p>"))
	if err != nil {
		t.Fatal(err)
	}
	for max, want := range map[int]bool{0: true, 14: true, 15: false, 100: false} {
		if got := textLenOver(doc, max); got != want {
			t.Errorf("textLenOver(%d) = %v, want %v (text has %d)", max, got, want, textLen(doc))
		}
	}
}
