package prompt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/digest-tool/digest/render"
)

func TestEstimateTokens(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"word", 2},                   // 1 word → ceil(4/3)
		{"The quick brown fox.", 6},   // 4 words → 6 > 20/4
		{strings.Repeat("a", 40), 10}, // one long word: characters win
		{"人工智能正在改变世界", 14},            // 10 ideographs → ceil(40/3)
		{`{"type":"string"}`, 5},      // punctuation: characters win
		{strings.Repeat("word ", 300), 400},
	} {
		if got := EstimateTokens(tc.s); got != tc.want {
			t.Errorf("EstimateTokens(%.20q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestCutTextKeepsHeadAndTailParagraphs(t *testing.T) {
	var paras []string
	for i := range 40 {
		paras = append(paras, fmt.Sprintf("Paragraph %d says something about the subject in a dozen words or so.", i))
	}
	text := strings.Join(paras, "\n\n")
	got, cut := cutText(text, 200)
	if !cut {
		t.Fatal("not cut")
	}
	if n := EstimateTokens(got); n > 200 {
		t.Errorf("cut text has %d tokens, budget 200", n)
	}
	out := strings.Split(got, "\n\n")
	if out[0] != paras[0] || out[len(out)-1] != paras[39] {
		t.Errorf("head or tail lost: %q … %q", out[0], out[len(out)-1])
	}
	marker := 0
	for _, p := range out {
		if p == cutMarker {
			marker++
			continue
		}
		if !strings.Contains(text, p) || !strings.HasPrefix(p, "Paragraph ") {
			t.Errorf("paragraph cut inside: %q", p)
		}
	}
	if marker != 1 {
		t.Errorf("%d cut markers, want 1:\n%s", marker, got)
	}
	if same, cut := cutText(text, 100000); cut || same != text {
		t.Error("text within budget changed")
	}
}

func TestCutTextWithoutParagraphs(t *testing.T) {
	text := strings.TrimSpace(strings.Repeat("word ", 2000))
	got, cut := cutText(text, 300)
	if !cut || EstimateTokens(got) > 300 || !strings.HasPrefix(got, "word word") || !strings.HasSuffix(got, "word word") {
		t.Errorf("cut=%v, %d tokens: %.60q", cut, EstimateTokens(got), got)
	}
}

func validFields() Fields {
	return Fields{
		Headline: "Zoom Lets Its AI Train on Customer Data",
		Summary:  "Zoom changed its terms. The U.S. company may now train AI on service data. Users must consent first.",
		Keywords: []string{"Zoom", "terms of service", "AI models", "consent", "customer data"},
		Themes:   []string{"AI and data", "privacy"},
		Signals: []render.Signal{
			{Signal: "Zoom trains AI on data", Change: "Data use grows", Horizon: "Consent becomes routine", Force: "AI race",
				Evidence: "Zoom may use “service generated data” for training"},
			{Signal: "Consent forms spread", Change: "Users opt in", Horizon: "Standard consent flows", Force: "Regulation",
				Evidence: "users  must sign a consent form"},
		},
	}
}

const validText = "Zoom may use \"service generated data\" for training.\n\nTo enable the features, users must\nsign a consent form."

func TestValidate(t *testing.T) {
	if p := Validate(validFields(), validText); len(p) != 0 {
		t.Fatalf("valid fields rejected: %q", p)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Fields)
		wants string
	}{
		{"empty headline", func(f *Fields) { f.Headline = " " }, "headline: empty"},
		{"markdown headline", func(f *Fields) { f.Headline = "**Zoom**" }, `headline: contains markup "**"`},
		{"html summary", func(f *Fields) { f.Summary = "One. Two <b>bold</b>. Three." }, `summary: contains markup "<b>"`},
		{"two sentences", func(f *Fields) { f.Summary = "One sentence here. And Another one." }, "summary: 2 sentences, want 3 to 5"},
		{"newline", func(f *Fields) { f.Summary = "One.\nTwo. Three." }, "summary: contains a line break"},
		{"one keyword", func(f *Fields) { f.Keywords = []string{"Zoom"} }, "keywords: 1 item, want 5 to 12"},
		{"duplicate keyword", func(f *Fields) { f.Keywords[4] = "ai MODELS" }, `keywords[4]: repeats keywords[2] "ai MODELS"`},
		{"list marker", func(f *Fields) { f.Themes[0] = "- privacy" }, `themes[0]: contains markup "-"`},
		{"pipe in cell", func(f *Fields) { f.Signals[0].Change = "a | b" }, `signals[0].change: contains "|"`},
		{"one signal", func(f *Fields) { f.Signals = f.Signals[:1] }, "signals: 1 row, want 2 to 6"},
		{"invented evidence", func(f *Fields) { f.Signals[1].Evidence = "Zoom sells all the data" },
			`signals[1].evidence: not found in the article: "Zoom sells all the data"`},
		{"empty evidence", func(f *Fields) { f.Signals[0].Evidence = "" }, "signals[0].evidence: empty"},
	} {
		f := validFields()
		tc.edit(&f)
		p := Validate(f, validText)
		if !contains(p, tc.wants) {
			t.Errorf("%s: problems %q, want %q", tc.name, p, tc.wants)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCountSentences(t *testing.T) {
	for s, want := range map[string]int{
		"One. Two! Three?":                       3,
		"Dr. Smith went to the U.S. Army. Then.": 2,
		"Prices rose 2.5 percent. E.g. Apple.":   2,
		"No end punctuation":                     1,
		`He said "stop." Then he left.`:          2,
		"人工智能发展迅速。监管随之而来！未来如何？":                  3,
	} {
		if got := countSentences(s); got != want {
			t.Errorf("countSentences(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestExtractJSON(t *testing.T) {
	for _, in := range []string{
		`{"a":1}`,
		"Sure! Here it is:\n```json\n{\"a\":1}\n```\nHope that helps.",
		"```\n{\"a\":1}\n```",
		`The answer is {"a":1} as requested.`,
		"<think>maybe {\"a\":2}? no</think>\n{\"a\":1}",
		`prose {not json} then {"a":1}`,
	} {
		b, err := extractJSON(in)
		if err != nil || string(b) != `{"a":1}` {
			t.Errorf("extractJSON(%q) = %s, %v", in, b, err)
		}
	}
	for in, want := range map[string]string{
		"":                       "the answer is empty",
		"no json here":           "the answer holds no JSON object",
		`{"a": 1, "b": [1, 2}`:   "the answer is not valid JSON",
		"{\"a\": \"unterminated": "the answer is not valid JSON",
	} {
		if _, err := extractJSON(in); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("extractJSON(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	for n := range 8 {
		d := backoffDelay(n)
		top := min(time.Second<<n, 30*time.Second)
		if d < top/2 || d > top {
			t.Errorf("backoffDelay(%d) = %v, want within [%v, %v]", n, d, top/2, top)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pass@example.com/v1/chat/completions":              "https://***@example.com/v1/chat/completions",
		"https://example.com/v1?api-key=abc&api-version=2024-06-01":      "https://example.com/v1?api-key=***&api-version=2024-06-01",
		"https://example.com/a?x=sk0123456789abcdefghij0123&page=2#top":  "https://example.com/a?x=***&page=2#top",
		"http://localhost:11434/v1/chat/completions":                     "http://localhost:11434/v1/chat/completions",
		"https://example.com/openai/deployments/gpt-4o/chat/completions": "https://example.com/openai/deployments/gpt-4o/chat/completions",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShrinkFactor(t *testing.T) {
	for msg, want := range map[string]float64{
		"This model's maximum context length is 8192 tokens. However, your messages resulted in 16384 tokens.": 0.45,
		"the request exceeds the available context size":                                                       0.6,
		"This model's maximum context length is 1000 tokens. However, you requested 100000 tokens":             0.2,
	} {
		if got := shrinkFactor(msg); fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", want) {
			t.Errorf("shrinkFactor(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestCostAndSummary(t *testing.T) {
	u := Usage{PromptTokens: 3412, CachedTokens: 1024, CompletionTokens: 312, Requests: 1}
	p := Prices{Input: 0.15, CachedInput: 0.075, Output: 0.60}
	cost, ok := u.Cost(p)
	want := (2388*0.15 + 1024*0.075 + 312*0.60) / 1e6
	if !ok || fmt.Sprintf("%.10f", cost) != fmt.Sprintf("%.10f", want) {
		t.Errorf("Cost = %v, %v; want %v", cost, ok, want)
	}
	if _, ok := u.Cost(Prices{}); ok {
		t.Error("Cost with no prices reports ok")
	}
	if c, _ := u.Cost(Prices{Input: 1}); fmt.Sprintf("%.6f", c) != "0.003412" {
		t.Errorf("cached tokens without a cached price: %v", c)
	}
	for _, tc := range []struct {
		r    Result
		p    *Prices
		want string
	}{
		{Result{Model: "gpt-4o-mini", Usage: u}, &p,
			"gpt-4o-mini: 1 request, 3,412 prompt (1,024 cached) + 312 completion tokens, $0.0006"},
		{Result{Model: "m", Usage: Usage{PromptTokens: 1234567, CompletionTokens: 5, Requests: 3, Retries: 2}, InputCut: true}, nil,
			"m: 3 requests (2 retries), 1,234,567 prompt + 5 completion tokens, article cut to fit"},
		{Result{Model: "m", Cached: true}, &p, "m: from the cache, no request"},
		{Result{Engine: "offline"}, nil, "offline: no model request"},
	} {
		if got := Summary(tc.r, tc.p); got != tc.want {
			t.Errorf("Summary = %q\nwant      %q", got, tc.want)
		}
	}
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Model: "m", Structured: "xml"},
		{Model: "m", Temperature: 3},
		{Model: "m", BaseURL: "ftp://example.com"},
		{Model: "m", MaxRetries: -1},
		{Model: "m", PromptDir: "/nonexistent"}, // fine: falls back to embedded
	} {
		_, err := NewClient(cfg)
		if (err == nil) != (cfg.PromptDir != "") {
			t.Errorf("NewClient(%+v) error = %v", cfg, err)
		}
	}
}
