package prompt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/digest-tool/digest/internal/httpretry"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/digest-tool/digest/extract"
)

// ErrorKind says why a model request failed, so that the CLI can choose an
// exit code and a hint.
type ErrorKind int

const (
	// KindOther is a failure none of the kinds below describes.
	KindOther ErrorKind = iota
	// KindAuth: the server refused the key (HTTP 401 or 403). Not retried.
	KindAuth
	// KindRateLimit: still rate limited (HTTP 429) when the retries ran out,
	// or the wait asked for was too long.
	KindRateLimit
	// KindServer: server errors (5xx), timeouts, dropped connections and
	// broken response bodies, still failing when the retries ran out.
	KindServer
	// KindNetwork: the endpoint could not be reached (DNS, connection refused).
	KindNetwork
	// KindBadRequest: the server rejected the request (unknown model,
	// unsupported response_format, input too long even after cutting).
	KindBadRequest
	// KindRefusal: the model refused, or a content filter stopped it.
	KindRefusal
	// KindBadOutput: the answer still broke the rules after the repair rounds.
	KindBadOutput
	// KindCanceled: the caller's context ended.
	KindCanceled
	// KindQuota: the account is out of quota or credit (HTTP 429
	// insufficient_quota): no retry helps until someone pays.
	KindQuota
)

var kindNames = [...]string{"other", "auth", "rate limit", "server", "network", "bad request", "refusal", "bad output", "canceled", "quota"}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// Error is a failed model request, classified once. Its message is one line
// naming what failed and what to do, the model, the endpoint, the last HTTP
// status and the article, URLs without credentials; it never contains the
// API key.
type Error struct {
	Kind    ErrorKind
	URL     string // the endpoint, redacted
	Model   string
	Status  int    // the last HTTP status seen, 0 when no response came
	Msg     string // what happened, one line
	Err     error  // the cause, scrubbed of the key
	Article string // the article's URL, redacted; "" when unknown
}

func (e *Error) Error() string {
	st := "no HTTP response"
	if e.Status != 0 {
		st = "HTTP " + strconv.Itoa(e.Status)
	}
	if e.Article != "" {
		st += ", article " + e.Article
	}
	return fmt.Sprintf("%s (model %s at %s, %s)", e.Msg, e.Model, e.URL, st)
}

func (e *Error) Unwrap() error { return e.Err }

// action is what the retry loop does after a failed attempt.
type action int

const (
	fail    action = iota
	backoff        // retry after an exponential back-off, or after wait when set
	pause          // retry after wait, pausing every request of the client
	shrink         // retry with the article cut to factor of its size
)

// failure is a classified failed attempt.
type failure struct {
	*Error
	action action
	wait   time.Duration // the server's Retry-After, 0 when it gave none
	factor float64       // for shrink
}

// maxRetryAfter is the longest Retry-After the client waits for; longer
// waits (daily quotas) fail at once rather than hang a batch.
const maxRetryAfter = 5 * time.Minute

func (f *failure) set(k ErrorKind, a action, format string, args ...any) failure {
	f.Kind, f.action, f.Msg = k, a, fmt.Sprintf(format, args...)
	return *f
}

// classify sorts the error of one attempt. x holds what the transport saw of
// the response, since go-openai hides the headers of failed requests.
func (c *Client) classify(ctx context.Context, err error, x *exchange) failure {
	f := c.sort(ctx, err, x)
	f.Msg = oneLine(c.scrubText(f.Msg))
	return f
}

func (c *Client) sort(ctx context.Context, err error, x *exchange) failure {
	f := &failure{Error: c.newError(KindOther, x.status, "", err)}
	set := f.set
	if ctx.Err() != nil {
		f.Err = ctx.Err()
		return set(KindCanceled, fail, "model request canceled")
	}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	status, text, code := 0, "", ""
	switch {
	case errors.As(err, &apiErr):
		status, text = apiErr.HTTPStatusCode, apiErr.Message
		if apiErr.Code != nil {
			code = fmt.Sprint(apiErr.Code)
		}
	case errors.As(err, &reqErr):
		status, text = reqErr.HTTPStatusCode, strings.TrimSpace(string(reqErr.Body))
		if text == "" {
			text = http.StatusText(status)
		}
	}
	if status != 0 {
		f.Status = status
		text = clip(text, 300)
		f.wait, _ = httpretry.RetryAfter(x.header, c.now())
		return c.classifyStatus(f, status, code, text)
	}

	var ue *url.Error
	if errors.As(err, &ue) {
		f.Err = c.scrub(ue.Err) // url.Error repeats the URL unredacted
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var netErr net.Error
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, errResponseTooLarge):
		f.Err = errResponseTooLarge
		return set(KindServer, backoff, "broken response: %v (is the base URL an OpenAI-compatible API?)", errResponseTooLarge)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return set(KindServer, backoff, "no answer within %s", c.timeout)
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return set(KindNetwork, backoff, "cannot reach the model server: %v", f.Err)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return set(KindServer, backoff, "connection lost: %v", f.Err)
	case errors.As(err, &syntaxErr), x.status >= 200 && x.status < 300:
		return set(KindServer, backoff, "broken response body (is the base URL an OpenAI-compatible API?): %v", f.Err)
	}
	return set(KindOther, fail, "model request failed: %v", f.Err)
}

func (c *Client) classifyStatus(f *failure, status int, code, text string) failure {
	set := f.set
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if c.cfg.APIKey == "" {
			return set(KindAuth, fail, "the server wants an API key: set %s", c.keyEnv())
		}
		return set(KindAuth, fail, "the server refused the API key in %s: %s", c.keyEnv(), text)
	case status == http.StatusTooManyRequests:
		if code == "insufficient_quota" {
			return set(KindQuota, fail, "out of quota: %s", text)
		}
		if f.wait > maxRetryAfter {
			return set(KindRateLimit, fail, "rate limited, retry after %s: %s", f.wait.Round(time.Second), text)
		}
		return set(KindRateLimit, pause, "rate limited: %s", text)
	case code == "content_filter":
		return set(KindRefusal, fail, "the content filter stopped the request: %s", text)
	case isContextTooLong(status, code, text):
		f.factor = shrinkFactor(text)
		return set(KindBadRequest, shrink, "article too long for the model: %s", text)
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		return set(KindServer, backoff, "server error: %s", text)
	case status == http.StatusNotFound:
		return set(KindBadRequest, fail, "model or endpoint not found (check the model name and base URL): %s", text)
	case strings.Contains(strings.ToLower(text), "response_format") || strings.Contains(strings.ToLower(text), "json_schema"):
		return set(KindBadRequest, fail, "the server rejects the structured output mode %s (try json_object or prompt): %s", c.mode, text)
	}
	return set(KindBadRequest, fail, "request rejected: %s", text)
}

var contextRe = regexp.MustCompile(`(?i)context[ _-]?(length|size|window)|maximum context|too many tokens|prompt is too long|input is too long`)

func isContextTooLong(status int, code, text string) bool {
	if status == http.StatusRequestEntityTooLarge || code == "context_length_exceeded" {
		return true
	}
	return (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && contextRe.MatchString(text)
}

var (
	maxCtxRe = regexp.MustCompile(`(?i)(?:maximum context length|context (?:size|window|length))\D{0,20}?(\d+)`)
	usedRe   = regexp.MustCompile(`(?i)(?:resulted in|requested|you have|prompt has|got)\D{0,20}?(\d+)`)
)

// shrinkFactor reads "maximum context length is 8192 tokens. However, your
// messages resulted in 9000 tokens" style messages (OpenAI, vLLM) and returns
// the share of the article to keep, with a margin; 0.6 when it can't tell.
func shrinkFactor(text string) float64 {
	limit, used := firstInt(maxCtxRe, text), firstInt(usedRe, text)
	if limit > 0 && used > limit {
		return min(max(float64(limit)/float64(used)*0.9, 0.2), 0.8)
	}
	return 0.6
}

func firstInt(re *regexp.Regexp, s string) int {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (c *Client) keyEnv() string {
	if c.cfg.APIKeyEnv != "" {
		return c.cfg.APIKeyEnv
	}
	return "the API key setting"
}

// scrubText removes the API key from text a server may have echoed it in.
// Keys shorter than 8 characters (placeholders such as "ollama") are left
// alone: replacing them would mangle ordinary words.
func (c *Client) scrubText(s string) string {
	if len(c.cfg.APIKey) < 8 {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.APIKey, "[redacted]")
}

func (c *Client) scrub(err error) error {
	if err == nil || len(c.cfg.APIKey) < 8 || !strings.Contains(err.Error(), c.cfg.APIKey) {
		return err
	}
	return errors.New(c.scrubText(err.Error()))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// redactURL hides the credentials a URL may carry, for messages:
// extract.Redact's rules (userinfo, values of secret-named parameters) and
// also values that look like generated tokens, whatever their name.
func redactURL(u string) string {
	s := extract.Redact(u)
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	params := strings.Split(query, "&")
	for i, p := range params {
		if name, v, ok := strings.Cut(p, "="); ok && tokenLike(v) {
			params[i] = name + "=***"
		}
	}
	s = base + "?" + strings.Join(params, "&")
	if hasFrag {
		s += "#" + frag
	}
	return s
}

// tokenLike says whether v looks like a generated secret: 20 or more
// characters of letters, digits, "-" and "_", mixing letters and digits.
func tokenLike(v string) bool {
	if len(v) < 20 {
		return false
	}
	letters, digits := false, false
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		case r == '-' || r == '_' || r == '.':
		default:
			return false
		}
	}
	return letters && digits
}
