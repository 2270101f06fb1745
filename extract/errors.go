package extract

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind classifies an Error so that the CLI can map it to an exit code.
type Kind int

const (
	// KindInput: the input is unusable as given (malformed URL, unsupported
	// scheme, unreadable saved page). A usage problem: the user must change it.
	KindInput Kind = iota + 1
	// KindNetwork: the server could not be reached (DNS, refused connection,
	// timeout, TLS, cancellation).
	KindNetwork
	// KindHTTP: the server answered, but not with a page: an error status,
	// too many redirects, or a redirect to a non-http(s) address.
	KindHTTP
	// KindContent: a page arrived but holds no usable article: not HTML, over
	// the size limit, or nothing readable in it.
	KindContent
)

func (k Kind) String() string {
	switch k {
	case KindInput:
		return "input"
	case KindNetwork:
		return "network"
	case KindHTTP:
		return "http"
	case KindContent:
		return "content"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is what FromURL and FromHTML return on failure. Its message is one
// line naming the input, what went wrong and what to do about it; the cause
// stays reachable through Unwrap for errors.Is/As and verbose output.
type Error struct {
	Input  string // the page's URL, credentials redacted (see Redact)
	Kind   Kind
	Status int   // the HTTP status code for KindHTTP errors from a response, else 0
	Err    error // the cause; nil when there is nothing more to say

	op   string // "fetch" or "extract"
	what string // what went wrong, e.g. "404 Not Found"
	hint string // what to do, e.g. "check the address"
}

// Error returns the one-line message, e.g.
// `fetch https://example.com/x: 404 Not Found; check the address`.
func (e *Error) Error() string {
	op := e.op
	if op == "" {
		op = "fetch"
	}
	what := e.what
	if what == "" && e.Err != nil {
		what = e.Err.Error()
	}
	if what == "" {
		what = e.Kind.String() + " error"
	}
	msg := op + " " + quoteInput(e.Input) + ": " + what
	if e.hint != "" {
		msg += "; " + e.hint
	}
	return oneLine(msg)
}

func (e *Error) Unwrap() error { return e.Err }

// newError builds an Error; input is redacted here so that no message or
// field ever carries credentials.
func newError(op, input string, kind Kind, err error, what, hint string) *Error {
	return &Error{Input: Redact(input), Kind: kind, Err: err, op: op, what: what, hint: hint}
}

// quoteInput shows an input as typed unless it holds spaces or control
// characters, which would make the message ambiguous; very long inputs are cut.
func quoteInput(s string) string {
	const maxLen = 200
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == utf8.RuneError }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// oneLine folds any line breaks (from causes' messages) into spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Redact hides the secrets a URL may carry so that it can be shown in
// messages and logs: the userinfo (user:password@) becomes "***@", and the
// values of query (and fragment) parameters whose names look like
// credentials (token, key, secret, password, signature, sig, auth, session,
// …) become "***". Everything else is kept byte for byte, so Redact also
// works on strings that are not valid URLs.
func Redact(rawURL string) string {
	s, frag, hasFrag := strings.Cut(rawURL, "#")
	s, query, hasQuery := strings.Cut(s, "?")
	if i := strings.Index(s, "//"); i == 0 || i > 0 && s[i-1] == ':' {
		rest := s[i+2:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+2] + "***" + rest[at:]
		}
	}
	if hasQuery {
		s += "?" + redactParams(query)
	}
	if hasFrag {
		s += "#" + redactParams(frag)
	}
	return s
}

// redactParams replaces the values of secret-looking parameters in an
// a=1&b=2 string, keeping everything else byte for byte.
func redactParams(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isSecretName(name) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + "***"
		}
	}
	return strings.Join(parts, "&")
}

// secretWords are parts of parameter names that usually carry credentials.
// Matching is by substring and deliberately broad: hiding a harmless value in
// a message costs nothing, showing a token does.
var secretWords = []string{"token", "key", "secret", "passw", "pwd", "signature", "sig", "auth", "session", "credential", "jwt"}

func isSecretName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
