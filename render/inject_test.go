package render

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// base is a small valid entry the injection cases change one field of.
func base() Entry {
	return Entry{
		Title:     "A title",
		IssueDate: "20230827",
		IssueURL:  "https://kghosh.substack.com/p/20230827",
		URL:       "https://example.com/article",
		Summary:   "A summary.",
		Keywords:  []string{"one", "two"},
		Themes:    []string{"theme"},
		Signals:   []Signal{{Signal: "s", Change: "c", Horizon: "h", Force: "f", Evidence: "a quote"}},
		Closest:   []Related{{Title: "Other", ID: "df59e2cf3380ffd9aeac9a3e01073300"}},
	}
}

// wantLines is the number of lines Render writes for normalized e, the
// text after the final newline of an entry without Closest counting as one.
func wantLines(e Entry) int {
	b := func(ok bool) int {
		if ok {
			return 1
		}
		return 0
	}
	k, t, s, c := len(e.Keywords), len(e.Themes), len(e.Signals), len(e.Closest)
	return 6 + 2 + 2*b(e.Summary != "") + 2 + k + b(k > 0) + 2 + t + b(t > 0) + 4 + s + 1 + 1 + 1 + c
}

func TestSeedLineCount(t *testing.T) {
	seed := readSeed(t)
	e, err := Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(strings.Split(string(seed), "\n")), wantLines(e); got != want {
		t.Errorf("wantLines(seed) = %d, the seed has %d lines", want, got)
	}
}

// Untrusted text in every field: the layout holds (line count, Check finds
// nothing), and Parse gives back exactly Normalize(e).
func TestInjection(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Entry)
		has  []string // lines or fragments the markdown must hold
		not  []string // fragments it must not hold
	}{
		{name: "pipe in cell", edit: func(e *Entry) { e.Signals[0].Change = "a | b" }, has: []string{`a \| b`}},
		{name: "escaped pipe in cell", edit: func(e *Entry) { e.Signals[0].Force = `a \| b\` }, has: []string{"| a \\\\\\| b\\\\    |\n"}},
		{name: "newline in cell", edit: func(e *Entry) { e.Signals[0].Horizon = "one\ntwo\r\nthree" }, has: []string{"one two three"}},
		{name: "header text in a cell", edit: func(e *Entry) { e.Signals[0].Signal = "|:---|:---|" }, has: []string{`\|:---\|:---\|`}},
		{name: "heading at summary start", edit: func(e *Entry) { e.Summary = "# Big" }, has: []string{"\n\\# Big\n"}},
		{name: "section heading as summary", edit: func(e *Entry) { e.Summary = "## Keywords" }, has: []string{"\n\\## Keywords\n"}},
		{name: "list at summary start", edit: func(e *Entry) { e.Summary = "* item" }, has: []string{"\n\\* item\n"}},
		{name: "dash at summary start", edit: func(e *Entry) { e.Summary = "- item" }, has: []string{"\n\\- item\n"}},
		{name: "plus at summary start", edit: func(e *Entry) { e.Summary = "+ item" }, has: []string{"\n\\+ item\n"}},
		{name: "quote at summary start", edit: func(e *Entry) { e.Summary = "> quoted" }, has: []string{"\n\\> quoted\n"}},
		{name: "ordered list at summary start", edit: func(e *Entry) { e.Summary = "1. one 2. two" }, has: []string{"\n1\\. one 2. two\n"}},
		{name: "paren list at summary start", edit: func(e *Entry) { e.Summary = "42) answer" }, has: []string{"\n42\\) answer\n"}},
		{name: "thematic break summary", edit: func(e *Entry) { e.Summary = "***" }, has: []string{"\n\\*\\*\\*\n"}},
		{name: "setext underline summary", edit: func(e *Entry) { e.Summary = "---" }, has: []string{"\n\\---\n"}},
		{name: "fence summary", edit: func(e *Entry) { e.Summary = "```go" }, has: []string{"\n\\`\\`\\`go\n"}},
		{name: "tilde fence summary", edit: func(e *Entry) { e.Summary = "~~~" }, has: []string{"\n\\~\\~\\~\n"}},
		{name: "indented code summary", edit: func(e *Entry) { e.Summary = "    code" }, has: []string{"\ncode\n"}},
		{name: "newlines faking sections", edit: func(e *Entry) {
			e.Summary = "text\n\n## Closest\n\n* [x](00000000000000000000000000000000)"
		}, has: []string{"\ntext ## Closest \\* \\[x\\](00000000000000000000000000000000)\n"}},
		{name: "script in summary", edit: func(e *Entry) { e.Summary = "<script>alert(1)</script>" }, has: []string{`\<script>alert(1)\</script>`}, not: []string{"\n<script"}},
		{name: "iframe in keyword", edit: func(e *Entry) { e.Keywords = []string{"<iframe src=x>"} }, has: []string{"* \\<iframe src=x>\n"}},
		{name: "html comment in theme", edit: func(e *Entry) { e.Themes = []string{"<!-- x -->"} }, has: []string{"* \\<!-- x -->\n"}},
		{name: "autolink", edit: func(e *Entry) { e.Summary = "see <javascript:alert(1)>" }, has: []string{`see \<javascript:alert(1)>`}},
		{name: "link in summary", edit: func(e *Entry) { e.Summary = "[click](javascript:alert(1))" }, has: []string{`\[click\](javascript:alert(1))`}},
		{name: "image in cell", edit: func(e *Entry) { e.Signals[0].Signal = "![x](http://t/x.png)" }, has: []string{`!\[x\](http://t/x.png)`}},
		{name: "link reference definition", edit: func(e *Entry) { e.Summary = "[a]: javascript:alert(1)" }, has: []string{`\[a\]: javascript:alert(1)`}},
		{name: "entity", edit: func(e *Entry) { e.Summary = "&lt;script&gt; &#60; AT&T" }, has: []string{`\&lt;script\&gt; \&#60; AT&T`}},
		{name: "keyword markers", edit: func(e *Entry) { e.Keywords = []string{"# tag", "* star", "- dash", "+ plus", "> q", "3. three"} },
			has: []string{"* \\# tag\n", "* \\* star\n", "* \\- dash\n", "* \\+ plus\n", "* \\> q\n", "* 3\\. three\n"}},
		{name: "theme markers", edit: func(e *Entry) { e.Themes = []string{"#", "1)", "[ ] task"} }, has: []string{"* \\#\n", "* 1\\)\n", "* \\[ \\] task\n"}},
		{name: "empty keywords and themes", edit: func(e *Entry) { e.Keywords = []string{"", " \n "}; e.Themes = nil }, has: []string{"## Keywords\n\n## Themes\n\n## Signals"}},
		{name: "underscores in title", edit: func(e *Entry) { e.Title = "__init__ and a__b" }, has: []string{`# __\_\_init\_\_ and a\_\_b__, from`}},
		{name: "title ending in backslash", edit: func(e *Entry) { e.Title = `C:\` }, has: []string{`# __C:\\__, from`}},
		{name: "title faking the date", edit: func(e *Entry) { e.Title = "x__, from ([20000101](https://evil.example/).)" },
			has: []string{"# __x\\_\\_, from (\\[20000101\\](https://evil.example/).)__, from ([20230827]"}},
		{name: "title with newline", edit: func(e *Entry) { e.Title = "one\ntwo\u2028three" }, has: []string{"# __one two three__"}},
		{name: "control characters", edit: func(e *Entry) { e.Title = "red\x1b[31m\x00!"; e.Summary = "a\u0085b" }, has: []string{"# __red\\[31m!__", "\na b\n"}},
		{name: "invalid UTF-8", edit: func(e *Entry) { e.Summary = "a\xffb" }, has: []string{"\na\uFFFDb\n"}},
		{name: "brackets in Closest title", edit: func(e *Entry) { e.Closest[0].Title = "a [b] c](d)" }, has: []string{`* [a \[b\] c\](d)](df59e2cf3380ffd9aeac9a3e01073300)`}},
		{name: "backslash in Closest title", edit: func(e *Entry) { e.Closest[0].Title = `\` }, has: []string{`* [\\](df59`}},
		{name: "uppercase Closest id", edit: func(e *Entry) { e.Closest[0].ID = " DF59E2CF3380FFD9AEAC9A3E01073300 " }, has: []string{"(df59e2cf3380ffd9aeac9a3e01073300)"}},
		{name: "no Closest", edit: func(e *Entry) { e.Closest = nil }, has: []string{"## Signals\n\n| Signal | Change | 10y horizon | Driving force |\n|:-------|:-------|:------------|:--------------|\n| s "}},
		{name: "no Signals", edit: func(e *Entry) { e.Signals = []Signal{{}, {Evidence: "only evidence"}} },
			has: []string{"| Signal | Change | 10y horizon | Driving force |\n|:-------|:-------|:------------|:--------------|\n\n## Closest"}},
		{name: "no summary", edit: func(e *Entry) { e.Summary = " \n\t" }, has: []string{"## Summary\n\n## Keywords"}},
		{name: "parens in URL", edit: func(e *Entry) { e.URL = "https://en.wikipedia.org/wiki/Foo_(bar)" }, has: []string{"__[External link](https://en.wikipedia.org/wiki/Foo_%28bar%29)__"}},
		{name: "space and angle brackets in URL", edit: func(e *Entry) { e.URL = " https://x.example/a b<c>\"d`\\ " }, has: []string{"(https://x.example/a%20b%3Cc%3E%22d%60%5C)"}},
		{name: "newline in URL", edit: func(e *Entry) { e.IssueURL = "https://x.example/p/\n20230827)" }, has: []string{"([20230827](https://x.example/p/%0A20230827%29).)"}},
		{name: "unicode in URL", edit: func(e *Entry) { e.URL = "https://de.wikipedia.org/wiki/Zürich" }, has: []string{"(https://de.wikipedia.org/wiki/Z%C3%BCrich)"}},
		{name: "percent kept in URL", edit: func(e *Entry) { e.URL = "https://x.example/a%20b?q=1&r=%28" }, has: []string{"(https://x.example/a%20b?q=1&r=%28)"}},
		{name: "wide cells", edit: func(e *Entry) { e.Signals[0].Signal = "日本語" }, has: []string{"| 日本語    |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.edit(&e)
			out, err := def.Render(e)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			s := string(out)
			n := Normalize(e)
			if got, want := len(strings.Split(s, "\n")), wantLines(n); got != want {
				t.Errorf("%d lines, want %d:\n%s", got, want, s)
			}
			for _, h := range tt.has {
				if !strings.Contains(s, h) {
					t.Errorf("markdown lacks %q:\n%s", h, s)
				}
			}
			for _, h := range tt.not {
				if strings.Contains(s, h) {
					t.Errorf("markdown holds %q:\n%s", h, s)
				}
			}
			if p := Check(out, ""); len(p) > 0 {
				t.Errorf("Check: %v\n%s", p, s)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, s)
			}
			if !reflect.DeepEqual(back, n) {
				t.Errorf("Parse(Render(e)):\n got %#v\nwant %#v", back, n)
			}
		})
	}
}

// Links that would run code are refused, not rewritten: a draft with a
// wrong link must be noticed.
func TestRenderRefuses(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Entry)
		unsafe bool
	}{
		{"javascript article", func(e *Entry) { e.URL = "javascript:alert(1)" }, true},
		{"javascript upper case", func(e *Entry) { e.URL = " JavaScript:alert(1)" }, true},
		{"javascript with a tab", func(e *Entry) { e.URL = "java\tscript:alert(1)" }, true},
		{"javascript with a newline", func(e *Entry) { e.URL = "java\nscript:alert(1)" }, true},
		{"data", func(e *Entry) { e.URL = "data:text/html;base64,PHNjcmlwdD4=" }, true},
		{"vbscript issue", func(e *Entry) { e.IssueURL = "vbscript:msgbox(1)" }, true},
		{"relative", func(e *Entry) { e.URL = "//evil.example/x" }, true},
		{"file", func(e *Entry) { e.IssueURL = "file:///etc/passwd" }, true},
		{"empty URL", func(e *Entry) { e.URL = "" }, false},
		{"empty issue URL", func(e *Entry) { e.IssueURL = " " }, false},
		{"date with dashes", func(e *Entry) { e.IssueDate = "2023-08-27" }, false},
		{"date not in the calendar", func(e *Entry) { e.IssueDate = "20230230" }, false},
		{"empty date", func(e *Entry) { e.IssueDate = "" }, false},
		{"short id", func(e *Entry) { e.Closest[0].ID = "abc" }, false},
		{"id with a paren", func(e *Entry) { e.Closest[0].ID = "df59e2cf3380ffd9aeac9a3e0107330)" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.edit(&e)
			out, err := def.Render(e)
			if err == nil {
				t.Fatalf("Render accepted it:\n%s", out)
			}
			if errors.Is(err, ErrUnsafeURL) != tt.unsafe {
				t.Errorf("errors.Is(%v, ErrUnsafeURL) = %v, want %v", err, !tt.unsafe, tt.unsafe)
			}
		})
	}
	for _, ok := range []string{"http://x.example/", "HTTPS://X.EXAMPLE/a", "https://x.example/javascript:alert(1)"} {
		e := base()
		e.URL = ok
		if _, err := def.Render(e); err != nil {
			t.Errorf("Render refused URL %q: %v", ok, err)
		}
	}
}

// Normalize is what a round trip does, so doing it twice changes nothing.
func TestNormalize(t *testing.T) {
	e := base()
	e.Title = "  two\n\nlines\t "
	e.Keywords = nil
	n := Normalize(e)
	if n.Title != "two lines" {
		t.Errorf("Title = %q", n.Title)
	}
	if n.Keywords == nil || len(n.Keywords) != 0 {
		t.Errorf("Keywords = %#v, want an empty, non-nil list", n.Keywords)
	}
	if n.Signals[0].Evidence != "" {
		t.Errorf("Evidence kept: %q", n.Signals[0].Evidence)
	}
	if e.Signals[0].Evidence == "" {
		t.Errorf("Normalize changed its argument")
	}
	if nn := Normalize(n); !reflect.DeepEqual(nn, n) {
		t.Errorf("Normalize is not idempotent:\n%#v\n%#v", n, nn)
	}
	e.Signals = []Signal{{}, {Signal: "s", Evidence: "a\n quote"}, {Signal: "t", Evidence: "b"}}
	k := NormalizeKeepEvidence(e)
	if len(k.Signals) != 2 || k.Signals[0].Evidence != "a quote" || k.Signals[1].Evidence != "b" {
		t.Errorf("NormalizeKeepEvidence signals = %#v", k.Signals)
	}
}
