package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/digest-tool/digest/internal/fakeopenai"
)

// pageCase is one page of the bad-page matrix: how it is given, and how
// `digest new` and `digest extract` must end with it.
type pageCase struct {
	name string
	url  func(base string) string
	code int      // the documented exit code
	want []string // in the one stderr line, or (code 0) in the article text
}

func path(p string) func(string) string  { return func(base string) string { return base + p } }
func fixed(u string) func(string) string { return func(string) string { return u } }

func badPages(t *testing.T) []pageCase {
	refused := refusedAddr(t)
	// A label over 63 bytes is no DNS name: the resolver fails it as "no
	// such host" without sending a query, so the test stays off the network.
	noHost := "http://" + strings.Repeat("a", 64) + ".example/story"
	return []pageCase{
		{"malformed URL", fixed("http://[::1/story"), 2, []string{"http://[::1/story", "not a valid URL"}},
		{"no scheme", fixed("example.com/story"), 2, []string{"example.com/story", "https://example.com/story"}},
		{"ftp scheme", fixed("ftp://example.com/story"), 2, []string{"ftp://example.com/story", "ftp"}},
		{"file scheme", fixed("file:///etc/passwd"), 2, []string{"file:///etc/passwd", "--html"}},
		{"DNS failure", fixed(noHost), 1, []string{noHost, "no such host"}},
		{"connection refused", fixed("http://" + refused + "/story"), 1, []string{refused, "connection refused"}},
		{"timeout before headers", path("/hang"), 1, []string{"/hang", "timed out"}},
		{"timeout in the body", path("/slow-body"), 1, []string{"/slow-body", "timed out"}},
		{"404", path("/status/404"), 1, []string{"/status/404", "404 Not Found"}},
		{"410", path("/status/410"), 1, []string{"/status/410", "410 Gone"}},
		{"403", path("/status/403"), 1, []string{"/status/403", "403 Forbidden", "--html"}},
		{"429", path("/status/429"), 1, []string{"/status/429", "429"}},
		{"500", path("/status/500"), 1, []string{"/status/500", "500 Internal Server Error"}},
		{"502", path("/status/502"), 1, []string{"/status/502", "502 Bad Gateway"}},
		{"503", path("/status/503"), 1, []string{"/status/503", "503 Service Unavailable"}},
		{"redirect loop", path("/loop"), 1, []string{"/loop", "redirects"}},
		{"redirect to file://", path("/to-file"), 1, []string{"/to-file", "non-http(s)", "file:///etc/passwd"}},
		{"redirect to ftp://", path("/to-ftp"), 1, []string{"/to-ftp", "non-http(s)"}},
		{"redirect to javascript:", path("/to-javascript"), 1, []string{"/to-javascript", "non-http(s)"}},
		{"declared length over the cap", path("/declared-huge"), 1, []string{"/declared-huge", "larger than the 15 MiB limit"}},
		{"2 GB endless body", path("/endless"), 1, []string{"/endless", "larger than the 15 MiB limit"}},
		{"gzip bomb", path("/gzip-bomb"), 1, []string{"/gzip-bomb", "larger than the 15 MiB limit"}},
		{"PDF", path("/pdf"), 1, []string{"/pdf", "application/pdf"}},
		{"image", path("/image"), 1, []string{"/image", "image/png"}},
		{"image served as HTML", path("/png-as-html"), 1, []string{"/png-as-html", "image/png"}},
		{"JSON", path("/json"), 1, []string{"/json", "application/json"}},
		{"empty page", path("/empty"), 1, []string{"/empty", "no readable article"}},
		{"script-only page", path("/script-only"), 1, []string{"/script-only", "no readable article"}},
		{"images only", path("/images-only"), 1, []string{"/images-only", "no readable article"}},
		// Pages that are odd but hold an article: a valid draft, its text
		// valid UTF-8 and decoded right.
		{"invalid UTF-8 bytes", path("/invalid-utf8"), 0, []string{"marker-007", "Utilities"}},
		{"<meta charset> claims a legacy charset", path("/charset-lie-legacy"), 0, []string{"marker-008", "Café owners and utilities in Zürich"}},
		{"UTF-8 declared, windows-1252 sent", path("/charset-lie-utf8"), 0, []string{"marker-009", "Café owners and utilities in Zürich"}},
		// The HTML parser refuses pages nested deeper than 512 elements, in
		// bounded time and memory; shallower nesting is read.
		{"100,000 nested divs", path("/nested"), 1, []string{"/nested", "cannot parse the page", "not readable HTML"}},
		{"400 nested divs", path("/nested?depth=400"), 0, []string{"marker-010", "Utilities"}},
	}
}

// TestBadPages runs `digest new` and `digest extract` over every page of
// the matrix. A bad page ends in its documented exit code and one stderr
// line naming the input, with no draft, no temporary file and no model
// request; an odd but readable one in a valid draft. None may hang, crash
// or take more than rssLimit of memory (the endless body and the gzip bomb
// are read through the size cap).
func TestBadPages(t *testing.T) {
	pages := pageServer(t)
	for _, tc := range badPages(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			model := fakeopenai.New(t, nil)
			w := newWorkspace(t, model)
			u := tc.url(pages.URL)

			r := w.digest("new", u)
			if tc.code != 0 {
				r.failed(t, tc.code, tc.want...)
				w.noDrafts()
				w.noTemp()
				if model.Count() != 0 {
					t.Errorf("a bad page reached the model: %d requests", model.Count())
				}
			} else {
				r.ok(t)
				d := w.oneDraft()
				for _, s := range tc.want {
					if !strings.Contains(d.Article.Text, s) {
						t.Errorf("draft text lacks %q: %q", s, clip(d.Article.Text))
					}
				}
				if !utf8.ValidString(d.Article.Text) || strings.Contains(d.Article.Text, "\x00") {
					t.Errorf("draft text is not clean UTF-8: %q", clip(d.Article.Text))
				}
			}

			r = w.digest("extract", u, "--json")
			if tc.code != 0 {
				r.failed(t, tc.code, tc.want...)
				if r.stdout != "" {
					t.Errorf("a failed extract printed %q", clip(r.stdout))
				}
				return
			}
			r.ok(t)
			var x struct{ Text string }
			if err := json.Unmarshal([]byte(r.stdout), &x); err != nil {
				t.Fatalf("extract --json: %v\n%s", err, r)
			}
			for _, s := range tc.want {
				if !strings.Contains(x.Text, s) {
					t.Errorf("extract text lacks %q: %q", s, clip(x.Text))
				}
			}
		})
	}
}

// TestBadPagesInOneBatch runs the whole matrix as one batch list, with good
// links among the bad: the good ones are drafted, each bad one fails on its
// own line, the batch exits 3 and nothing hangs.
func TestBadPagesInOneBatch(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	w := newWorkspace(t, model)
	cases := badPages(t)
	var list []string
	good := 0
	for i, tc := range cases {
		list = append(list, tc.url(pages.URL))
		if tc.code == 0 {
			good++
		}
		if i%5 == 0 {
			list = append(list, fmt.Sprintf("%s/p/%d", pages.URL, 100+i))
			good++
		}
	}
	r := w.run(strings.Join(list, "\n")+"\n", "batch", "-", "--json", "-j", "4")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r)
	}
	var done, failed, skipped int
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var res struct {
			Status, Error string
		}
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatalf("not a JSON line %q: %v", l, err)
		}
		switch res.Status {
		case "done":
			done++
		case "failed":
			failed++
			if res.Error == "" || strings.Contains(res.Error, "\n") {
				t.Errorf("failure without a one-line error: %q", l)
			}
		case "skipped":
			skipped++
		}
	}
	// Lines that are no link at all are failed by the batch; no-scheme is
	// one, so every bad case is a failure.
	if done != good || failed != len(list)-good || skipped != 0 {
		t.Errorf("%d done, %d failed, %d skipped; want %d done, %d failed\n%s", done, failed, skipped, good, len(list)-good, r)
	}
	if n := len(w.drafts()); n != good {
		t.Errorf("%d drafts, want %d", n, good)
	}
	w.noTemp()
}
