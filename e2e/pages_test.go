package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digest-tool/digest/internal/testpages"
)

// bombOnce is a gzip stream that inflates to 1 GiB of zeros from about a
// megabyte: one compressed MiB repeated as 1024 gzip members, which every
// gzip reader joins into one stream.
var bombOnce = sync.OnceValue(func() []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), 1024)
})

// pageServer serves the pages of the bad-page matrix, and good articles at
// /p/<n>. Handlers that could run on (hang, endless) stop when the client
// goes away, and the server is closed when the test ends.
func pageServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("/p/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscan(r.PathValue("n"), &n); err != nil {
			http.NotFound(w, r)
			return
		}
		html(w, testpages.Article(n, 6))
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<h1>%d</h1>", code)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/slow-body", func(w http.ResponseWriter, r *http.Request) {
		// Headers at once, then a trickle that never ends: only the whole
		// fetch's timeout stops it.
		w.Header().Set("Content-Type", "text/html")
		for {
			if _, err := w.Write([]byte("<p>a</p>")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/pub/story.html", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/to-javascript", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "javascript:alert(1)", http.StatusFound)
	})
	mux.HandleFunc("/declared-huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", fmt.Sprint(64<<20))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<html><body><p>"))
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		// 2 GB of article-looking text with no length: only the size cap
		// stops the reader.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		chunk := []byte(strings.Repeat("<p>"+testpages.Paragraph(1, 1)+"</p>\n", 100))
		for sent := 0; sent < 2<<30; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bombOnce())
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"))
	})
	mux.HandleFunc("/png-as-html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"title":"not a page","body":"`+testpages.Paragraph(1, 1)+`"}`)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
	})
	mux.HandleFunc("/script-only", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<!DOCTYPE html><html><head><title>App</title><script src="/app.js"></script></head>
<body><div id="root"></div><script>window.__STATE__ = {"story": "`+testpages.Paragraph(1, 1)+`"};</script>
<noscript>You need to enable JavaScript to run this app.</noscript></body></html>`)
	})
	mux.HandleFunc("/images-only", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<!DOCTYPE html><html><head><title>Gallery</title></head><body><main>`)
		for i := range 40 {
			fmt.Fprintf(&b, `<figure><img src="/img/%d.jpg" alt=""></figure>`, i)
		}
		b.WriteString(`</main></body></html>`)
		html(w, b.String())
	})
	mux.HandleFunc("/invalid-utf8", func(w http.ResponseWriter, r *http.Request) {
		// Declared UTF-8, with stray bytes no decoder accepts as UTF-8.
		page := strings.ReplaceAll(testpages.Article(7, 6), "Monday", "Mon\xff\xfeday")
		page = strings.ReplaceAll(page, "lithium", "lith\xc3ium\xed\xa0\x80")
		html(w, page)
	})
	mux.HandleFunc("/charset-lie-legacy", func(w http.ResponseWriter, r *http.Request) {
		// The page declares windows-1251 but its bytes are UTF-8.
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, strings.Replace(strings.Replace(testpages.Article(8, 6), `<meta charset="utf-8">`, `<meta charset="windows-1251">`, 1),
			"Utilities", "Café owners and utilities in Zürich", -1))
	})
	mux.HandleFunc("/charset-lie-utf8", func(w http.ResponseWriter, r *http.Request) {
		// Header and <meta> both say UTF-8 but the bytes are windows-1252.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.Replace(testpages.Article(9, 6), "Utilities", "Caf\xe9 owners and utilities in Z\xfcrich", -1))
	})
	mux.HandleFunc("/nested", func(w http.ResponseWriter, r *http.Request) {
		depth := 100000
		fmt.Sscan(r.URL.Query().Get("depth"), &depth)
		var b strings.Builder
		b.WriteString(`<!DOCTYPE html><html><head><title>Deep</title></head><body>`)
		b.WriteString(strings.Repeat("<div>", depth))
		for p := range 6 {
			fmt.Fprintf(&b, "<p>%s</p>", testpages.Paragraph(10, p))
		}
		b.WriteString(strings.Repeat("</div>", depth))
		b.WriteString(`</body></html>`)
		html(w, b.String())
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// refusedAddr is a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
