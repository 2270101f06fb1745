package extract

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalize: any input either fails or gives a canonical URL that
// is its own canonical form (idempotent), keeps its id, and is an
// http(s) URL with a host and no userinfo or fragment.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"https://Example.COM/a?utm_source=x&b=2#frag",
		"http://user:pass@example.com:80/",
		"https://example.com:443",
		"HTTP://[::1]:8080/p?q=1&&fbclid=z",
		"https://example.com/%7Efoo/../bar?x=%20y",
		"https://例子.测试/路径?键=值",
		"https://example.com/a;b?c=d;e",
		"ftp://example.com/",
		"https://example.com/?utm_Source=1&UTM_medium=2&Gclid=3",
		" https://example.com/ ",
		"http://%41:%42@example.com/",
		"https://example.com/?%zz=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonicalize(raw)
		if err != nil {
			return
		}
		c2, err := Canonicalize(c)
		if err != nil {
			t.Fatalf("Canonicalize(%q) = %q, which fails: %v", raw, c, err)
		}
		if c2 != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, c, c2)
		}
		if id := ID(c); id != ID(c2) || len(id) != 32 {
			t.Fatalf("id %q", id)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Contains(c, "#") {
			t.Fatalf("Canonicalize(%q) = %q", raw, c)
		}
		for k := range u.Query() {
			if isTracking(k) {
				t.Fatalf("Canonicalize(%q) = %q keeps tracking parameter %q", raw, c, k)
			}
		}
	})
}

// FuzzToUTF8: any bytes under any declared charset decode to valid UTF-8,
// without panic; valid UTF-8 with no other declaration comes through
// unchanged.
func FuzzToUTF8(f *testing.F) {
	for _, s := range []struct{ body, ct string }{
		{"<meta charset=utf-8><p>café</p>", "text/html"},
		{"<meta charset=\"windows-1251\"><p>caf\xe9</p>", ""},
		{"<meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'><p>\x82\xa0</p>", ""},
		{"\xef\xbb\xbf<p>bom</p>", "text/html; charset=iso-8859-1"},
		{"\xff\xfe<\x00p\x00>\x00", ""},
		{"<p>Mon\xff\xfeday lith\xc3ium\xed\xa0\x80</p>", "text/html; charset=utf-8"},
		{"<meta charset=x-user-defined><p>\x80\x81</p>", ""},
		{"<meta charset=utf-16le>", "text/html; charset=bogus"},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		s, name := toUTF8(body, contentType)
		if !utf8.ValidString(s) {
			t.Fatalf("toUTF8(%q, %q) = %q (%s): invalid UTF-8", body, contentType, s, name)
		}
		if utf8.Valid(body) && !hasBOM(body) && contentType == "" && metaCharset(body) == "" && s != string(body) {
			t.Fatalf("valid UTF-8 %q changed to %q (%s)", body, s, name)
		}
	})
}

// FuzzFromHTML: any bytes given as a saved page end in an article with
// valid UTF-8 fields or in an *Error, never in a panic.
func FuzzFromHTML(f *testing.F) {
	f.Add([]byte("<html><head><title>T</title></head><body><article><p>One two three four five six.</p></article></body></html>"))
	f.Add([]byte("<meta charset=windows-1252><p>caf\xe9 na\xefve</p>"))
	f.Add([]byte(strings.Repeat("<div>", 600) + "<p>deep</p>"))
	f.Add([]byte("<script>var a = '<p>x</p>';</script><noscript>Enable JavaScript</noscript>"))
	f.Add([]byte("\x00\x01\x02<p>\x80\x81\x82</p>"))
	x := New(Options{MaxBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, page []byte) {
		a, err := x.FromHTML(bytes.NewReader(page), "https://example.com/story")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		for _, s := range []string{a.Title, a.Byline, a.Site, a.Text, a.Published, a.Language} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		if a.Words == 0 || len(a.ID) != 32 {
			t.Fatalf("article with %d words and id %q", a.Words, a.ID)
		}
	})
}

// FuzzRedact: the password and a token parameter of a link never survive
// Redact, and a link without them is left as it was.
func FuzzRedact(f *testing.F) {
	f.Add("reader", "hunter2secret", "example.com", "/a/b", "tok3nValue")
	f.Add("a@b", "p:w/d", "127.0.0.1:8080", "", "x&y=z")
	f.Add("", "", "h", "/?q=1", "")
	f.Fuzz(func(t *testing.T, user, pass, host, path, token string) {
		raw := "https://" + user + ":" + pass + "@" + host + path + "?id=1&access_token=" + token
		rest := strings.Replace(raw, ":"+pass+"@", ":@", 1) + "***"
		if len(pass) < 6 || strings.ContainsAny(pass+user+host+path, "@/?#&=%\\ \t\r\n") || strings.Contains(rest, pass) {
			return // not a password a reader could tell apart from the rest
		}
		r := Redact(raw)
		if strings.Contains(r, pass) {
			t.Fatalf("Redact(%q) = %q keeps the password", raw, r)
		}
		if len(token) >= 6 && !strings.ContainsAny(token, "&#") && strings.Contains(r, "access_token="+token) {
			t.Fatalf("Redact(%q) = %q keeps the token", raw, r)
		}
		plain := "https://" + host + path
		if !strings.ContainsAny(plain, "?#@") && Redact(plain) != plain {
			t.Fatalf("Redact(%q) = %q", plain, Redact(plain))
		}
	})
}
