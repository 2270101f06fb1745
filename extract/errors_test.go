package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// wantError checks that err is an *Error of the given kind whose message is
// one line, names the input (redacted) and contains each of parts.
func wantError(t *testing.T, err error, kind Kind, input string, parts ...string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	msg := e.Error()
	if e.Kind != kind {
		t.Errorf("kind = %v, want %v (%s)", e.Kind, kind, msg)
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("message is not one line: %q", msg)
	}
	if !strings.Contains(msg, " "+Redact(input)+": ") && !strings.Contains(msg, " "+strconv.Quote(Redact(input))+": ") {
		t.Errorf("message does not name the input %q: %s", Redact(input), msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message lacks %q: %s", p, msg)
		}
	}
	t.Log(msg)
	return e
}

func TestInputErrors(t *testing.T) {
	x := New(Options{})
	tests := []struct {
		url   string
		parts []string
	}{
		{"", []string{"no URL given", "give an http:// or https:// URL"}},
		{"http://exa mple.com/story", []string{"not a valid URL", "check the address"}},
		{"https://example.com/%zz", []string{"not a valid URL"}},
		{"ftp://files.example.com/story.html", []string{`unsupported scheme "ftp"`, "give an http:// or https:// URL"}},
		{"file:///home/me/story.html", []string{"cannot fetch a file: URL", "use --html FILE"}},
		{"mailto:editor@example.com", []string{`unsupported scheme "mailto"`}},
		{"example.com/story", []string{"no http:// or https:// scheme", "did you mean https://example.com/story?"}},
		{"localhost:8080/story", []string{"no http:// or https:// scheme", "did you mean https://localhost:8080/story?"}},
		{"https:///story", []string{"URL has no host"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := x.FromURL(context.Background(), tt.url)
			e := wantError(t, err, KindInput, tt.url, tt.parts...)
			if !strings.HasPrefix(e.Error(), "fetch ") {
				t.Errorf("message does not start with the operation: %s", e)
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	t.Run("DNS failure", func(t *testing.T) {
		in := "http://no-such-host.digest-test.invalid/story"
		_, err := New(Options{}).FromURL(context.Background(), in)
		wantError(t, err, KindNetwork, in, `cannot resolve host "no-such-host.digest-test.invalid"`)
	})
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		in := "http://" + addr + "/story"
		_, err = New(Options{}).FromURL(context.Background(), in)
		wantError(t, err, KindNetwork, in, "connection refused", "check the address and port")
	})
	t.Run("timeout", func(t *testing.T) {
		srv := newServer(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
			select { // sleep past the client's timeout, but end with the test
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}})
		start := time.Now()
		_, err := New(Options{Timeout: 100 * time.Millisecond}).FromURL(context.Background(), srv.URL+"/slow")
		wantError(t, err, KindNetwork, srv.URL+"/slow", "timed out after 100ms", "raise the timeout")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("timeout while reading the body", func(t *testing.T) {
		srv := newServer(t, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body><p>The first part of the page arrives"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}})
		_, err := New(Options{Timeout: 100 * time.Millisecond}).FromURL(context.Background(), srv.URL+"/")
		wantError(t, err, KindNetwork, srv.URL+"/", "timed out after 100ms")
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(serve("text/html", readPage(t, "news-en.html")))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
		srv.StartTLS()
		defer srv.Close()
		_, err := New(Options{}).FromURL(context.Background(), srv.URL+"/")
		wantError(t, err, KindNetwork, srv.URL+"/", "TLS certificate problem", "certificate is not valid")
	})
	t.Run("canceled", func(t *testing.T) {
		srv := newServer(t, map[string]http.HandlerFunc{"/": serve("text/html", readPage(t, "news-en.html"))})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New(Options{}).FromURL(ctx, srv.URL+"/")
		wantError(t, err, KindNetwork, srv.URL+"/", "canceled")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v is not context.Canceled", err)
		}
	})
}

func TestHTTPErrors(t *testing.T) {
	page := readPage(t, "news-en.html")
	srv := newServer(t, map[string]http.HandlerFunc{
		"/missing":   http.NotFound,
		"/forbidden": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) },
		"/broken":    func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
		"/busy":      func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) },
		"/loop":      func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) },
		"/to-ftp": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://files.example.com/story.html", http.StatusMovedPermanently)
		},
		"/hop/{n}": func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.PathValue("n"))
			if n == 0 {
				serve("text/html", page)(w, r)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
		},
	})
	x := New(Options{})
	ctx := context.Background()
	for _, tt := range []struct {
		path   string
		status int
		parts  []string
	}{
		{"/missing", 404, []string{": 404 Not Found; check the address"}},
		{"/forbidden", 403, []string{"403 Forbidden", "use --html FILE"}},
		{"/broken", 500, []string{"500 Internal Server Error", "retry later"}},
		{"/busy", 429, []string{"429 Too Many Requests", "retry later"}},
		{"/loop", 0, []string{"more than 10 redirects", "redirect loop"}},
		{"/hop/11", 0, []string{"more than 10 redirects"}},
		{"/to-ftp", 0, []string{"redirect to a non-http(s) address: ftp://files.example.com/story.html"}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			_, err := x.FromURL(ctx, srv.URL+tt.path)
			e := wantError(t, err, KindHTTP, srv.URL+tt.path, tt.parts...)
			if e.Status != tt.status {
				t.Errorf("status = %d, want %d", e.Status, tt.status)
			}
		})
	}
	t.Run("10 redirects are fine", func(t *testing.T) {
		a, err := x.FromURL(ctx, srv.URL+"/hop/10")
		if err != nil {
			t.Fatal(err)
		}
		if a.FinalURL != srv.URL+"/hop/0" || a.URL != srv.URL+"/hop/10" {
			t.Errorf("URL %s, final %s", a.URL, a.FinalURL)
		}
	})
	t.Run("a given client gets the redirect policy too", func(t *testing.T) {
		called := 0
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { called++; return nil }}
		_, err := New(Options{Client: client}).FromURL(ctx, srv.URL+"/loop")
		wantError(t, err, KindHTTP, srv.URL+"/loop", "more than 10 redirects")
		if called != 10 {
			t.Errorf("client's own policy called %d times, want 10", called)
		}
		if client.CheckRedirect == nil {
			t.Error("the given client was modified")
		}
	})
}

func TestContentErrors(t *testing.T) {
	page := readPage(t, "news-en.html")
	srv := newServer(t, map[string]http.HandlerFunc{
		"/doc.pdf":     serve("application/pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")),
		"/photo":       serve("image/png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")),
		"/api":         serve("application/json; charset=utf-8", []byte(`{"title": "not a page"}`)),
		"/lying":       serve("text/html; charset=utf-8", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")),
		"/untyped-pdf": serve("", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")),
		"/big":         serve("text/html", page),
		"/big-chunked": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for i := 0; i < 8; i++ { // no Content-Length: the cap must hold while reading
				w.Write(page[:1000])
				w.(http.Flusher).Flush()
			}
		},
		"/empty":       serve("text/html", nil),
		"/blank":       serve("text/html; charset=utf-8", []byte("<!DOCTYPE html><html><head><title>Nothing</title></head><body>  </body></html>")),
		"/script-only": serve("text/html; charset=utf-8", readPage(t, "script-only.html")),
	})
	x := New(Options{MaxBytes: 4 << 10})
	ctx := context.Background()
	for _, tt := range []struct {
		path  string
		parts []string
	}{
		{"/doc.pdf", []string{"is application/pdf, not an HTML page", "give the address of an HTML article"}},
		{"/photo", []string{"is image/png, not an HTML page"}},
		{"/api", []string{"is application/json, not an HTML page"}},
		{"/lying", []string{"is application/pdf (served as text/html), not an HTML page"}},
		{"/untyped-pdf", []string{"is application/pdf, not an HTML page"}},
		{"/big", []string{"page is larger than the 4 KiB limit", "raise the size limit"}},
		{"/big-chunked", []string{"page is larger than the 4 KiB limit"}},
		{"/empty", []string{"extract ", "no readable article found", "use --html FILE"}},
		{"/blank", []string{"no readable article found"}},
		{"/script-only", []string{"no readable article found", "JavaScript"}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			_, err := x.FromURL(ctx, srv.URL+tt.path)
			wantError(t, err, KindContent, srv.URL+tt.path, tt.parts...)
		})
	}
	t.Run("default cap is 15 MiB", func(t *testing.T) {
		huge := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", strconv.Itoa(16<<20))
			w.Write([]byte("<html>")) // the declared length alone is refused
		}
		srv := newServer(t, map[string]http.HandlerFunc{"/": huge})
		_, err := New(Options{}).FromURL(ctx, srv.URL+"/")
		wantError(t, err, KindContent, srv.URL+"/", "larger than the 15 MiB limit")
	})
}

func TestFromHTMLErrors(t *testing.T) {
	x := New(Options{MaxBytes: 4 << 10})
	page := readPage(t, "news-en.html")
	tests := []struct {
		name, url string
		data      []byte
		kind      Kind
		parts     []string
	}{
		{"no URL", "", page, KindInput, []string{"no URL given"}},
		{"file URL", "file:///tmp/story.html", page, KindInput, []string{`unsupported scheme "file"`, "the page was saved from"}},
		{"too large", "https://example.com/story", page, KindContent, []string{"larger than the 4 KiB limit"}},
		{"script only", "https://example.com/app", readPage(t, "script-only.html"), KindContent, []string{"extract https://example.com/app: no readable article found; check that the file is the saved article page"}},
		{"empty", "https://example.com/empty", nil, KindContent, []string{"no readable article found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := x.FromHTML(bytes.NewReader(tt.data), tt.url)
			wantError(t, err, tt.kind, tt.url, tt.parts...)
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := x.FromHTML(iotest.ErrReader(errors.New("disk on fire")), "https://example.com/story")
		wantError(t, err, KindInput, "https://example.com/story", "cannot read the saved page: disk on fire")
	})
}

func TestErrorsHideCredentials(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/missing": http.NotFound,
		"/loop":    func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.String(), http.StatusFound) },
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, in := range []string{
		"http://alice:hunter2@" + host + "/missing?token=s3cr3t&page=2",
		"http://alice:hunter2@" + host + "/loop?api_key=s3cr3t",
		"http://alice:hunter2@no-such-host.digest-test.invalid/x?sig=s3cr3t",
		"ftp://alice:hunter2@example.com/x?token=s3cr3t",
		"http://alice:hunter2@exa mple.com/?token=s3cr3t",
	} {
		_, err := New(Options{}).FromURL(context.Background(), in)
		if err == nil {
			t.Fatalf("%s: no error", in)
		}
		var e *Error
		errors.As(err, &e)
		for _, text := range []string{err.Error(), e.Input, fmt.Sprintf("%+v", errors.Unwrap(err))} {
			if strings.Contains(text, "hunter2") || strings.Contains(text, "s3cr3t") || strings.Contains(text, "alice") {
				t.Errorf("secret shown: %s", text)
			}
		}
		if !strings.Contains(err.Error(), "***@") {
			t.Errorf("userinfo not marked as hidden: %s", err)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindInput: "input", KindNetwork: "network", KindHTTP: "http", KindContent: "content", 0: "kind(0)"} {
		if k.String() != want {
			t.Errorf("%d: %s, want %s", int(k), k, want)
		}
	}
}
