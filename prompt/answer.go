package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

var (
	thinkRe = regexp.MustCompile(`(?is)<think>.*?</think>`)
	fenceRe = regexp.MustCompile("(?s)```[A-Za-z]*[ \t]*\n?(.*?)```")
)

// extractJSON finds the JSON object in a model's answer: the whole answer,
// else a ``` code fence, else the first balanced {...} in the prose around
// it. Reasoning models' <think> sections are skipped first.
func extractJSON(s string) ([]byte, error) {
	s = strings.TrimSpace(thinkRe.ReplaceAllString(s, ""))
	if s == "" {
		return nil, errors.New("the answer is empty")
	}
	if json.Valid([]byte(s)) {
		return []byte(s), nil
	}
	for _, m := range fenceRe.FindAllStringSubmatch(s, -1) {
		if b := []byte(strings.TrimSpace(m[1])); json.Valid(b) {
			return b, nil
		}
	}
	for i := strings.IndexByte(s, '{'); i >= 0; {
		if end := objectEnd(s[i:]); end > 0 && json.Valid([]byte(s[i:i+end])) {
			return []byte(s[i : i+end]), nil
		}
		next := strings.IndexByte(s[i+1:], '{')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	var v any
	err := json.NewDecoder(bytes.NewReader([]byte(s))).Decode(&v)
	if err == nil || !strings.Contains(s, "{") {
		return nil, errors.New("the answer holds no JSON object")
	}
	return nil, errors.New("the answer is not valid JSON: " + clip(err.Error(), 120))
}

// objectEnd returns the length of the balanced {...} that s starts with,
// skipping braces inside strings, or 0 when it is not closed.
func objectEnd(s string) int {
	depth, inStr, esc := 0, false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case esc:
			esc = false
		case inStr && ch == '\\':
			esc = true
		case ch == '"':
			inStr = !inStr
		case inStr:
		case ch == '{':
			depth++
		case ch == '}':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return 0
}
