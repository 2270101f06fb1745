package render

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// edited returns the seed with its lines changed by f.
func edited(t *testing.T, f func([]string) []string) []byte {
	t.Helper()
	return []byte(strings.Join(f(strings.Split(string(readSeed(t)), "\n")), "\n"))
}

// set replaces line n (1-based) with the given lines.
func set(n int, with ...string) func([]string) []string {
	return func(l []string) []string { return slices.Concat(l[:n-1], with, l[n:]) }
}

func TestParseSeed(t *testing.T) {
	e, err := Parse(readSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "Zoom's Terms of Service Update Allows AI Training with Customer Data" || e.IssueDate != "20230827" ||
		e.IssueURL != "https://kghosh.substack.com/p/20230827" ||
		e.URL != "https://www.cnbc.com/2023/08/07/zoom-ai-tools-trained-using-some-customer-data.html?utm_source=substack&utm_medium=email" {
		t.Errorf("title line or link: %+v", e)
	}
	if len(e.Keywords) != 10 || len(e.Themes) != 3 || len(e.Signals) != 4 || len(e.Closest) != 10 {
		t.Errorf("got %d keywords, %d themes, %d signals, %d Closest; want 10, 3, 4, 10", len(e.Keywords), len(e.Themes), len(e.Signals), len(e.Closest))
	}
	if s := e.Signals[3]; s != (Signal{"Zoom uses customer content solely for AI service improvement", "Customer content used to enhance AI performance", "Improved AI services and accuracy", "Improving AI capabilities and customer satisfaction", ""}) {
		t.Errorf("last signal: %+v", s)
	}
	if c := e.Closest[9]; c != (Related{"The Rise of Context-Aware Digital Assistants", "46267bf4740b29117588f603a5c41280"}) {
		t.Errorf("last Closest: %+v", c)
	}
}

// Editors add a final newline; Parse lets it pass (Check does not).
func TestParseTrailingNewline(t *testing.T) {
	seed := readSeed(t)
	a, err := Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(append(seed, '\n'))
	if err != nil {
		t.Fatalf("Parse(seed + newline): %v", err)
	}
	if !slices.Equal(a.Closest, b.Closest) {
		t.Errorf("Closest differs: %v vs %v", a.Closest, b.Closest)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   func(t *testing.T) []byte
		line int
		msg  string
	}{
		{"empty file", func(*testing.T) []byte { return nil }, 1, "expected the title line"},
		{"misspelt heading", func(t *testing.T) []byte { return edited(t, set(7, "## Sumary")) }, 7, `expected "## Summary", got "## Sumary"`},
		{"missing blank line", func(t *testing.T) []byte { return edited(t, set(5)) }, 6, `expected a blank line, got "## Summary"`},
		{"summary on two lines", func(t *testing.T) []byte { return edited(t, set(9, "first half", "second half")) }, 10, "expected a blank line after the summary"},
		{"summary missing", func(t *testing.T) []byte { return edited(t, set(9, "## Themes")) }, 9, `expected the summary or "## Keywords"`},
		{"bad date", func(t *testing.T) []byte {
			return edited(t, set(1, "# __T__, from ([20230231](https://kghosh.substack.com/p/20230231).)"))
		}, 1, `issue date "20230231" is not a calendar date`},
		{"no date", func(t *testing.T) []byte { return edited(t, set(1, "# __T__")) }, 1, `no "__, from ([" after the title`},
		{"javascript link", func(t *testing.T) []byte { return edited(t, set(3, "__[External link](javascript:alert(1))__")) }, 3, `article URL: scheme "javascript" is not allowed`},
		{"link line", func(t *testing.T) []byte { return edited(t, set(3, "[External link](https://x.example/)")) }, 3, "expected the link line"},
		{"CRLF", func(t *testing.T) []byte { return []byte(strings.ReplaceAll(string(readSeed(t)), "\n", "\r\n")) }, 1, "carriage return"},
		{"dash bullet", func(t *testing.T) []byte { return edited(t, set(13, "- Zoom")) }, 13, `expected "* keyword" or "## Themes", got "- Zoom"`},
		{"star without space", func(t *testing.T) []byte { return edited(t, set(15, "*terms")) }, 15, `expected a list item "* text"`},
		{"no blank after list", func(t *testing.T) []byte { return edited(t, set(23)) }, 23, `expected "* keyword" or a blank line after the keywords, got "## Themes"`},
		{"table header", func(t *testing.T) []byte { return edited(t, set(32, "| Signal | Change | Horizon | Force |")) }, 32, "expected the table header"},
		{"table separator", func(t *testing.T) []byte { return edited(t, set(33, "|---|---|---|")) }, 33, "expected the table separator"},
		{"five cells", func(t *testing.T) []byte { return edited(t, set(34, "| a | b | c | d | e |")) }, 34, "table row has 5 cells, want 4"},
		{"row without end", func(t *testing.T) []byte { return edited(t, set(34, `| a | b | c | d \|`)) }, 34, `ends with an unescaped "|"`},
		{"bad Closest id", func(t *testing.T) []byte { return edited(t, set(44, "* [x](3b96c74f)")) }, 44, `Closest id "3b96c74f" is not 32 hex digits`},
		{"Closest syntax", func(t *testing.T) []byte { return edited(t, set(44, "* x (3b96c74f728c6281fc7f1a045a5befc7)")) }, 44, "expected a Closest line"},
		{"two newlines at the end", func(t *testing.T) []byte { return append(readSeed(t), "\n\n"...) }, 51, "expected a Closest line"},
		{"truncated", func(t *testing.T) []byte { return edited(t, func(l []string) []string { return l[:30] }) }, 30, "file ends where"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in(t))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %v, want line %d: …%s…", err, tt.line, tt.msg)
			}
		})
	}
}
