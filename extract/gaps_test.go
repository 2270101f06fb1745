package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestFillGaps(t *testing.T) {
	p := func(s string) string { return "<p>" + s + " is a paragraph of the story, long enough to be one.</p>" }
	tweet := `<div class="social-media-embed"><blockquote class="twitter-tweet"><p>Yes this is real and the state spent half a million on it</p>` +
		`— Jane Roe (@janeroe) <a href="https://twitter.com/janeroe/status/1">November 18, 2019</a></blockquote></div>`
	tests := []struct {
		name, page, article string
		want                string // the article's text, paragraphs joined by "|"
	}{
		{
			name:    "a post readability dropped between two kept paragraphs comes back, in place",
			page:    p("One") + tweet + p("Two"),
			article: p("One") + p("Two"),
			want:    "One…|Yes this is real and the state spent half a million on it|— Jane Roe (@janeroe) November 18, 2019|Two…",
		},
		{
			name:    "only quotations come back",
			page:    p("One") + `<div class="promo-box"><p>Get our newsletter every morning in your inbox</p></div>` + p("Two"),
			article: p("One") + p("Two"),
			want:    "One…|Two…",
		},
		{
			name:    "nothing comes back from after the article",
			page:    p("One") + p("Two") + tweet,
			article: p("One") + p("Two"),
			want:    "One…|Two…",
		},
		{
			name:    "nor across a long gap",
			page:    p("One") + tweet + p("Aside 1") + p("Aside 2") + p("Aside 3") + p("Two"),
			article: p("One") + p("Two"),
			want:    "One…|Two…",
		},
		{
			name: "nor is one readability kept in other blocks",
			page: p("One") + `<div class="embed"><blockquote class="twitter-tweet"><p>Sharing my full letter.<br><br>We must apply compassion.</p>` +
				`— Rep. Jane Roe (@janeroe) <a href="https://twitter.com/janeroe/status/1">November 19, 2019</a></blockquote></div>` + p("Two"),
			article: p("One") + `<blockquote><p>Sharing my full letter.</p><p>We must apply compassion.</p>— Rep. Jane Roe (@janeroe) November 19, 2019</blockquote>` + p("Two"),
			want:    "One…|Sharing my full letter.|We must apply compassion.|— Rep. Jane Roe (@janeroe) November 19, 2019|Two…",
		},
		{
			name:    "a quotation readability kept is not doubled",
			page:    p("One") + `<blockquote><p>We will build it, said the mayor to the crowd</p></blockquote>` + p("Two"),
			article: p("One") + `<blockquote><p>We will build it, said the mayor to the crowd</p></blockquote>` + p("Two"),
			want:    "One…|We will build it, said the mayor to the crowd|Two…",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader("<html><body><article>" + tt.page + "</article></body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := html.Parse(strings.NewReader("<div id=root>" + tt.article + "</div>"))
			if err != nil {
				t.Fatal(err)
			}
			article := out.FirstChild.LastChild.FirstChild // html > body > div
			fillGaps(doc, article)
			cleanArticle(article, "example.com")
			got := strings.ReplaceAll(renderText(article), " is a paragraph of the story, long enough to be one.", "…")
			if got = strings.ReplaceAll(strings.ReplaceAll(got, "\n\n", "|"), "\n", "|"); got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
		})
	}
}
