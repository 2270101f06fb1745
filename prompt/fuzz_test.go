package prompt

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtractJSON: the code that pulls the JSON object out of a model's
// answer (whole, in a code fence, or in prose) never panics, returns only
// valid JSON, and finds an object again when it is put in a fence.
func FuzzExtractJSON(f *testing.F) {
	for _, s := range []string{
		`{"headline":"h"}`,
		"Sure:\n```json\n{\"a\": [1, 2, {\"b\": \"}\"}]}\n```\nDone.",
		"<think>{not json}</think>{\"a\":1}",
		`Here it is {"a": "\"{"} and more {"b": 2}`,
		"```\n{\"a\":\n```",
		`{"headline": "Zoom`,
		"{{{{{{{{{{",
		"```json``````{}```",
		"\"\\\"",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := extractJSON(s)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Fatalf("error %q is not valid UTF-8", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("extractJSON(%q) = %q: not valid JSON", s, b)
		}
		if len(b) == 0 || b[0] != '{' || strings.Contains(string(b), "```") || strings.Contains(string(b), "<think") {
			return
		}
		fenced, err := extractJSON("Here is the entry:\n```json\n" + string(b) + "\n```\nAnything else?")
		if err != nil || string(fenced) != string(b) {
			t.Fatalf("fenced %q: got %q, %v", b, fenced, err)
		}
	})
}

// FuzzDecode: any answer decodes to fields and a list of problems without
// panic; an answer with no problems has every field trimmed and passes
// through Validate without panic.
func FuzzDecode(f *testing.F) {
	f.Add(`{"headline":"H","summary":"One. Two. Three.","keywords":["a","b","c","d","e"],"themes":["x","y"],"signals":[{"signal":"s","change":"c","horizon":"h","force":"f","evidence":"e e e"}]}`)
	f.Add(`{"headline":42,"summary":["one"],"keywords":"grid","themes":null,"signals":{"a":1}}`)
	f.Add("```json\n{\"headline\": \" padded \"}\n```")
	f.Add(`{"signals":[null,{"signal":null}],"keywords":[null]}`)
	f.Fuzz(func(t *testing.T, content string) {
		fl, problems := decode(content, modules)
		if len(problems) > 0 {
			return
		}
		if fl.Headline != strings.TrimSpace(fl.Headline) || fl.Summary != strings.TrimSpace(fl.Summary) {
			t.Fatalf("untrimmed fields: %+v", fl)
		}
		_ = Validate(fl, content)
	})
}
