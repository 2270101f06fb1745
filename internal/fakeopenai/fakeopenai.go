// Package fakeopenai is a fake OpenAI-compatible server for tests: it speaks
// the wire format of POST /v1/chat/completions, answers with scripted
// replies or, by default, with a valid digest answer built from the article
// it is sent, and records every request.
//
//	s := fakeopenai.New(t, nil)                            // valid answers
//	s.Push(fakeopenai.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}})
//	c, _ := prompt.NewClient(prompt.Config{BaseURL: s.URL(), Model: "m"})
//	... c.Generate(ctx, article) ...
//	s.Count(), s.Requests()[0].System(), ...
//
// It counts prompt tokens with prompt.EstimateTokens: 3 per message and 3 for
// the reply as OpenAI documents, plus the json_schema when one is sent (OpenAI
// bills it as prompt). A request whose leading messages repeat those of an
// earlier request gets them as cached_tokens when they make 1024 tokens or
// more, as OpenAI's prompt caching does.
package fakeopenai

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
)

// Message is one chat message of a request.
type Message struct {
	Role    string
	Content string
}

// Request is a request the server received, parsed.
type Request struct {
	Model    string
	Messages []Message
	// ResponseFormat is the response_format type: "", "json_object" or
	// "json_schema"; SchemaName, Schema and Strict come with json_schema.
	ResponseFormat string
	SchemaName     string
	Schema         json.RawMessage
	Strict         bool
	Temperature    *float64
	// Authorization is the Authorization header as sent, "" when absent.
	Authorization string
	Header        http.Header
	Body          []byte
}

// System returns the content of the first system message.
func (r Request) System() string {
	for _, m := range r.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

// Last returns the content of the last message.
func (r Request) Last() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Content
}

// Article returns the text between "<article>" and "</article>" in the first
// user message holding them, trimmed; "" when there is none.
func (r Request) Article() string {
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		i := strings.Index(m.Content, "<article>")
		j := strings.LastIndex(m.Content, "</article>")
		if i >= 0 && j > i {
			return strings.TrimSpace(m.Content[i+len("<article>") : j])
		}
	}
	return ""
}

var shapeRe = regexp.MustCompile(`(?m)^\{.*\}$`)

// Keys returns the answer's keys the request asks for: the properties of
// its json_schema, else those of a JSON shape line in its last user
// message; nil when it names none.
func (r Request) Keys() []string {
	var obj json.RawMessage
	if r.ResponseFormat == "json_schema" {
		var s struct {
			Properties json.RawMessage `json:"properties"`
		}
		if json.Unmarshal(r.Schema, &s) == nil {
			obj = s.Properties
		}
	} else {
		for i := len(r.Messages) - 1; i >= 0 && obj == nil; i-- {
			if r.Messages[i].Role == "user" {
				if m := shapeRe.FindAllString(r.Messages[i].Content, -1); len(m) > 0 {
					obj = json.RawMessage(m[len(m)-1])
				}
			}
		}
	}
	return objectKeys(obj)
}

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(obj json.RawMessage) []string {
	if len(obj) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// Reply is one scripted answer. The zero Reply is the default: a valid
// digest answer for the request (see Answer).
type Reply struct {
	Status       int               // HTTP status; 0 is 200
	Header       map[string]string // extra response headers, e.g. "Retry-After"
	Content      string            // the message content; "" is the default answer
	Refusal      string            // message.refusal; the content is then null
	FinishReason string            // "" is "stop"
	NoChoices    bool              // answer with an empty choices list
	// Raw, when set, is the whole response body, sent as is.
	Raw string
	// ErrMessage, ErrType and ErrCode fill OpenAI's error envelope for a
	// Status of 400 or more; they default from the status.
	ErrMessage, ErrType, ErrCode string
	// Delay holds the answer back (until the client gives up, if sooner).
	Delay time.Duration
	// Reset sends the headers and part of the body, then drops the connection.
	Reset bool
	// Token counts reported in usage; 0 means computed.
	PromptTokens, CompletionTokens, CachedTokens int
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	srv     *httptest.Server
	handler func(Request) Reply
	mu      sync.Mutex
	queue   []Reply
	reqs    []Request
	seen    map[[32]byte]bool // message prefixes of earlier requests
}

// New starts a fake server closed when the test ends. Each request is
// answered by the next pushed Reply, else by handler (nil answers the
// default), and a zero Reply from either is the default answer.
func New(t testing.TB, handler func(req Request) Reply) *Server {
	s := &Server{handler: handler, seen: map[[32]byte]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the base URL to configure a client with, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Push queues replies for the next requests, in order.
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	s.queue = append(s.queue, r...)
	s.mu.Unlock()
}

// Requests returns the chat completion requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Count returns how many chat completion requests arrived.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// wire is the request body as OpenAI defines it.
type wire struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Temperature    *float64 `json:"temperature"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, Reply{Status: http.StatusNotFound, ErrMessage: "Unknown request URL: " + r.Method + " " + r.URL.Path})
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in wire
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, Reply{Status: http.StatusBadRequest, ErrMessage: "We could not parse the JSON body of your request: " + err.Error()})
		return
	}
	req := Request{Model: in.Model, Temperature: in.Temperature, Authorization: r.Header.Get("Authorization"),
		Header: r.Header.Clone(), Body: body}
	for _, m := range in.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: content(m.Content)})
	}
	if f := in.ResponseFormat; f != nil {
		req.ResponseFormat = f.Type
		if f.JSONSchema != nil {
			req.SchemaName, req.Schema, req.Strict = f.JSONSchema.Name, f.JSONSchema.Schema, f.JSONSchema.Strict
		}
	}

	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	n := len(s.reqs)
	var rep Reply
	scripted := len(s.queue) > 0
	if scripted {
		rep, s.queue = s.queue[0], s.queue[1:]
	}
	prompt, cached := s.promptTokens(req)
	s.mu.Unlock()
	if !scripted && s.handler != nil {
		rep = s.handler(req)
	}

	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	switch {
	case rep.Reset:
		reset(w)
	case rep.Raw != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(max(rep.Status, http.StatusOK))
		io.WriteString(w, rep.Raw)
	case rep.Status >= 400:
		writeError(w, rep)
	default:
		writeCompletion(w, req, rep, n, prompt, cached)
	}
}

// content reads a message content: a string, or an array of text parts.
func content(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// promptTokens counts the request's prompt and the part of it an earlier
// request's prefix would have cached. s.mu is held.
func (s *Server) promptTokens(req Request) (total, cached int) {
	total = 3
	h := sha256.New()
	for _, m := range req.Messages {
		total += 3 + prompt.EstimateTokens(m.Content)
		fmt.Fprintf(h, "%s\x00%d\x00%s", m.Role, len(m.Content), m.Content)
		var key [32]byte
		copy(key[:], h.Sum(nil))
		if s.seen[key] {
			cached = total - 3
		}
		s.seen[key] = true
	}
	if req.ResponseFormat == "json_schema" {
		total += prompt.EstimateTokens(string(req.Schema))
	}
	if cached < 1024 {
		cached = 0
	}
	return total, cached
}

func writeCompletion(w http.ResponseWriter, req Request, rep Reply, n, promptTok, cached int) {
	msg := map[string]any{"role": "assistant", "content": nil, "refusal": nil}
	text := ""
	switch {
	case rep.Refusal != "":
		msg["refusal"], text = rep.Refusal, rep.Refusal
	case rep.Content != "":
		msg["content"], text = rep.Content, rep.Content
	default:
		text = Answer(req)
		msg["content"] = text
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	choices := []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": finish}}
	if rep.NoChoices {
		choices = []any{}
	}
	completion := prompt.EstimateTokens(text)
	if rep.PromptTokens > 0 {
		promptTok = rep.PromptTokens
	}
	if rep.CompletionTokens > 0 {
		completion = rep.CompletionTokens
	}
	if rep.CachedTokens > 0 {
		cached = rep.CachedTokens
	}
	model := req.Model
	if model == "" {
		model = "fake-model"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(max(rep.Status, http.StatusOK))
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake%d", n),
		"object":  "chat.completion",
		"created": 1700000000 + n,
		"model":   model,
		"choices": choices,
		"usage": map[string]any{
			"prompt_tokens":         promptTok,
			"completion_tokens":     completion,
			"total_tokens":          promptTok + completion,
			"prompt_tokens_details": map[string]any{"cached_tokens": cached},
		},
		"system_fingerprint": "fp_fake",
	})
}

// writeError writes OpenAI's error envelope.
func writeError(w http.ResponseWriter, rep Reply) {
	msg, typ, code := rep.ErrMessage, rep.ErrType, any(rep.ErrCode)
	if msg == "" {
		msg = http.StatusText(rep.Status)
	}
	if typ == "" {
		switch {
		case rep.Status == http.StatusTooManyRequests:
			typ = "requests"
		case rep.Status >= 500:
			typ = "server_error"
		default:
			typ = "invalid_request_error"
		}
	}
	if rep.ErrCode == "" {
		code = map[int]any{401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}[rep.Status]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code},
	})
}

// reset promises a body, sends a piece of it and hangs up.
func reset(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("fakeopenai: cannot hijack: " + err.Error())
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"id\":\"chatcmpl-")
	buf.Flush()
	conn.Close()
}

// Answer is the default reply content: ValidFields of the request's
// article, as a JSON object holding the keys the request asks for (all of
// them when it names none).
func Answer(req Request) string {
	f := ValidFields(req.Article())
	b, _ := json.Marshal(f)
	var all map[string]json.RawMessage
	_ = json.Unmarshal(b, &all)
	keys := req.Keys()
	if len(keys) == 0 {
		keys = []string{"headline", "summary", "keywords", "themes", "signals"}
	}
	var out strings.Builder
	out.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		v := all[k]
		if v == nil {
			v = json.RawMessage("null")
		}
		out.Write(kb)
		out.WriteByte(':')
		out.Write(v)
	}
	out.WriteByte('}')
	return out.String()
}

var wordRe = regexp.MustCompile(`\p{L}+`)

// ValidFields builds Fields that pass prompt.Validate for an article whose
// text contains article: bland prose around words of the article, and
// evidence quotes copied from its first and last paragraphs. Paragraphs
// holding "[" (the cut marker, defused tags) are not quoted.
func ValidFields(article string) prompt.Fields {
	var quotable [][]string
	for _, p := range strings.Split(article, "\n\n") {
		if w := strings.Fields(p); len(w) >= 3 && !strings.Contains(p, "[") {
			quotable = append(quotable, w)
		}
	}
	quote := func(words []string, from int) string {
		from = max(min(from, len(words)-8), 0)
		return strings.Join(words[from:min(from+8, len(words))], " ")
	}
	var ev1, ev2 string
	if len(quotable) > 0 {
		first, last := quotable[0], quotable[len(quotable)-1]
		ev1, ev2 = quote(first, 0), quote(last, len(last))
		if ev2 == ev1 {
			ev2 = quote(first, 1)
		}
	}

	words := wordRe.FindAllString(article, -1)
	opening := strings.Join(words[:min(6, len(words))], " ")
	if r := []rune(opening); len(r) > 60 {
		opening = string(r[:60])
	}
	var keywords []string
	seen := map[string]bool{}
	for _, w := range words {
		if k := strings.ToLower(w); len([]rune(w)) >= 5 && !seen[k] && len(keywords) < 8 {
			seen[k] = true
			keywords = append(keywords, w)
		}
	}
	for i := 1; len(keywords) < 5; i++ {
		keywords = append(keywords, fmt.Sprintf("placeholder keyword %d", i))
	}
	return prompt.Fields{
		Headline: "Fake model reports on " + opening,
		Summary: fmt.Sprintf("This summary was written by a fake model. The article opens with the words %s and runs to %d words. Its evidence quotes are real.",
			opening, len(words)),
		Keywords: keywords,
		Themes:   []string{"technology and society", "testing"},
		Signals: []render.Signal{
			{Signal: "First signal of the article", Change: "Something changes", Horizon: "It spreads within ten years",
				Force: "Demand for it", Evidence: ev1},
			{Signal: "Second signal of the article", Change: "Something else changes", Horizon: "It becomes common",
				Force: "Cost pressure", Evidence: ev2},
		},
	}
}
