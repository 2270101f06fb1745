package extract

import (
	"bytes"
	"testing"
)

// metaArticle is enough text for readability to take as an article.
const metaArticle = `<article><p>The council voted on Tuesday to fund the first phase of the park, after two years of public hearings,
lawsuits and a petition signed by more than fourteen thousand residents. The first phase will clean up the soil, build a
walking loop and open a playground and a community garden by the summer of next year, the city said.</p>
<p>Later phases, which the council has not yet funded, would add sports fields, a market hall and a bridge over the river,
and the two members who voted against the plan said they worried about the cost of the full build-out.</p></article>`

// TestMetaGaps covers metadata that sites give in ways readability does
// not read: each case is a page written the way many sites write it.
func TestMetaGaps(t *testing.T) {
	tests := []struct {
		name, head, body        string
		byline, site, published string
	}{
		{
			name: "JSON-LD author and publisher given as @id references (Yoast and other SEO plugins)",
			head: `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
				{"@type":"Article","@id":"https://ex.com/a#article","author":{"@id":"https://ex.com/#/schema/person/1"},
				 "publisher":{"@id":"https://ex.com/#organization"},"datePublished":"2018-07-02T07:42:00+00:00"},
				{"@type":"Organization","@id":"https://ex.com/#organization","name":"Example Works"},
				{"@type":["Person"],"@id":"https://ex.com/#/schema/person/1","name":"Yoav Schumacher"}]}</script>`,
			body:   metaArticle,
			byline: "Yoav Schumacher", site: "Example Works", published: "2018-07-02T07:42:00Z",
		},
		{
			name: "a reference to a node in another JSON-LD block",
			head: `<script type="application/ld+json">{"@type":"NewsArticle","author":[{"@id":"#p1"},{"@id":"#p2"}]}</script>
				<script type="application/ld+json">[{"@type":"Person","@id":"#p1","name":"Ana Ruiz"},{"@type":"Person","@id":"#p2","name":"Li Wei"}]</script>`,
			body:   metaArticle,
			byline: "Ana Ruiz, Li Wei",
		},
		{
			name: "JSON-LD with trailing commas",
			head: `<script type="application/ld+json">{"@type":"NewsArticle","author":{"@type":"Person","name":"Brigit Katz",},
				"keywords":["Smart News", "Science", ],"datePublished":"2019-11-18T16:06:51-05:00",}</script>`,
			body:   metaArticle,
			byline: "Brigit Katz", published: "2019-11-18T16:06:51-05:00",
		},
		{
			name:   "an author link marked rel=author, where readability does not look",
			body:   metaArticle + `<footer class="entry-footer"><span class="author vcard"><a href="/author/tony" rel="author">Tony Carter</a></span></footer>`,
			byline: "Tony Carter",
		},
		{
			name:      "microdata datePublished on a span",
			body:      `<p>Posted: <span itemprop="datePublished">Feb 16, 2018 6:45 PM</span></p>` + metaArticle,
			published: "2018-02-16T18:45:00Z",
		},
		{
			name:      "a <time> of unknown role is the last resort",
			body:      `<div class="info"><time datetime="2019-11-19T11:45:59.000Z">Nov 19</time></div>` + metaArticle,
			published: "2019-11-19T11:45:59Z",
		},
		{
			name:   "a date glued to the byline is split off and serves as the published date",
			body:   `<div class="byline">Carrie ArnoldNovember 15, 2019</div>` + metaArticle,
			byline: "Carrie Arnold", published: "2019-11-15T00:00:00Z",
		},
		{
			name:   "the date after a dash; the article's own date comes first",
			head:   `<meta property="article:published_time" content="2019-11-19T04:50:22Z">`,
			body:   `<div class="byline">Jeff Foust — November 18, 2019</div>` + metaArticle,
			byline: "Jeff Foust", published: "2019-11-19T04:50:22Z",
		},
		{
			name:   "a byline with no date stays whole",
			head:   `<meta name="author" content="Troy L. Smith, Cleveland.com">`,
			body:   metaArticle,
			byline: "Troy L. Smith, Cleveland.com",
		},
	}
	x := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `<html><head><title>Park approved</title>` + tt.head + `</head><body>` + tt.body + `</body></html>`
			a, err := x.FromHTML(bytes.NewReader([]byte(page)), "https://ex.com/a")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct{ name, got, want string }{
				{"byline", a.Byline, tt.byline}, {"site", a.Site, tt.site}, {"published", a.Published, tt.published},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestDropTrailingCommas(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,2,],"b":{"c":"d",},}`: `{"a":[1,2],"b":{"c":"d"}}`,
		"[1,\n\t]":                     "[1\n\t]",
		`{"s":"a,]b,}","t":"\",}"}`:    `{"s":"a,]b,}","t":"\",}"}`,
	} {
		if got := dropTrailingCommas(in); got != want {
			t.Errorf("dropTrailingCommas(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestPickByline(t *testing.T) {
	tests := []struct {
		candidates   []string
		byline, date string
	}{
		{[]string{"", "By Jane Roe", "Meta Author"}, "Jane Roe", ""},
		{[]string{"By", "Victor Davis Hanson"}, "Victor Davis Hanson", ""},
		{[]string{"PTI,"}, "PTI", ""},
		{[]string{"About Dora WhitfieldDora edits the society’s newsletter and has volunteered at the mill since 2015, writing about its history.", "Dora Whitfield"}, "Dora Whitfield", ""},
		{[]string{"Associated Press November 19, 2019, 9:02 AM"}, "Associated Press", "2019-11-19T09:02:00Z"},
		{[]string{"admin - 2018-09-16"}, "admin", "2018-09-16T00:00:00Z"},
		{[]string{"Posted by Jane Roe on 12 March 2024"}, "Posted by Jane Roe", "2024-03-12T00:00:00Z"},
		{[]string{"Agent 47"}, "Agent 47", ""},
	}
	for _, tt := range tests {
		b, d := pickByline(tt.candidates...)
		if b != tt.byline || d != tt.date {
			t.Errorf("pickByline(%q) = %q, %q; want %q, %q", tt.candidates, b, d, tt.byline, tt.date)
		}
	}
}
