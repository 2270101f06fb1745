package extract

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/pages/golden")

const pagesDir = "../testdata/pages"

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pagesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve answers with a fixed body and Content-Type.
func serve(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write(body)
	}
}

// newServer starts a page server with the given routes; it stops with the test.
func newServer(t *testing.T, routes map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestFromURLPages(t *testing.T) {
	tests := []struct {
		page, contentType                        string
		title, byline, site, published, language string
		has, hasNot                              []string
	}{
		{
			page: "news-en.html", contentType: "text/html; charset=utf-8",
			title: "City council approves plan to turn old rail yard into a park", byline: "Priya Raman",
			site: "The Riverside Ledger", published: "2024-03-12T18:30:00-05:00", language: "en-US",
			has: []string{
				"After two years of public hearings",
				"\n\nA long fight over the site\n\nThe rail yard closed in 1998",
				"The plan includes:\n\nremoving and treating about 60,000 cubic yards of contaminated soil;\na 1.1-mile walking",
				"The $38 million first phase",
				"“Tonight we finally decided it belongs to them.”",
			},
			hasNot: []string{"cookies", "Subscribe", "Opinion", "More from Local", "School board", "Share on Facebook", "morning briefing", "All rights reserved", "dataLayer"},
		},
		{
			page: "wordpress-yoast.html", contentType: "text/html; charset=UTF-8",
			title: "How we rebuilt the old mill's waterwheel", byline: "Dora Whitfield",
			site: "Millbrook Heritage Society", published: "2023-05-14T08:30:00Z", language: "en-US",
			has: []string{
				"For almost forty years the wheel of Millbrook mill stood still",
				"two valleys over.”\n\nFinding the old drawings\n\nThe society had no plans",
				"flour ground on the day will be for sale.",
			},
			hasNot: []string{"cookies", "Skip to content", "Join the society", "Posted on", "Photo: Sam Okafor", "Advertisement",
				"Share this", "Facebook", "Related", "Clearing the millpond", "Tagged", "About Dora", "Previous:", "thoughts on",
				"Recent posts", "Subscribe", "Proudly powered"},
		},
		{
			page: "jsonld.html", contentType: "text/html",
			title: "Why our team stopped writing microservices", byline: "Sam O'Neill, Lena Fischer",
			site: "Field Notes", published: "2023-11-02T09:15:00Z", language: "en-GB",
			has:    []string{"Three years ago we split our billing system", "We were eight people pretending to be eight teams."},
			hasNot: []string{"Great write-up", "Archive"},
		},
		{
			page: "ja-shiftjis.html", contentType: "text/html; charset=Shift_JIS",
			title: "地方の鉄道、観光列車で再生へ | みなと新聞", byline: "山田 花子 記者", site: "みなと新聞", published: "2024-05-20T09:00:00+09:00", language: "ja",
			has:    []string{"利用者の減少が続く地方の鉄道会社が、観光列車の運行で経営の立て直しを図っている。", "「観光と日常の利用を両立させる仕組みづくりが必要だ」"},
			hasNot: []string{"アクセスランキング", "Copyright"},
		},
		{
			page: "ja-shiftjis.html", contentType: "text/html", // <meta> only
			title: "地方の鉄道、観光列車で再生へ | みなと新聞", byline: "山田 花子 記者", site: "みなと新聞", published: "2024-05-20T09:00:00+09:00", language: "ja",
			has: []string{"予約は三か月先まで埋まっているという。"},
		},
		{
			page: "ja-shiftjis.html", contentType: "text/html; charset=utf-8", // a lying header
			title: "地方の鉄道、観光列車で再生へ | みなと新聞", byline: "山田 花子 記者", site: "みなと新聞", published: "2024-05-20T09:00:00+09:00", language: "ja",
			has: []string{"運賃収入は前年と比べて二割ほど増えた。"},
		},
		{
			page: "ru-windows1251.html", contentType: "text/html; charset=windows-1251",
			title: "В Казани открылась новая линия трамвая", byline: "Ирина Соколова", site: "Городские вести", language: "ru",
			has:    []string{"Строительство линии заняло почти три года", "«Раньше дорога до работы занимала больше часа, теперь я доезжаю за полчаса», — рассказала"},
			hasNot: []string{"Главная", "Все права защищены"},
		},
		{
			page: "zh-gbk.html", contentType: "text/html",
			title: "城市夜市带动消费回暖_东方日报", site: "东方日报", published: "2024-06-01T00:00:00Z", language: "zh-CN",
			has:    []string{"入夏以来，多个城市的夜市重新热闹起来。", "做到繁荣与有序并重。"},
			hasNot: []string{"首页", "版权所有"},
		},
		{
			page: "fr-latin1.html", contentType: "text/html; charset=ISO-8859-1",
			title: "La Bretagne mise sur l'énergie des marées", byline: "Hélène Guérin", site: "L'Écho de l'Ouest",
			published: "2024-02-14T00:00:00Z", language: "fr-FR",
			has:    []string{"« Les courants ici sont parmi les plus puissants d'Europe, c'est une ressource prévisible et inépuisable »", "Reste la question du coût"},
			hasNot: []string{"Accueil", "Tous droits réservés"},
		},
		{
			page: "ru-nocharset.html", contentType: "text/html",
			title: "Весна пришла в Сибирь раньше обычного",
			has:   []string{"Синоптики связывают раннее потепление с тёплыми воздушными массами"},
		},
		{
			page: "de-lying-latin1.html", contentType: "text/html; charset=iso-8859-1",
			title: "Größter Solarpark Süddeutschlands geht ans Netz", language: "de",
			has: []string{"knapp 120 Millionen €", "„Wir zeigen, dass Energiewende und Naturschutz zusammenpassen“"},
		},
	}
	routes := map[string]http.HandlerFunc{}
	for i, tt := range tests {
		routes["/"+tt.page+"/"+string(rune('a'+i))] = serve(tt.contentType, readPage(t, tt.page))
	}
	srv := newServer(t, routes)
	x := New(Options{Client: srv.Client()})
	for i, tt := range tests {
		t.Run(tt.page+" "+tt.contentType, func(t *testing.T) {
			path := "/" + tt.page + "/" + string(rune('a'+i))
			a, err := x.FromURL(context.Background(), srv.URL+path+"?utm_source=newsletter&utm_medium=email#top")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct{ name, got, want string }{
				{"title", a.Title, tt.title}, {"byline", a.Byline, tt.byline}, {"site", a.Site, tt.site},
				{"published", a.Published, tt.published}, {"language", a.Language, tt.language},
				{"canonical URL", a.CanonicalURL, srv.URL + path},
				{"final URL", a.FinalURL, srv.URL + path + "?utm_source=newsletter&utm_medium=email#top"},
				{"id", a.ID, ID(srv.URL + path)},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
			checkText(t, a)
			for _, s := range tt.has {
				if !strings.Contains(a.Text, s) {
					t.Errorf("text lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(a.Text, s) {
					t.Errorf("text has boilerplate %q", s)
				}
			}
		})
	}
}

// checkText checks what every article's text must be: valid UTF-8, no runs
// of spaces, no line with surrounding spaces, paragraphs separated by one
// blank line, and Words counted.
func checkText(t *testing.T, a Article) {
	t.Helper()
	if !utf8.ValidString(a.Text) {
		t.Error("text is not valid UTF-8")
	}
	if strings.Contains(a.Text, "  ") || strings.Contains(a.Text, "\n\n\n") || strings.ContainsAny(a.Text, "\t\r\u00a0") {
		t.Errorf("text has runs of white space: %q", a.Text)
	}
	for _, line := range strings.Split(a.Text, "\n") {
		if line != strings.TrimSpace(line) {
			t.Errorf("line with surrounding space: %q", line)
		}
	}
	if a.Words == 0 || a.Words != countWords(a.Text) {
		t.Errorf("words = %d, text has %d", a.Words, countWords(a.Text))
	}
}

func TestLinkCanonical(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/story": serve("text/html", readPage(t, "news-en.html")),
		"/old": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/story?utm_campaign=spring", http.StatusMovedPermanently)
		},
	})
	a, err := New(Options{Client: srv.Client()}).FromURL(context.Background(), srv.URL+"/old?fbclid=x")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != srv.URL+"/old?fbclid=x" || a.FinalURL != srv.URL+"/story?utm_campaign=spring" || a.CanonicalURL != srv.URL+"/story" {
		t.Errorf("URL %s, final %s, canonical %s", a.URL, a.FinalURL, a.CanonicalURL)
	}
	// The page's own canonical link is noted, but the id stays with the URL.
	if want := srv.URL + "/local/2024/03/northgate-park-approved"; a.LinkCanonical != want {
		t.Errorf("link canonical = %q, want %q", a.LinkCanonical, want)
	}
	if a.ID != ID(srv.URL+"/story") {
		t.Errorf("id %s is not the canonical URL's", a.ID)
	}
}

func TestRequestHeadersAndGzip(t *testing.T) {
	page := readPage(t, "news-en.html")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	var gotUA, gotAE string
	srv := newServer(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			gotUA, gotAE = r.Header.Get("User-Agent"), r.Header.Get("Accept-Encoding")
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip") // even when not asked for
			w.Write(gz.Bytes())
		},
	})
	ctx := context.Background()

	a, err := New(Options{}).FromURL(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if gotUA != DefaultUserAgent || !strings.Contains(gotAE, "gzip") {
		t.Errorf("User-Agent %q, Accept-Encoding %q", gotUA, gotAE)
	}
	if !strings.Contains(a.Text, "Northgate rail yard") {
		t.Errorf("gzip body not decoded: %q", a.Text)
	}

	// A client that does not ask for gzip still gets the page decoded.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	a, err = New(Options{Client: client, UserAgent: UserAgent("1.2.3")}).FromURL(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if gotUA != "digest/1.2.3 (+https://github.com/digest-tool/digest)" || gotAE != "" {
		t.Errorf("User-Agent %q, Accept-Encoding %q", gotUA, gotAE)
	}
	if !strings.Contains(a.Text, "Northgate rail yard") {
		t.Errorf("gzip body not decoded: %q", a.Text)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/": serve("text/html", readPage(t, "news-en.html"))})
	x := New(Options{})
	want, err := x.FromURL(context.Background(), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := x.FromURL(context.Background(), srv.URL+"/")
			if err != nil || got != want {
				t.Errorf("concurrent FromURL: %v, %+v", err, got)
			}
		})
	}
	wg.Wait()
}

func TestFromHTML(t *testing.T) {
	x := New(Options{})
	a, err := x.FromHTML(bytes.NewReader(readPage(t, "ru-windows1251.html")), "https://Vesti.example/city/tram?utm_source=tg#c")
	if err != nil {
		t.Fatal(err)
	}
	if a.CanonicalURL != "https://vesti.example/city/tram" || a.ID != ID(a.CanonicalURL) {
		t.Errorf("canonical %s id %s", a.CanonicalURL, a.ID)
	}
	if a.URL != "https://Vesti.example/city/tram?utm_source=tg#c" || a.FinalURL != a.URL {
		t.Errorf("URL %q final %q", a.URL, a.FinalURL)
	}
	if !strings.Contains(a.Text, "Строительство линии") {
		t.Errorf("text: %q", a.Text)
	}
	checkText(t, a)
}

func TestInvalidUTF8(t *testing.T) {
	// A UTF-8 page with stray bytes (a Latin-1 "é", a lone continuation
	// byte, a truncated sequence, an encoded surrogate) where they crept in.
	page := []byte(`<html><head><meta charset="utf-8"><title>Größter Solarpark</title></head><body><article>` +
		"<p>Auf einer ehemaligen Kiesgrube bei Ulm ist am Montag der größte Solarpark Süddeutschlands in Betrieb gegangen. " +
		"Die Investitionskosten beliefen sich auf knapp 120 Millionen €, für die Bürger schon ab 500 € einsteigen konnten.</p>" +
		"<p>„Wir zeigen, dass Energiewende und Naturschutz zusammenpassen“, sagte die Geschäftsführerin bei der Eröffnung " +
		"im Caf\xe9 am See \x80 vor Vertretern der Gemeinde.</p>" +
		"<p>Zwischen den Modulreihen weiden Schafe \xe2\x82 und an den Rändern wurden Blühstreifen angelegt \xed\xa0\x80 für Insekten.</p>" +
		"</article></body></html>")
	srv := newServer(t, map[string]http.HandlerFunc{"/": serve("text/html; charset=utf-8", page)})
	for _, get := range []func() (Article, error){
		func() (Article, error) { return New(Options{}).FromURL(context.Background(), srv.URL+"/") },
		func() (Article, error) {
			return New(Options{}).FromHTML(bytes.NewReader(page), "https://example.com/a")
		},
	} {
		a, err := get()
		if err != nil {
			t.Fatal(err)
		}
		checkText(t, a)
		if !strings.Contains(a.Text, "im Caf\uFFFD am See \uFFFD vor") || !strings.Contains(a.Text, "größte Solarpark Süddeutschlands") {
			t.Errorf("text: %q", a.Text)
		}
	}
}

// TestGolden compares each test page's Article, as JSON, with
// ../testdata/pages/golden/<page>.json; -update rewrites them.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(pagesDir, "*.html"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no test pages", err)
	}
	x := New(Options{})
	for _, p := range paths {
		name := filepath.Base(p)
		if name == "script-only.html" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			a, err := x.FromHTML(bytes.NewReader(readPage(t, name)), "https://example.com/pages/"+name+"?utm_source=newsletter")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(a, "", "  ")
			got = append(got, '\n')
			golden := filepath.Join(pagesDir, "golden", strings.TrimSuffix(name, ".html")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./extract -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", name, golden, got)
			}
		})
	}
}
