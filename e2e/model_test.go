package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/internal/testpages"
)

// step answers one model request.
type step func(req fakeopenai.Request) fakeopenai.Reply

func reply(r fakeopenai.Reply) step { return func(fakeopenai.Request) fakeopenai.Reply { return r } }

// hugeBody is a 50 MB chat completion: one answer whose content is 50 MB
// of text, well-formed JSON from end to end.
var hugeBody = sync.OnceValue(func() string {
	return `{"id":"chatcmpl-huge","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		strings.Repeat("grid batteries ", 50<<20/15) + `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`
})

// The model server faults, each as one answer.
var (
	rateLimited     = reply(fakeopenai.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}, ErrMessage: "Rate limit reached for gpt-4o-mini"})
	rateLimitedBare = reply(fakeopenai.Reply{Status: 429, ErrMessage: "Rate limit reached"})
	rateLimitedDay  = reply(fakeopenai.Reply{Status: 429, Header: map[string]string{"Retry-After": "86400"}, ErrMessage: "Rate limit reached for requests per day"})
	outOfQuota      = reply(fakeopenai.Reply{Status: 429, ErrCode: "insufficient_quota", ErrMessage: "You exceeded your current quota"})
	status500       = reply(fakeopenai.Reply{Status: 500, ErrMessage: "The server had an error while processing your request"})
	status502       = reply(fakeopenai.Reply{Status: 502, Raw: "<html><body><h1>502 Bad Gateway</h1></body></html>"})
	status503       = reply(fakeopenai.Reply{Status: 503, ErrMessage: "The engine is currently overloaded"})
	hung            = reply(fakeopenai.Reply{Delay: time.Hour}) // held until the client gives up
	resetMidBody    = reply(fakeopenai.Reply{Reset: true})
	malformed       = reply(fakeopenai.Reply{Content: `{"headline": "Battery storage overtakes gas peakers", "summary": "Utilities`})
	truncated       = reply(fakeopenai.Reply{Content: `{"headline":"Battery storage overtakes`, FinishReason: "length"})
	schemaViolation = reply(fakeopenai.Reply{Content: `{"headline":42,"summary":["one"],"keywords":"grid","themes":null,"signals":{"a":1}}`})
	noChoices       = reply(fakeopenai.Reply{NoChoices: true})
	refusal         = reply(fakeopenai.Reply{Refusal: "I'm sorry, I can't help with that."})
	unauthorized    = reply(fakeopenai.Reply{Status: 401, ErrCode: "invalid_api_key", ErrMessage: "Incorrect API key provided: " + sentinelKey + ". You can find your API key at https://platform.openai.com/account/api-keys."})
	forbidden       = reply(fakeopenai.Reply{Status: 403, ErrMessage: "Project does not have access to model gpt-4o-mini"})
	notFound        = reply(fakeopenai.Reply{Status: 404, ErrMessage: "The model `gpt-4o-mini` does not exist"})
	htmlOK          = reply(fakeopenai.Reply{Raw: "<!DOCTYPE html><html><body>Please log in to the proxy</body></html>"})
	huge            = func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Raw: hugeBody()} }
	fenced          = func(req fakeopenai.Request) fakeopenai.Reply {
		return fakeopenai.Reply{Content: "Sure! Here is the entry:\n\n```json\n" + fakeopenai.Answer(req) + "\n```\n\nLet me know if you need changes."}
	}
)

// script answers requests with its steps in order, then with forever when
// set, else with the fake's default valid answer.
type script struct {
	mu      sync.Mutex
	steps   []step
	forever step
}

func (s *script) next(req fakeopenai.Request) fakeopenai.Reply {
	s.mu.Lock()
	var st step
	if len(s.steps) > 0 {
		st, s.steps = s.steps[0], s.steps[1:]
	} else {
		st = s.forever
	}
	s.mu.Unlock()
	if st == nil {
		return fakeopenai.Reply{}
	}
	return st(req)
}

// faultCase is one row of the model fault matrix.
type faultCase struct {
	name    string
	steps   []step
	forever step // every request after steps
	retries int  // model.max_retries; 0 is maxRetries
	code    int
	want    []string // in the one stderr line
	asks    int      // model requests expected; 0 is not checked
	// stops: the error stops a whole batch, by design (a refused key, an
	// empty account), so the case is left out of the batch run.
	stops bool
}

func faultCases() []faultCase {
	return []faultCase{
		// Each fault once, then a valid answer: a valid draft.
		{name: "429 with Retry-After", steps: []step{rateLimited}, asks: 2},
		{name: "429 without Retry-After", steps: []step{rateLimitedBare}, asks: 2},
		{name: "500", steps: []step{status500}, asks: 2},
		{name: "502 with an HTML body", steps: []step{status502}, asks: 2},
		{name: "503", steps: []step{status503}, asks: 2},
		{name: "hung connection", steps: []step{hung}, asks: 2},
		{name: "connection reset mid-body", steps: []step{resetMidBody}, asks: 2},
		{name: "malformed JSON", steps: []step{malformed}, asks: 2},
		{name: "JSON in code fences", forever: fenced, asks: 1},
		{name: "truncated answer", steps: []step{truncated}, asks: 2},
		{name: "schema-violating answer", steps: []step{schemaViolation}, asks: 2},
		{name: "empty choices", steps: []step{noChoices}, asks: 2},
		{name: "50 MB response body", steps: []step{huge}, asks: 2},
		{name: "HTML instead of JSON", steps: []step{htmlOK}, asks: 2},

		// Each fault through every retry: a one-line error, exit 1 (4 for
		// the key), within the timeouts and retries.
		{name: "429 through the retries", forever: rateLimited, code: 1, want: []string{"rate limited", "gave up after 2 retries"}, asks: 3},
		{name: "429 asking for a day", forever: rateLimitedDay, code: 1, want: []string{"rate limited, retry after 24h0m0s"}, asks: 1},
		{name: "429 out of quota", forever: outOfQuota, code: 1, want: []string{"out of quota"}, asks: 1, stops: true},
		{name: "500 through the retries", forever: status500, code: 1, want: []string{"server error", "HTTP 500"}, asks: 3},
		{name: "502 through the retries", forever: status502, code: 1, want: []string{"HTTP 502"}, asks: 3},
		{name: "503 through the retries", forever: status503, code: 1, want: []string{"HTTP 503"}, asks: 3},
		{name: "hung through the retries", forever: hung, code: 1, want: []string{"no answer within 2s"}, asks: 3},
		{name: "reset through the retries", forever: resetMidBody, code: 1, want: []string{"connection lost"}, asks: 3},
		{name: "malformed JSON through the repairs", forever: malformed, code: 1, want: []string{"invalid answer after 2 repair rounds", "not valid JSON"}, asks: 3},
		{name: "truncated through the repairs", forever: truncated, code: 1, want: []string{"invalid answer", "length limit"}, asks: 3},
		{name: "schema violation through the repairs", forever: schemaViolation, code: 1, want: []string{"invalid answer", "wrong type"}, asks: 3},
		{name: "empty choices through the repairs", forever: noChoices, code: 1, want: []string{"invalid answer", "no answer"}, asks: 3},
		{name: "50 MB body through the retries", forever: huge, code: 1, want: []string{"HTTP 200"}, asks: 3},
		{name: "HTML instead of JSON through the retries", forever: htmlOK, code: 1, want: []string{"OpenAI-compatible"}, asks: 3},
		{name: "refusal", forever: refusal, code: 1, want: []string{"refused", "can't help with that"}, asks: 1},
		{name: "401", forever: unauthorized, code: 4, want: []string{"OPENAI_API_KEY", "HTTP 401"}, asks: 1, stops: true},
		{name: "403", forever: forbidden, code: 4, want: []string{"OPENAI_API_KEY", "HTTP 403"}, asks: 1, stops: true},
		{name: "404 unknown model", forever: notFound, code: 1, want: []string{"not found", "HTTP 404"}, asks: 1},

		// Faults mixed in one run.
		{name: "429, 503, reset, then valid", steps: []step{rateLimitedBare, status503, resetMidBody}, retries: 3, asks: 4},
		{name: "hung, malformed, 502, then valid", steps: []step{hung, malformed, status502}, retries: 3, asks: 4},
		{name: "50 MB body, then fenced", steps: []step{huge}, forever: fenced, asks: 2},
		{name: "empty choices, 429, then fenced", steps: []step{noChoices, rateLimited}, forever: fenced, asks: 3},
		{name: "malformed, truncated, schema violation", steps: []step{malformed, truncated, schemaViolation}, code: 1, want: []string{"invalid answer after 2 repair rounds", "wrong type"}, asks: 3},
		{name: "500, hung, reset", steps: []step{status500, hung, resetMidBody}, forever: status500, code: 1, want: []string{"connection lost", "gave up after 2 retries"}, asks: 3},
		{name: "429, 503, then 401", steps: []step{rateLimited, status503}, forever: unauthorized, code: 4, want: []string{"OPENAI_API_KEY", "HTTP 401"}, asks: 3, stops: true},
		{name: "503, then refusal", steps: []step{status503}, forever: refusal, code: 1, want: []string{"refused"}, asks: 2},
	}
}

// bound is the longest a run may take with r retries: every attempt timing
// out, every back-off at its longest (1s doubling), a 1s Retry-After each,
// and room for a slow machine. Only a run that ignores the limits passes it.
func bound(r int) time.Duration {
	return time.Duration(r+1)*(modelTimeout+time.Second) + time.Duration(1<<(r+1))*time.Second + 20*time.Second
}

// runFault runs digest with args in a new workspace against a model server
// scripted by tc, and checks the run ended within the time its timeouts and
// retries allow. It returns the retries in force.
func runFault(t *testing.T, tc faultCase, args ...string) (*workspace, *fakeopenai.Server, result, int) {
	t.Helper()
	sc := &script{steps: tc.steps, forever: tc.forever}
	model := fakeopenai.New(t, sc.next)
	w := newWorkspace(t, model)
	retries := maxRetries
	if tc.retries > 0 {
		retries = tc.retries
		w.env["DIGEST_MODEL_MAX_RETRIES"] = fmt.Sprint(retries)
	}
	r := w.digest(args...)
	if r.elapsed > bound(retries) {
		t.Errorf("took %s, over the %s the limits allow", r.elapsed, bound(retries))
	}
	return w, model, r, retries
}

// TestModelFaults runs `digest new` against each row of the fault matrix:
// every case ends in a valid draft or a one-line error with the documented
// exit code, within the configured timeouts and retries, with no partial
// file, no memory spike and the API key nowhere.
func TestModelFaults(t *testing.T) {
	pages := pageServer(t)
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := pages.URL + "/p/1"
			w, model, r, retries := runFault(t, tc, "new", u, "--json")
			if tc.asks > 0 && model.Count() != tc.asks {
				t.Errorf("%d model requests, want %d", model.Count(), tc.asks)
			}
			if model.Count() > retries+1 {
				t.Errorf("%d model requests with %d retries", model.Count(), retries)
			}
			w.noTemp()
			w.noSecret([]string{sentinelKey}, r.stdout, r.stderr)
			if tc.code != 0 {
				r.failed(t, tc.code, append(tc.want, u, "gpt-4o-mini")...)
				w.noDrafts()
				return
			}
			r.ok(t)
			d := w.oneDraft()
			var out struct {
				ID, Path string
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.ID != d.ID {
				t.Errorf("--json output %q, draft %s", r.stdout, d.ID)
			}
			if d.Engine != "openai" || d.Usage.Requests != model.Count() {
				t.Errorf("engine %q, %d requests recorded, %d made", d.Engine, d.Usage.Requests, model.Count())
			}
		})
	}
}

// TestModelFaultsModules runs the matrix again with --modules: the entry's
// five parts asked in five concurrent requests, the faults landing on
// whichever comes first. Each case ends as in one request (its message may
// come from another part's failure).
func TestModelFaultsModules(t *testing.T) {
	pages := pageServer(t)
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := pages.URL + "/p/2"
			w, model, r, retries := runFault(t, tc, "new", u, "--modules")
			if model.Count() > 5*(retries+1) {
				t.Errorf("%d model requests for 5 parts with %d retries", model.Count(), retries)
			}
			w.noTemp()
			w.noSecret([]string{sentinelKey}, r.stdout, r.stderr)
			code := tc.code
			if tc.forever == nil {
				// Faults given once each land on different parts, each
				// of which is then repaired or retried on its own.
				code = 0
			}
			if code != 0 {
				r.failed(t, code, u, "gpt-4o-mini")
				w.noDrafts()
				return
			}
			r.ok(t)
			w.oneDraft()
		})
	}
}

// TestModelFaultsInOneBatch runs a batch in which every link meets its own
// fault, all at once and sharing the client's rate-limit pause: each link
// ends done or failed as in the single runs, the batch exits 3, and
// nothing hangs or leaks. Links that fail on the server or a rate limit
// through their retries get their one more try after the list, and keep
// failing.
func TestModelFaultsInOneBatch(t *testing.T) {
	pages := pageServer(t)
	var cases []faultCase
	for _, tc := range faultCases() {
		if !tc.stops && tc.retries == 0 {
			cases = append(cases, tc)
		}
	}
	scripts := map[string]*script{}
	var list []string
	for i, tc := range cases {
		scripts[fmt.Sprintf("%03d", i)] = &script{steps: tc.steps, forever: tc.forever}
		list = append(list, fmt.Sprintf("%s/p/%d", pages.URL, i))
	}
	model := fakeopenai.New(t, func(req fakeopenai.Request) fakeopenai.Reply {
		m := testpages.Marker.FindStringSubmatch(req.Article())
		if m == nil {
			return fakeopenai.Reply{Status: 400, ErrMessage: "no marker in the article"}
		}
		return scripts[m[1]].next(req)
	})
	w := newWorkspace(t, model)
	r := w.run(strings.Join(list, "\n")+"\n", "batch", "-", "--json", "-j", "8")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r)
	}
	status := map[int]string{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var res struct {
			Line          int
			Status, Error string
		}
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatalf("not a JSON line %q: %v", l, err)
		}
		status[res.Line] = res.Status
		if res.Status == "failed" && (res.Error == "" || strings.Contains(res.Error, sentinelKey)) {
			t.Errorf("line %d: error %q", res.Line, res.Error)
		}
	}
	good := 0
	for i, tc := range cases {
		want := "done"
		if tc.code != 0 {
			want = "failed"
		} else {
			good++
		}
		if status[i+1] != want {
			t.Errorf("%s (line %d): %s, want %s", tc.name, i+1, status[i+1], want)
		}
	}
	if n := len(w.drafts()); n != good {
		t.Errorf("%d drafts, want %d", n, good)
	}
	w.noTemp()
	w.noSecret([]string{sentinelKey}, r.stdout, r.stderr)
}

// TestBatchStopsOnAccountErrors: a refused key or an empty account stops
// a batch at once, whatever the rest of the list, with the documented exit
// code, no draft or temporary file, and a journal the next run resumes.
func TestBatchStopsOnAccountErrors(t *testing.T) {
	pages := pageServer(t)
	for _, tc := range []struct {
		name  string
		fault step
		code  int
	}{{"401", unauthorized, 4}, {"403", forbidden, 4}, {"out of quota", outOfQuota, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &script{forever: tc.fault}
			model := fakeopenai.New(t, sc.next)
			w := newWorkspace(t, model)
			var list []string
			for i := range 30 {
				list = append(list, fmt.Sprintf("%s/p/%d", pages.URL, i))
			}
			r := w.run(strings.Join(list, "\n")+"\n", "batch", "-", "-j", "2")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			if n := model.Count(); n > 4 {
				t.Errorf("%d model requests: the batch went on after the account error", n)
			}
			w.noDrafts()
			w.noTemp()
			w.noSecret([]string{sentinelKey}, r.stdout, r.stderr)
			// With the account fixed, the same list runs to its end.
			sc.mu.Lock()
			sc.forever = nil
			sc.mu.Unlock()
			w.run(strings.Join(list, "\n")+"\n", "batch", "-", "-j", "2").ok(t)
			if n := len(w.drafts()); n != 30 {
				t.Errorf("%d drafts after the rerun, want 30", n)
			}
			w.noTemp()
		})
	}
}

// TestInterruptNew: Ctrl-C while the model is thinking ends `digest new`
// at once with exit 130 and one line, leaving no draft.
func TestInterruptNew(t *testing.T) {
	pages := pageServer(t)
	asked := make(chan struct{}, 1)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply {
		select {
		case asked <- struct{}{}:
		default:
		}
		return fakeopenai.Reply{Delay: time.Hour}
	})
	w := newWorkspace(t, model)
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := w.command(ctx, "new", pages.URL+"/p/3")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-ctx.Done():
		t.Fatal("the model was never asked")
	}
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130; stderr %q", err, stderr.String())
	}
	if d := time.Since(start); d > modelTimeout {
		t.Errorf("took %s to stop after the interrupt", d)
	}
	if l := strings.TrimSuffix(stderr.String(), "\n"); l == "" || strings.Contains(l, "\n") {
		t.Errorf("stderr is not one line: %q", stderr.String())
	}
	w.noDrafts()
	w.noTemp()
}
