package closest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk-test-0123456789abcdef"

// fakeOpenAI is a /v1/embeddings endpoint speaking OpenAI's wire format.
// Its answers are scripted: each failure in fail is served once, in order,
// before it embeds the input as a bag of words.
type fakeOpenAI struct {
	t    *testing.T
	mu   sync.Mutex
	fail []fakeFailure
	// refuseAt, if set, is the number of the request (from 1) answered 401,
	// once.
	refuseAt int
	reqs     []embeddingRequest
	auth     []string
}

type fakeFailure struct {
	status int
	header map[string]string
	body   string
}

type embeddingRequest struct {
	Input      []string `json:"input"`
	Model      string   `json:"model"`
	Dimensions int      `json:"dimensions"`
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		f.t.Errorf("request %s %s, want POST /v1/embeddings", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	var req embeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	var fail *fakeFailure
	if len(f.fail) > 0 {
		fail = &f.fail[0]
		f.fail = f.fail[1:]
	}
	if len(f.reqs) == f.refuseAt {
		fail = &fakeFailure{401, nil, `{"error":{"message":"revoked"}}`}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fail != nil {
		for k, v := range fail.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(fail.status)
		w.Write([]byte(fail.body))
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	res := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Model: req.Model}
	dim := 64
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	// Answered in reverse: the client must order by index.
	for i := len(req.Input) - 1; i >= 0; i-- {
		res.Data = append(res.Data, item{"embedding", i, bagOfWords(req.Input[i], dim)})
		res.Usage.PromptTokens += len(strings.Fields(req.Input[i]))
	}
	res.Usage.TotalTokens = res.Usage.PromptTokens
	json.NewEncoder(w).Encode(res)
}

func newFake(t *testing.T, fail ...fakeFailure) (*fakeOpenAI, *OpenAI, *[]time.Duration) {
	f := &fakeOpenAI{t: t, fail: fail}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var slept []time.Duration
	o := NewOpenAI(OpenAIConfig{
		BaseURL:    srv.URL + "/v1/",
		APIKey:     testKey,
		MaxRetries: 4,
		HTTPClient: srv.Client(),
		Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		},
	})
	return f, o, &slept
}

func TestOpenAIEngineOrder(t *testing.T) {
	f, o, _ := newFake(t)
	e := NewEmbeddings(o, o.Model())
	if e.Model() != DefaultEmbeddingModel {
		t.Errorf("model = %q, want %q", e.Model(), DefaultEmbeddingModel)
	}
	docs := archive()
	x := buildIndex(t, e, docs)
	if len(f.reqs) != 1 || len(f.reqs[0].Input) != len(docs) || f.reqs[0].Model != DefaultEmbeddingModel {
		t.Fatalf("requests = %+v, want one with all %d texts", f.reqs, len(docs))
	}
	if f.auth[0] != "Bearer "+testKey {
		t.Errorf("Authorization = %q", f.auth[0])
	}
	for _, d := range docs {
		ms, err := x.Closest(context.Background(), d, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkList(t, d, ms, MaxClosest, 0)
		switch d.ID {
		case "zoom", "zoom2":
			want := map[string]string{"zoom": "zoom2", "zoom2": "zoom"}[d.ID]
			if len(ms) < 2 || ms[0].ID != want || ms[1].ID != "saas" {
				t.Errorf("closest to %s = %v, want %s then saas", d.ID, ids(ms), want)
			}
		}
	}
	if len(f.reqs) != 1 {
		t.Errorf("%d requests; queries of indexed entries must not embed again", len(f.reqs))
	}
	// A draft not in the index is embedded on the way.
	draft := docs[0]
	draft.ID = "draft"
	draft.CanonicalURL = "https://example.com/draft"
	ms, err := x.Closest(context.Background(), draft, 1, 0)
	if err != nil || len(ms) != 1 || ms[0].ID != "zoom" {
		t.Errorf("closest to a copy of zoom = %v, %v; want zoom", ms, err)
	}
	if len(f.reqs) != 2 || len(f.reqs[1].Input) != 1 {
		t.Errorf("requests = %d, want one more with one text", len(f.reqs))
	}
}

func TestOpenAIBatchesAndDimensions(t *testing.T) {
	f, o, _ := newFake(t)
	o.cfg.BatchSize = 2
	o.cfg.Dimensions = 16
	if o.Model() != DefaultEmbeddingModel+"@16" {
		t.Errorf("Model = %q", o.Model())
	}
	vs, err := o.Embed(context.Background(), []string{"one", "two", "three", "four", ""})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range f.reqs {
		sizes = append(sizes, len(r.Input))
		if r.Dimensions != 16 {
			t.Errorf("dimensions = %d, want 16", r.Dimensions)
		}
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Errorf("batches = %v, want [2 2 1]", sizes)
	}
	if len(vs) != 5 || len(vs[0]) != 16 {
		t.Fatalf("%d vectors", len(vs))
	}
	// The server answers in reverse; the vectors come back in input order.
	if want := bagOfWords("three", 16); !slices.Equal(vs[2], want) {
		t.Errorf("vector 2 = %v, want %v", vs[2], want)
	}
}

func TestOpenAIRetries(t *testing.T) {
	rateLimited := fakeFailure{429, map[string]string{"Retry-After": "7"},
		`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`}
	serverError := fakeFailure{500, nil, `{"error":{"message":"The server had an error","type":"server_error"}}`}
	badGateway := fakeFailure{502, nil, `<html>Bad Gateway</html>`}
	cases := []struct {
		name     string
		fail     []fakeFailure
		requests int
		slept    []time.Duration
		err      string
		auth     bool // wraps ErrAuth
	}{
		{"ok", nil, 1, nil, "", false},
		{"429 waits Retry-After", []fakeFailure{rateLimited}, 2, []time.Duration{7 * time.Second}, "", false},
		{"429 with retry-after-ms", []fakeFailure{{429, map[string]string{"retry-after-ms": "1500"}, `{"error":{"message":"slow down"}}`}},
			2, []time.Duration{1500 * time.Millisecond}, "", false},
		{"429 without a header backs off", []fakeFailure{{429, nil, `{"error":{"message":"slow down"}}`}, {429, nil, `{}`}},
			3, []time.Duration{time.Second, 2 * time.Second}, "", false},
		{"500 then success", []fakeFailure{serverError}, 2, []time.Duration{time.Second}, "", false},
		{"502 html then success", []fakeFailure{badGateway}, 2, []time.Duration{time.Second}, "", false},
		{"malformed answer retried", []fakeFailure{{200, nil, `{"object":"list","data":[`}}, 2, []time.Duration{time.Second}, "", false},
		{"500 until out of retries", []fakeFailure{serverError, serverError, serverError, serverError, serverError, serverError},
			5, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, "500 server error: The server had an error (gave up after 5 attempts)", false},
		{"401 not retried", []fakeFailure{{401, nil, `{"error":{"message":"Incorrect API key provided: ` + testKey + `","type":"invalid_request_error","code":"invalid_api_key"}}`}},
			1, nil, "401 Unauthorized: authentication failed; check the API key", true},
		{"403 not retried", []fakeFailure{{403, nil, `{"error":{"message":"forbidden ` + testKey + `"}}`}}, 1, nil, "403 Forbidden", true},
		{"quota not retried", []fakeFailure{{429, nil, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`}},
			1, nil, "quota exhausted", false},
		{"400 not retried, key redacted", []fakeFailure{{400, nil, `{"error":{"message":"bad input near ` + testKey + `"}}`}}, 1, nil, "400: bad input near [key]", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, o, slept := newFake(t, c.fail...)
			vs, err := o.Embed(context.Background(), []string{"alpha beta", "gamma"})
			if len(f.reqs) != c.requests {
				t.Errorf("%d requests, want %d", len(f.reqs), c.requests)
			}
			if !slices.Equal(*slept, c.slept) {
				t.Errorf("slept %v, want %v", *slept, c.slept)
			}
			if c.err == "" {
				if err != nil || len(vs) != 2 {
					t.Fatalf("Embed = %d vectors, %v", len(vs), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error = %v, want one with %q", err, c.err)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), testKey[:12]) {
				t.Errorf("the key is in the error: %v", err)
			}
			if errors.Is(err, ErrAuth) != c.auth {
				t.Errorf("errors.Is(err, ErrAuth) = %v for %v", !c.auth, err)
			}
		})
	}
}

func TestOpenAICancelledWhileWaiting(t *testing.T) {
	f, o, _ := newFake(t, fakeFailure{500, nil, `{"error":{"message":"down"}}`})
	ctx, cancel := context.WithCancel(context.Background())
	o.cfg.Sleep = func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}
	if _, err := o.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if len(f.reqs) != 1 {
		t.Errorf("%d requests, want 1", len(f.reqs))
	}
}

// TestIndexKeepsPaidBatches: when a later batch fails, the entries embedded
// before it stay indexed, and the next attempt embeds only the rest.
func TestIndexKeepsPaidBatches(t *testing.T) {
	var docs []Doc
	for i := range 150 {
		d := archive()[i%6]
		d.ID = fmt.Sprintf("e%03d", i)
		d.CanonicalURL = "https://example.com/" + d.ID
		d.Entry.Summary += " " + d.ID
		docs = append(docs, d)
	}
	f, o, _ := newFake(t)
	f.refuseAt = 2 // the first batch of 64 is embedded, the second refused
	x := buildIndex(t, NewEmbeddings(o, o.Model()), nil)
	st, err := x.Add(context.Background(), docs...)
	if !errors.Is(err, ErrAuth) || st.Added != 64 || x.Len() != 64 {
		t.Fatalf("Add = %+v, %v, Len %d; want 64 added then an auth error", st, err, x.Len())
	}
	st, err = x.Sync(context.Background(), docs)
	if err != nil || st.Unchanged != 64 || st.Added != 86 || st.Encoded != 86 {
		t.Errorf("second try = %+v, %v; want the other 86 embedded", st, err)
	}
}
