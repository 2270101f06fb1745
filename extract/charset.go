package extract

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// metaScanBytes is how far into a page a <meta> charset declaration is looked
// for. The HTML standard's prescan stops at 1024 bytes, but many real pages
// declare it later, after long scripts or comments in the head.
const metaScanBytes = 8192

// toUTF8 decodes a page to valid UTF-8 and names the encoding it used.
//
// Order: a byte-order mark wins; then a page that is valid UTF-8 and has
// non-ASCII bytes is UTF-8 whatever it declares (legacy multi-byte text is
// practically never valid UTF-8, while servers mislabelling UTF-8 as
// ISO-8859-1 are common); then the declared charset (Content-Type header,
// then <meta>). A page declared UTF-8, or not declared, with a few invalid
// bytes stays UTF-8; one mostly invalid as UTF-8 is decoded with its <meta>
// charset when only the header claimed UTF-8, else with a charset guessed
// from its bytes. Bytes invalid in the chosen encoding become U+FFFD.
func toUTF8(body []byte, contentType string) (string, string) {
	e, name, certain := charset.DetermineEncoding(body, contentType)
	if certain && hasBOM(body) {
		return strings.TrimPrefix(decodeWith(body, e), "\uFEFF"), name
	}
	declared := certain // by the Content-Type header
	metaEnc, metaName := charset.Lookup(metaCharset(body))
	if !declared && metaEnc != nil {
		e, name, declared = metaEnc, metaName, true
	}
	switch {
	case utf8.Valid(body) && (hasHighBit(body) || !declared || name == "utf-8"):
		return string(body), "utf-8"
	case declared && name != "utf-8":
		return decodeWith(body, e), name
	case mostlyUTF8(body):
		return strings.ToValidUTF8(string(body), "\uFFFD"), "utf-8"
	case metaEnc != nil && metaName != "utf-8":
		// The header said UTF-8 (often a server default) but the bytes are
		// not; the page's own <meta> knows better.
		return decodeWith(body, metaEnc), metaName
	}
	if ge, gname := guessCharset(body); ge != nil {
		return decodeWith(body, ge), gname
	}
	e, name = charset.Lookup("windows-1252")
	return decodeWith(body, e), name
}

func hasBOM(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) ||
		bytes.HasPrefix(b, []byte{0xFE, 0xFF}) || bytes.HasPrefix(b, []byte{0xFF, 0xFE})
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// mostlyUTF8 reports whether a page that is not valid UTF-8 still looks like
// UTF-8 with a few stray bytes: fewer than a third of its non-ASCII bytes are
// invalid. Text in a legacy encoding is mostly invalid as UTF-8 (Shift_JIS
// or GBK pages: about 60% of their non-ASCII bytes; Cyrillic or Latin: all).
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			valid += size
		}
		b = b[size:]
	}
	return invalid*2 < valid
}

// guessCharset asks a statistical detector for the page's charset, ignoring
// answers that HTML does not know.
func guessCharset(b []byte) (encoding.Encoding, string) {
	if len(b) > 64<<10 {
		b = b[:64<<10] // plenty for statistics, and bounded work
	}
	r, err := chardet.NewHtmlDetector().DetectBest(b)
	if err != nil || r == nil || r.Confidence < 10 {
		return nil, ""
	}
	return charset.Lookup(r.Charset)
}

// decodeWith converts b to UTF-8; decoders replace invalid input with U+FFFD,
// and ToValidUTF8 guards against any that pass bytes through.
func decodeWith(b []byte, e encoding.Encoding) string {
	out, _, err := transform.Bytes(e.NewDecoder(), b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// metaCharset returns the charset label declared by a <meta charset> or
// <meta http-equiv=Content-Type> in the first metaScanBytes of a page.
func metaCharset(body []byte) string {
	if len(body) > metaScanBytes {
		body = body[:metaScanBytes]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "body" {
				return ""
			}
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var cs, httpEquiv, content string
			for {
				k, v, more := z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
				if !more {
					break
				}
			}
			if cs == "" && httpEquiv == "content-type" {
				cs = charsetParam(content)
			}
			if cs = strings.TrimSpace(cs); cs != "" {
				// The standard treats a UTF-16 declaration in a byte-oriented
				// page as UTF-8, and x-user-defined as windows-1252.
				switch l := strings.ToLower(cs); {
				case strings.HasPrefix(l, "utf-16"):
					return "utf-8"
				case l == "x-user-defined":
					return "windows-1252"
				}
				return cs
			}
		}
	}
}

// charsetParam pulls the charset out of a Content-Type value such as
// "text/html; charset=Shift_JIS", tolerating the quoting errors real pages make.
func charsetParam(contentType string) string {
	i := strings.Index(strings.ToLower(contentType), "charset")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(contentType[i+len("charset"):], " \t")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.Trim(strings.TrimLeft(rest[1:], " \t"), `"'`)
	if end := strings.IndexAny(rest, `;"' `); end >= 0 {
		rest = rest[:end]
	}
	return rest
}
