package extract

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// maxRedirects is how many redirects one fetch follows.
const maxRedirects = 10

func newTransport(connect time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   connect,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// redirectError stops a fetch that redirects too often or to a non-http(s)
// address.
type redirectError struct {
	to      string // where the last redirect pointed
	tooMany bool
}

func (e *redirectError) Error() string {
	if e.tooMany {
		return fmt.Sprintf("stopped after more than %d redirects (last to %s)", maxRedirects, Redact(e.to))
	}
	return "redirect to a non-http(s) address: " + Redact(e.to)
}

// redirectPolicy allows at most maxRedirects redirects, to http(s) only,
// then defers to the client's own policy, if any.
func redirectPolicy(inner func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if s := req.URL.Scheme; s != "http" && s != "https" {
			return &redirectError{to: req.URL.String()}
		}
		if len(via) > maxRedirects { // via holds the original request and each redirect followed
			return &redirectError{to: req.URL.String(), tooMany: true}
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
}

// fetch GETs u and returns the page's bytes, its Content-Type, the URL it
// was served from and its Content-Language header.
func (x *Extractor) fetch(parent context.Context, u *url.URL, input string) (body []byte, contentType, final, lang string, err error) {
	ctx, cancel := context.WithTimeout(parent, x.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", "", newError("fetch", input, KindInput, err, "cannot build the request: "+err.Error(), "check the address")
	}
	req.Header.Set("User-Agent", x.userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := x.client.Do(req)
	if err != nil {
		return nil, "", "", "", x.netError(parent, ctx, input, err)
	}
	defer resp.Body.Close()
	final = resp.Request.URL.String()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError("fetch", input, KindHTTP, nil, statusText(resp), statusHint(resp.StatusCode))
		e.Status = resp.StatusCode
		return nil, "", "", "", e
	}
	contentType = resp.Header.Get("Content-Type")
	mediaType := mediaTypeOf(contentType)
	if mediaType != "" && mediaType != "application/octet-stream" && !isHTMLType(mediaType) {
		return nil, "", "", "", notHTML(input, mediaType, "")
	}
	if resp.ContentLength > x.maxBytes {
		return nil, "", "", "", x.tooLarge(input)
	}

	var r io.Reader = resp.Body
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && !resp.Uncompressed {
		// The transport only decompresses what it asked for; a given client
		// may not ask, and some servers compress regardless.
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, "", "", "", newError("fetch", input, KindContent, err, "bad gzip data: "+err.Error(), "retry later")
		}
		r = zr
	}
	body, err = io.ReadAll(io.LimitReader(r, x.maxBytes+1))
	if err != nil {
		return nil, "", "", "", x.netError(parent, ctx, input, err)
	}
	if int64(len(body)) > x.maxBytes {
		return nil, "", "", "", x.tooLarge(input)
	}
	// The declared type may be missing or wrong: trust the bytes when they
	// are plainly something else.
	sniffed := mediaTypeOf(http.DetectContentType(body))
	if isBinaryType(sniffed) || !isHTMLType(mediaType) && !isTextType(sniffed) {
		return nil, "", "", "", notHTML(input, sniffed, mediaType)
	}
	return body, contentType, final, resp.Header.Get("Content-Language"), nil
}

func mediaTypeOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func isHTMLType(mt string) bool {
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// isTextType reports whether a sniffed type may still be an HTML page that
// lacks the markers the sniffer looks for.
func isTextType(mt string) bool {
	return mt == "text/html" || mt == "text/plain" || mt == "text/xml"
}

func isBinaryType(mt string) bool {
	for _, p := range []string{"application/pdf", "image/", "audio/", "video/", "font/", "application/zip",
		"application/x-gzip", "application/wasm", "application/vnd.ms-fontobject", "application/x-rar-compressed"} {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	return false
}

func notHTML(input, mediaType, declared string) *Error {
	what := "is " + mediaType + ", not an HTML page"
	if declared != "" && declared != mediaType {
		what = "is " + mediaType + " (served as " + declared + "), not an HTML page"
	}
	return newError("fetch", input, KindContent, nil, what, "give the address of an HTML article")
}

func (x *Extractor) tooLarge(input string) *Error {
	return newError("fetch", input, KindContent, nil, "page is larger than the "+sizeString(x.maxBytes)+" limit",
		"raise the size limit, or save the page and use --html FILE")
}

// statusText is "404 Not Found": the code and its standard text.
func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, t)
	}
	if resp.Status != "" {
		return resp.Status
	}
	return fmt.Sprintf("HTTP status %d", resp.StatusCode)
}

func statusHint(code int) string {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return "the page needs a login or refuses automated clients: save it from a browser and use --html FILE"
	case code == http.StatusTooManyRequests:
		return "the server is rate-limiting, retry later"
	case code >= 500:
		return "the server failed, retry later"
	case code >= 400:
		return "check the address"
	}
	return "open the address in a browser to see where it leads"
}

// netError describes a failed request. parent is the caller's context, ctx
// the one carrying digest's own timeout.
func (x *Extractor) netError(parent, ctx context.Context, input string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) { // its text repeats the URL, secrets included
		err = ue.Err
	}
	var (
		re   *redirectError
		dns  *net.DNSError
		op   *net.OpError
		cert *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		he   x509.HostnameError
		ci   x509.CertificateInvalidError
	)
	kind, what, hint := KindNetwork, "", ""
	switch {
	case errors.As(err, &re):
		kind, what, hint = KindHTTP, re.Error(), "open it in a browser to check for a redirect loop"
		if !re.tooMany {
			hint = "give the page's final http(s) URL"
		}
	case parent.Err() == context.Canceled:
		what = "canceled"
	case parent.Err() == context.DeadlineExceeded:
		what, hint = "timed out", "retry later"
	case ctx.Err() == context.DeadlineExceeded:
		what, hint = "timed out after "+x.timeout.String(), "retry later, or raise the timeout"
	case errors.As(err, &dns):
		what, hint = fmt.Sprintf("cannot resolve host %q", dns.Name), "check your network connection"
		if dns.IsNotFound {
			what, hint = what+": no such host", "check the address"
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		what, hint = "connection refused", "check the address and port, or retry later"
	case errors.Is(err, syscall.ECONNRESET):
		what, hint = "connection reset by the server", "retry later"
	case errors.As(err, &op) && op.Op == "dial" && op.Timeout():
		what, hint = "could not connect in time", "check the address, or retry later"
		if x.connect > 0 {
			what = "could not connect within " + x.connect.String()
		}
	case errors.As(err, &cert) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci):
		what, hint = "TLS certificate problem: "+err.Error(), "the site's certificate is not valid, check the address"
	case isTimeout(err):
		what, hint = "timed out: "+err.Error(), "retry later"
	default:
		what, hint = "request failed: "+err.Error(), "check your network connection and retry"
	}
	return newError("fetch", input, kind, err, what, hint)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
