package fakeopenai

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/digest-tool/digest/prompt"
)

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	return resp.StatusCode, v
}

const article = "First paragraph of the article, long enough to quote from.\n\nSecond paragraph, with more words to quote than the first one has."

func body(article, responseFormat string) string {
	msgs, _ := json.Marshal([]map[string]string{
		{"role": "system", "content": "sys"},
		{"role": "user", "content": "<article>\n" + article + "\n</article>"},
		{"role": "user", "content": "task"},
	})
	rf := ""
	if responseFormat != "" {
		rf = `,"response_format":` + responseFormat
	}
	return `{"model":"gpt-test","messages":` + string(msgs) + rf + `}`
}

func TestWireFormat(t *testing.T) {
	s := New(t, nil)
	status, v := post(t, s.URL()+"/chat/completions", body(article, ""))
	if status != 200 || v["object"] != "chat.completion" || v["model"] != "gpt-test" || v["id"] == "" {
		t.Fatalf("status %d body %v", status, v)
	}
	choice := v["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if choice["finish_reason"] != "stop" || msg["role"] != "assistant" || msg["refusal"] != nil {
		t.Errorf("choice %v", choice)
	}
	var f prompt.Fields
	if err := json.Unmarshal([]byte(msg["content"].(string)), &f); err != nil {
		t.Fatal(err)
	}
	if p := prompt.Validate(f, article); len(p) > 0 {
		t.Errorf("default answer invalid: %q", p)
	}
	usage := v["usage"].(map[string]any)
	want := 3 + (3 + prompt.EstimateTokens("sys")) + (3 + prompt.EstimateTokens("<article>\n"+article+"\n</article>")) + (3 + prompt.EstimateTokens("task"))
	if int(usage["prompt_tokens"].(float64)) != want || usage["prompt_tokens_details"].(map[string]any)["cached_tokens"] != 0.0 {
		t.Errorf("usage %v, want %d prompt tokens", usage, want)
	}
	r := s.Requests()[0]
	if s.Count() != 1 || r.Article() != article || r.Authorization != "Bearer k" || r.System() != "sys" || r.Last() != "task" {
		t.Errorf("recorded %+v", r)
	}
}

func TestErrorsAndOtherPaths(t *testing.T) {
	s := New(t, nil)
	if status, v := post(t, s.URL()+"/models", "{}"); status != 404 || v["error"] == nil {
		t.Errorf("other path: %d %v", status, v)
	}
	s.Push(Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}})
	status, v := post(t, s.URL()+"/chat/completions", body(article, ""))
	e := v["error"].(map[string]any)
	if status != 429 || e["code"] != "rate_limit_exceeded" || e["message"] == "" || e["type"] != "requests" {
		t.Errorf("429: %d %v", status, v)
	}
	if _, ok := e["param"]; !ok {
		t.Error("error envelope lacks param")
	}
	s.Push(Reply{Refusal: "I can't"}, Reply{NoChoices: true})
	_, v = post(t, s.URL()+"/chat/completions", body(article, ""))
	msg := v["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if msg["refusal"] != "I can't" || msg["content"] != nil {
		t.Errorf("refusal message %v", msg)
	}
	if _, v = post(t, s.URL()+"/chat/completions", body(article, "")); len(v["choices"].([]any)) != 0 {
		t.Errorf("choices %v", v["choices"])
	}
	s.Push(Reply{Reset: true})
	resp, err := http.Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(body(article, "")))
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("reset: no error reading the body")
	}
}

func TestKeysAndCachedPrefix(t *testing.T) {
	s := New(t, nil)
	long := strings.Repeat("A paragraph that repeats for a long article. ", 200)
	schema := `{"type":"json_schema","json_schema":{"name":"digest_keywords","strict":true,"schema":{"type":"object","properties":{"keywords":{"type":"array"}},"required":["keywords"],"additionalProperties":false}}}`
	_, v := post(t, s.URL()+"/chat/completions", body(long, schema))
	content := v["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	var got map[string]any
	json.Unmarshal([]byte(content), &got)
	if len(got) != 1 || got["keywords"] == nil {
		t.Errorf("module answer %s", content)
	}
	_, v = post(t, s.URL()+"/chat/completions", body(long, ""))
	cached := v["usage"].(map[string]any)["prompt_tokens_details"].(map[string]any)["cached_tokens"].(float64)
	if cached < 1024 {
		t.Errorf("cached %v tokens for a repeated prefix", cached)
	}
	if k := s.Requests()[0].Keys(); len(k) != 1 || k[0] != "keywords" {
		t.Errorf("keys %v", k)
	}
}

func TestValidFieldsValidate(t *testing.T) {
	for _, a := range []string{
		article,
		"One short paragraph only here.",
		"Head paragraph of a cut article here.\n\n[…]\n\nTail paragraph of the cut article.",
		"Text with a defused [/article> tag inside.\n\nAnd a clean paragraph to quote from.",
		"I think a\n\nb c d e f g h i j k l m n o p",
	} {
		if p := prompt.Validate(ValidFields(a), strings.ReplaceAll(a, "[/article>", "</article>")); len(p) > 0 {
			t.Errorf("ValidFields(%q) invalid: %q", a, p)
		}
	}
}
