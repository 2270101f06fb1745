package prompt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/internal/httpretry"
)

// Structured output modes (Config.Structured).
const (
	// StructuredSchema sends response_format json_schema with a strict
	// schema: the server guarantees the shape. The default.
	StructuredSchema = "json_schema"
	// StructuredObject sends response_format json_object and describes the
	// shape in the prompt, for servers without json_schema support.
	StructuredObject = "json_object"
	// StructuredPrompt sends no response_format and describes the shape in
	// the prompt; JSON is pulled out of code fences or prose around it.
	StructuredPrompt = "prompt"
)

// Defaults for the zero values of Config.
const (
	DefaultBaseURL        = "https://api.openai.com/v1"
	DefaultTimeout        = 120 * time.Second
	DefaultMaxInputTokens = 12000
)

// maxRepairs is how many times the model is shown its own invalid answer.
const maxRepairs = 2

// maxEcho is the longest invalid answer shown back to the model in a
// repair round; a valid answer is a few kilobytes.
const maxEcho = 64 << 10

// minArticleBudget is the fewest article tokens worth asking about.
const minArticleBudget = 200

// Config sets up a Client. The zero value of each field means its default.
type Config struct {
	// BaseURL of the OpenAI-compatible API, ending in /v1 for most servers
	// (e.g. http://localhost:11434/v1 for Ollama); "" is DefaultBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token; "" sends none (local servers).
	APIKey string
	// APIKeyEnv names the environment variable the key came from, for
	// messages ("set OPENAI_API_KEY"); the key itself is never printed.
	APIKeyEnv string
	// Model is the model name the server knows. Required.
	Model string
	// Structured is StructuredSchema (""), StructuredObject or StructuredPrompt.
	Structured string
	// Temperature of sampling, 0 to 2; 0 is sent as the smallest float32
	// above it. It is left out for reasoning models (o1, o3, o4, gpt-5),
	// which accept none.
	Temperature float64
	// Timeout bounds each request; 0 is DefaultTimeout.
	Timeout time.Duration
	// MaxRetries bounds the retries of each request, whatever their cause
	// (rate limit, server error, shrinking, repair); 0 means none.
	MaxRetries int
	// MaxInputTokens is the token budget of a request's input, estimated by
	// EstimateTokens; longer articles are cut. 0 is DefaultMaxInputTokens.
	MaxInputTokens int
	// Modules asks for each module in its own request, concurrently, instead
	// of all in one. The requests share the system prompt and article as
	// their prefix, so servers with prompt caching bill it once.
	Modules bool
	// RequestsPerMinute > 0 spaces the requests of the Client to that rate.
	RequestsPerMinute int
	// TokensPerMinute, when > 0, limits the prompt tokens sent per minute
	// (estimated before sending) across all requests of the Client, as
	// providers' TPM quotas do.
	TokensPerMinute int
	// PromptDir is a folder whose prompts/<name>.txt files override the
	// embedded prompts; "" uses the embedded ones.
	PromptDir string
	// CacheDir holds the response cache, one JSON file per answer; "" turns
	// the cache off.
	CacheDir string
	// NoCache skips reading the cache; answers are still written to it.
	NoCache bool
	// HTTPClient sends the requests; nil is a plain http.Client. Its
	// transport is wrapped, never modified.
	HTTPClient *http.Client
	// Sleep waits for a duration or until ctx ends; nil is a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time, for HTTP-date Retry-After headers and the rate
	// limiter; nil is time.Now.
	Now func() time.Time
}

// Client writes Fields with a model behind an OpenAI-compatible endpoint.
// It is safe for concurrent use; its requests share one rate limiter and
// one rate-limit pause.
type Client struct {
	cfg      Config
	api      *openai.Client
	endpoint string // redacted, for messages
	mode     string
	timeout  time.Duration
	texts    texts
	all      job   // every module in one request
	each     []job // one request per module, in module order
	version  string
	gate     gate
	lim      *rate.Limiter // requests_per_minute; nil = no limit
	tpm      *rate.Limiter // tokens_per_minute; nil = no limit
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
}

var _ Engine = (*Client)(nil)

// NewClient checks cfg, reads the prompt files and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, mode: cfg.Structured, timeout: cfg.Timeout, sleep: cfg.Sleep, now: cfg.Now}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("prompt: no model name set")
	}
	switch c.mode {
	case "":
		c.mode = StructuredSchema
	case StructuredSchema, StructuredObject, StructuredPrompt:
	default:
		return nil, fmt.Errorf("prompt: structured mode %q: want %s, %s or %s", c.mode, StructuredSchema, StructuredObject, StructuredPrompt)
	}
	switch {
	case cfg.Temperature < 0 || cfg.Temperature > 2:
		return nil, fmt.Errorf("prompt: temperature %g: want 0 to 2", cfg.Temperature)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("prompt: negative timeout %s", cfg.Timeout)
	case cfg.MaxRetries < 0:
		return nil, fmt.Errorf("prompt: negative max retries %d", cfg.MaxRetries)
	case cfg.MaxInputTokens < 0:
		return nil, fmt.Errorf("prompt: negative max input tokens %d", cfg.MaxInputTokens)
	case cfg.RequestsPerMinute < 0:
		return nil, fmt.Errorf("prompt: negative requests per minute %d", cfg.RequestsPerMinute)
	case cfg.TokensPerMinute < 0:
		return nil, fmt.Errorf("prompt: negative tokens per minute %d", cfg.TokensPerMinute)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.cfg.MaxInputTokens == 0 {
		c.cfg.MaxInputTokens = DefaultMaxInputTokens
	}
	if c.sleep == nil {
		c.sleep = httpretry.Sleep
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.RequestsPerMinute > 0 {
		// A burst of 1 spaces requests evenly instead of letting a minute's
		// worth go at once.
		c.lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(cfg.RequestsPerMinute)), 1)
	}
	if cfg.TokensPerMinute > 0 {
		// A minute's worth may go at once: the quota is per minute.
		c.tpm = rate.NewLimiter(rate.Limit(float64(cfg.TokensPerMinute)/60), cfg.TokensPerMinute)
	}

	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prompt: base URL %s: want an http or https URL", redactURL(base))
	}
	c.endpoint = redactURL(strings.TrimRight(base, "/") + "/chat/completions")

	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = recorder{base: rt}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = &hc
	c.api = openai.NewClientWithConfig(oc)

	if c.texts, err = loadTexts(cfg.PromptDir); err != nil {
		return nil, err
	}
	c.all = newJob(c.texts, c.mode, modules)
	for _, m := range modules {
		c.each = append(c.each, newJob(c.texts, c.mode, []module{m}))
	}
	if cfg.Modules {
		c.version = c.texts.version(c.each)
	} else {
		c.version = c.texts.version([]job{c.all})
	}
	return c, nil
}

// Generate writes the Fields for a: from the cache when it holds an answer
// for the same article, model and prompts, else with one request (or one per
// module with Config.Modules). On failure the error is an *Error and the
// Result still counts the usage spent.
func (c *Client) Generate(ctx context.Context, a extract.Article) (Result, error) {
	res := Result{Engine: "openai", Model: c.cfg.Model, PromptVersion: c.version}
	if strings.TrimSpace(a.Text) == "" {
		return res, fmt.Errorf("prompt: the article %s has no text to write about", redactURL(a.URL))
	}
	key := c.cacheKey(a.Text)
	if !c.cfg.NoCache {
		if e, ok := c.loadCache(key, a.Text); ok {
			res.Fields, res.InputCut, res.Cached = e.Fields, e.InputCut, true
			return res, nil
		}
	}
	jobs := []job{c.all}
	if c.cfg.Modules {
		jobs = c.each
	}
	f, u, cut, err := c.runAll(ctx, jobs, c.input(a, jobs), Fields{})
	res.Usage, res.InputCut = u, cut
	if err != nil {
		return res, err
	}
	res.Fields = f
	// A cache that cannot be written costs a repeat request later, not this
	// answer, so the error is not the caller's concern.
	_ = c.storeCache(key, cacheEntry{Key: key, Model: c.cfg.Model, PromptVersion: c.version,
		Structured: c.mode, Fields: f, Usage: u, InputCut: cut})
	return res, nil
}

// Regenerate asks the model again for one module of current, showing it the
// current value and the editor's hint (may be empty), and returns current
// with that module replaced. The answer is validated like Generate's; the
// cache is neither read nor written.
func (c *Client) Regenerate(ctx context.Context, a extract.Article, module string, current Fields, hint string) (Fields, Usage, error) {
	i := slices.Index(c.Modules(), module)
	if i < 0 {
		return current, Usage{}, fmt.Errorf("prompt: unknown module %q: want one of %s", module, strings.Join(c.Modules(), ", "))
	}
	regen := strings.NewReplacer("{{module}}", module, "{{current}}", part(modules[i], current)).Replace(c.texts.regen)
	j := c.each[i]
	for _, l := range strings.Split(regen, "\n") {
		if strings.Contains(l, "{{hint}}") {
			if hint = oneLine(hint); hint == "" {
				continue
			}
			l = strings.ReplaceAll(l, "{{hint}}", hint)
		}
		j.instr += "\n" + l
	}
	f, u, _, err := c.runAll(ctx, []job{j}, c.input(a, []job{j}), current)
	if err != nil {
		return current, u, err
	}
	return f, u, nil
}

// input is the article as sent: cut to the budget left by the prompts.
type input struct {
	url        string // the article's, for messages
	orig, text string
	budget     int
	cut        bool
}

func (c *Client) input(a extract.Article, jobs []job) input {
	over := 0
	for _, j := range jobs {
		over = max(over, c.overhead(j))
	}
	in := input{url: a.URL, orig: a.Text, budget: max(c.cfg.MaxInputTokens-over, minArticleBudget)}
	in.text, in.cut = cutText(a.Text, in.budget)
	return in
}

// overhead estimates the tokens of a request besides the article: the
// system prompt, the instruction, the schema and the message framing.
func (c *Client) overhead(j job) int {
	n := EstimateTokens(c.texts.system) + EstimateTokens(j.task()) + 16
	if c.mode == StructuredSchema {
		n += EstimateTokens(string(j.schema))
	}
	return n
}

// runAll runs the jobs concurrently and merges their answers into base. The
// first failure cancels the other jobs and is the error returned.
func (c *Client) runAll(ctx context.Context, jobs []job, in input, base Fields) (Fields, Usage, bool, error) {
	type out struct {
		f   Fields
		u   Usage
		cut bool
		err error
	}
	outs := make([]out, len(jobs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() {
			o := &outs[i]
			if o.f, o.u, o.cut, o.err = c.run(ctx, jobs[i], in); o.err != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	var u Usage
	var err error
	cut := in.cut
	for i, o := range outs {
		u.add(o.u)
		cut = cut || o.cut
		var e *Error
		if o.err != nil && (err == nil || errors.As(err, &e) && e.Kind == KindCanceled) {
			err = o.err
		}
		for _, m := range jobs[i].mods {
			m.copy(&base, o.f)
		}
	}
	if err != nil {
		return Fields{}, u, cut, err
	}
	return base, u, cut, nil
}

// run asks for one job until the answer is valid or the retries run out.
func (c *Client) run(ctx context.Context, j job, in input) (Fields, Usage, bool, error) {
	var u Usage
	h := newHaystack(in.orig)
	msgs := c.messages(in.text, j.task())
	repairs, status := 0, 0
	failed := func(e *Error) (Fields, Usage, bool, error) {
		e.Article = redactURL(in.url)
		return Fields{}, u, in.cut, e
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			u.Retries++
		}
		if err := c.ready(ctx, messageTokens(msgs)); err != nil {
			return failed(c.newError(KindCanceled, status, "model request canceled", err))
		}
		resp, x, err := c.send(ctx, j, msgs)
		u.Requests++
		status = x.status
		canRetry := attempt < c.cfg.MaxRetries
		if err != nil {
			f := c.classify(ctx, err, x)
			if f.action == fail || !canRetry {
				if f.action != fail && attempt > 0 {
					f.Msg += fmt.Sprintf(" (gave up after %s)", plural(attempt, "retry", "retries"))
				}
				return failed(f.Error)
			}
			d := f.wait
			if d == 0 || d > maxRetryAfter {
				d = backoffDelay(attempt)
			}
			switch f.action {
			case shrink:
				in.budget = int(float64(min(in.budget, EstimateTokens(in.text))) * f.factor)
				if in.budget < minArticleBudget {
					return failed(f.Error)
				}
				in.text, _ = cutText(in.orig, in.budget)
				in.cut = true
				msgs, repairs = c.messages(in.text, j.task()), 0
				continue
			case pause:
				err = c.gate.pause(ctx, d, c.sleep)
			default:
				err = c.sleep(ctx, d)
			}
			if err != nil {
				return failed(c.newError(KindCanceled, status, "model request canceled", err))
			}
			continue
		}
		u.addAPI(resp.Usage)

		f, content, problems, refusal := c.check(resp, j, h)
		if refusal != "" {
			return failed(c.newError(KindRefusal, status, "the model refused: "+clip(oneLine(refusal), 300), nil))
		}
		if len(problems) == 0 {
			return f, u, in.cut, nil
		}
		if repairs >= maxRepairs || !canRetry {
			msg := "invalid answer: "
			if repairs > 0 {
				msg = fmt.Sprintf("invalid answer after %s: ", plural(repairs, "repair round"))
			}
			return failed(c.newError(KindBadOutput, status, msg+summarize(problems, 3), nil))
		}
		repairs++
		// An answer too long to be one of ours is not shown back: the
		// request would grow by its size with each round. The model is
		// asked again instead.
		if content != "" && len(content) <= maxEcho {
			msgs = append(msgs,
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: content},
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: c.repairText(problems)})
		}
	}
}

// ready waits out a rate-limit pause and the request rate limit.
func (c *Client) ready(ctx context.Context, tokens int) error {
	if err := c.gate.wait(ctx); err != nil {
		return err
	}
	if c.lim != nil {
		now := c.now()
		if d := c.lim.ReserveN(now, 1).DelayFrom(now); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	if c.tpm != nil {
		// A request larger than the whole quota waits for a full bucket.
		now := c.now()
		if d := c.tpm.ReserveN(now, min(tokens, c.tpm.Burst())).DelayFrom(now); d > 0 {
			return c.sleep(ctx, d)
		}
	}
	return ctx.Err()
}

// newError makes an *Error of this client, its message made one line and
// scrubbed of the key.
func (c *Client) newError(k ErrorKind, status int, msg string, err error) *Error {
	return &Error{Kind: k, URL: c.endpoint, Model: c.cfg.Model, Status: status, Msg: oneLine(c.scrubText(msg)), Err: c.scrub(err)}
}

// send makes one attempt under the per-request timeout.
func (c *Client) send(ctx context.Context, j job, msgs []openai.ChatCompletionMessage) (openai.ChatCompletionResponse, *exchange, error) {
	x := &exchange{}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	actx = context.WithValue(actx, exchangeKey{}, x)
	req := openai.ChatCompletionRequest{Model: c.cfg.Model, Messages: msgs, ResponseFormat: c.format(j)}
	if !reasoningModel(c.cfg.Model) {
		// go-openai drops a zero temperature (omitempty) and the server's
		// default, often 1, would apply: send the nearest non-zero float,
		// the workaround its maintainers suggest (go-openai issue #9).
		req.Temperature = max(float32(c.cfg.Temperature), math.SmallestNonzeroFloat32)
	}
	resp, err := c.api.CreateChatCompletion(actx, req)
	return resp, x, err
}

func (c *Client) format(j job) *openai.ChatCompletionResponseFormat {
	switch c.mode {
	case StructuredSchema:
		return &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: j.name, Schema: j.schema, Strict: true},
		}
	case StructuredObject:
		return &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return nil
}

// reasoningModel matches the model families that reject a temperature, as
// go-openai's own request check does.
func reasoningModel(m string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

var delimRe = regexp.MustCompile(`(?i)<(\s*/?\s*article)`)

// messages lays out a request: system prompt, then the article, then the
// task. The first two are the same for every request about an article, so
// they form the prefix prompt caching reuses. Article tags inside the text
// are defused ("</article>" becomes "[/article>"), so the text cannot close
// its delimiter and speak as the user.
func (c *Client) messages(text, task string) []openai.ChatCompletionMessage {
	return []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: c.texts.system},
		{Role: openai.ChatMessageRoleUser, Content: "<article>\n" + delimRe.ReplaceAllString(text, "[$1") + "\n</article>"},
		{Role: openai.ChatMessageRoleUser, Content: task},
	}
}

// check reads an answer: its fields, its text, the problems to send back and
// any refusal.
func (c *Client) check(resp openai.ChatCompletionResponse, j job, h *haystack) (f Fields, content string, problems []string, refusal string) {
	if len(resp.Choices) == 0 {
		return f, "", []string{"the reply held no answer"}, ""
	}
	ch := resp.Choices[0]
	content = ch.Message.Content
	switch {
	case ch.Message.Refusal != "":
		return f, content, nil, ch.Message.Refusal
	case ch.FinishReason == openai.FinishReasonContentFilter:
		return f, content, nil, "stopped by the content filter"
	case ch.FinishReason == openai.FinishReasonLength:
		return f, content, []string{"the answer was cut off at the length limit: keep every value shorter"}, ""
	}
	f, problems = decode(content, j.mods)
	if len(problems) == 0 {
		for _, m := range j.mods {
			problems = append(problems, m.validate(f, h)...)
		}
	}
	return f, content, problems, ""
}

const maxRepairProblems = 12

func (c *Client) repairText(problems []string) string {
	if len(problems) > maxRepairProblems {
		problems = append(problems[:maxRepairProblems:maxRepairProblems], fmt.Sprintf("and %d more", len(problems)-maxRepairProblems))
	}
	return strings.ReplaceAll(c.texts.repair, "{{problems}}", "- "+strings.Join(problems, "\n- "))
}

// summarize joins the first n problems for a one-line message.
func summarize(problems []string, n int) string {
	if len(problems) <= n {
		return strings.Join(problems, "; ")
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(problems[:n], "; "), len(problems)-n)
}

// messageTokens estimates the prompt tokens of a request's messages, as the
// tokens_per_minute limit counts them.
func messageTokens(msgs []openai.ChatCompletionMessage) int {
	n := 3
	for _, m := range msgs {
		n += EstimateTokens(m.Content) + 3
	}
	return n
}
