package closest

import (
	"context"
	"errors"
	"fmt"
	"github.com/digest-tool/digest/internal/httpretry"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultEmbeddingModel is the model used when none is configured.
const DefaultEmbeddingModel = "text-embedding-3-small"

// ErrAuth is wrapped by the error of a request the endpoint refused for its
// credentials (401, 403): retrying will not help, fixing the key will.
var ErrAuth = errors.New("authentication failed")

// OpenAIConfig configures NewOpenAI. The zero value of each field but
// APIKey and MaxRetries means the documented default.
type OpenAIConfig struct {
	BaseURL string // OpenAI-compatible endpoint, e.g. http://localhost:11434/v1; "" = https://api.openai.com/v1
	APIKey  string // never written into an error
	Model   string // "" = DefaultEmbeddingModel
	// Dimensions asks for vectors this long (text-embedding-3 models
	// shorten theirs with little loss); 0 = the model's own (1,536 for
	// text-embedding-3-small). A query reads every vector: at 100,000
	// entries, 256 dimensions take a few milliseconds, 1,536 six times that.
	Dimensions int
	BatchSize  int // texts per request; 0 = 64
	// MaxRetries bounds the retries of one request after a rate limit (429,
	// waiting for Retry-After), a server error (5xx) or a network error,
	// with exponential back-off from one second. Auth errors (401, 403),
	// other client errors and an exhausted quota are not retried. The CLI
	// passes model.max_retries; 0 means no retry.
	MaxRetries int
	HTTPClient *http.Client // nil = http.DefaultClient; its timeout bounds each request
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time, for Retry-After given as an HTTP date; nil is
	// time.Now.
	Now func() time.Time
}

// OpenAI is an Embedder over an OpenAI-compatible /v1/embeddings endpoint.
type OpenAI struct {
	client *openai.Client
	cfg    OpenAIConfig
}

// NewOpenAI returns an embedder for cfg.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	if cfg.Model == "" {
		cfg.Model = DefaultEmbeddingModel
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = embedBatch
	}
	if cfg.Sleep == nil {
		cfg.Sleep = httpretry.Sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	oc.HTTPClient = retryAfterDoer{hc, cfg.Now}
	return &OpenAI{client: openai.NewClientWithConfig(oc), cfg: cfg}
}

// Model names the vectors this embedder returns, for NewEmbeddings and the
// index file: the model, and the dimensions when they were asked for
// ("text-embedding-3-small@256").
func (o *OpenAI) Model() string {
	if o.cfg.Dimensions > 0 {
		return o.cfg.Model + "@" + strconv.Itoa(o.cfg.Dimensions)
	}
	return o.cfg.Model
}

// maxEmbedRunes cuts a text to stay under the models' input limit (8,192
// tokens for OpenAI's); an entry is far shorter, this is a guard.
const maxEmbedRunes = 20000

// Embed returns one vector per text, BatchSize texts per request.
func (o *OpenAI) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for lo := 0; lo < len(texts); lo += o.cfg.BatchSize {
		vs, err := o.embedBatch(ctx, texts[lo:min(lo+o.cfg.BatchSize, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func (o *OpenAI) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	in := make([]string, len(texts))
	for i, t := range texts {
		if r := []rune(t); len(r) > maxEmbedRunes {
			t = string(r[:maxEmbedRunes])
		}
		if strings.TrimSpace(t) == "" {
			t = " " // the endpoint refuses empty input
		}
		in[i] = t
	}
	req := openai.EmbeddingRequestStrings{
		Input:      in,
		Model:      openai.EmbeddingModel(o.cfg.Model),
		Dimensions: o.cfg.Dimensions,
	}
	for attempt := 0; ; attempt++ {
		var after time.Duration
		res, err := o.client.CreateEmbeddings(context.WithValue(ctx, retryAfterKey{}, &after), req)
		if err == nil {
			vs, verr := vectors(res, len(in))
			if verr == nil {
				return vs, nil
			}
			err = verr // a malformed answer: treated as a server error
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("embeddings: %w", ctx.Err())
		}
		wait, retry, cerr := o.classify(err, attempt, after)
		if !retry || attempt >= o.cfg.MaxRetries {
			if retry {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", cerr, attempt+1)
			}
			return nil, cerr
		}
		if err := o.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("embeddings: %w", err)
		}
	}
}

// vectors checks an answer and puts its vectors in input order.
func vectors(res openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(res.Data) != n {
		return nil, fmt.Errorf("%d embeddings for %d texts", len(res.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range res.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embedding with bad or repeated index %d", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("embedding %d is empty", d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

const (
	firstBackoff = time.Second
	maxBackoff   = 30 * time.Second
	maxRetryWait = time.Minute // a longer Retry-After is waited this long
)

// classify decides whether err is worth another attempt and how long to
// wait first, and words the error for the user, without the key.
func (o *OpenAI) classify(err error, attempt int, after time.Duration) (time.Duration, bool, error) {
	backoff := min(firstBackoff<<min(attempt, 10), maxBackoff)
	status, msg := 0, err.Error()
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
		if apiErr.Code == "insufficient_quota" {
			return 0, false, fmt.Errorf("embeddings: %d: quota exhausted: %s", status, o.redact(msg))
		}
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
		msg = http.StatusText(status)
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// The server's message may quote part of the key: not repeated.
		return 0, false, fmt.Errorf("embeddings: %d %s: %w; check the API key", status, http.StatusText(status), ErrAuth)
	case status == http.StatusTooManyRequests:
		wait := backoff
		if after > 0 {
			wait = min(after, maxRetryWait)
		}
		return wait, true, fmt.Errorf("embeddings: 429 rate limited: %s", o.redact(msg))
	case status >= 500 || status == http.StatusRequestTimeout:
		return backoff, true, fmt.Errorf("embeddings: %d server error: %s", status, o.redact(msg))
	case status != 0:
		return 0, false, fmt.Errorf("embeddings: %d: %s", status, o.redact(msg))
	}
	// No status: the network, or an answer that did not decode.
	return backoff, true, fmt.Errorf("embeddings: %s", o.redact(msg))
}

func (o *OpenAI) redact(s string) string {
	if o.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, o.cfg.APIKey, "[key]")
}

// retryAfterDoer passes requests to the HTTP client and records the
// Retry-After of the answer where the request's context asks for it:
// go-openai's errors do not carry the headers.
type retryAfterDoer struct {
	c   *http.Client
	now func() time.Time
}

type retryAfterKey struct{}

func (d retryAfterDoer) Do(req *http.Request) (*http.Response, error) {
	res, err := d.c.Do(req)
	if res != nil {
		if p, ok := req.Context().Value(retryAfterKey{}).(*time.Duration); ok {
			*p, _ = httpretry.RetryAfter(res.Header, d.now())
		}
	}
	return res, err
}
