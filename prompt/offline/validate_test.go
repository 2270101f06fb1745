package offline

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/digest-tool/digest/prompt"
)

// validate checks a Result against the rules model output must meet too,
// written here independently of the code that produces it.
func validate(res prompt.Result, text string) error {
	f := res.Fields
	if res.Engine != "offline" {
		return fmt.Errorf("engine %q", res.Engine)
	}
	if res.Usage != (prompt.Usage{}) {
		return fmt.Errorf("usage %+v, want zero", res.Usage)
	}
	if err := item("headline", f.Headline); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(f.Headline); n > 160 {
		return fmt.Errorf("headline has %d characters", n)
	}
	if err := item("summary", f.Summary); err != nil {
		return err
	}
	if err := list("keywords", f.Keywords, 5, 12, 4); err != nil {
		return err
	}
	if err := list("themes", f.Themes, 2, 6, 0); err != nil {
		return err
	}
	if n := len(f.Signals); n < 2 || n > 6 {
		return fmt.Errorf("%d signals, want 2–6", n)
	}
	seen := map[string]bool{}
	for i, s := range f.Signals {
		for _, c := range []struct{ name, v string }{
			{"signal", s.Signal}, {"change", s.Change}, {"horizon", s.Horizon}, {"force", s.Force},
		} {
			if err := item(fmt.Sprintf("signals[%d].%s", i, c.name), c.v); err != nil {
				return err
			}
			if strings.Contains(c.v, "|") {
				return fmt.Errorf("signals[%d].%s holds a pipe: %q", i, c.name, c.v)
			}
		}
		if n := len(strings.Fields(s.Signal)); n > 12 {
			return fmt.Errorf("signals[%d].signal has %d words: %q", i, n, s.Signal)
		}
		if s.Evidence == "" || !strings.Contains(text, s.Evidence) {
			return fmt.Errorf("signals[%d].evidence is not in the text: %q", i, s.Evidence)
		}
		k := strings.ToLower(s.Signal)
		if seen[k] {
			return fmt.Errorf("signals[%d] repeats %q", i, s.Signal)
		}
		seen[k] = true
	}
	return reviewPaths(res)
}

// markup is what may not open an item: it would read as a heading, list,
// quote, table or emphasis.
var markup = regexp.MustCompile(`^[#*\-+>|` + "`" + `_=~<\s]`)

func item(name, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is empty", name)
	case strings.ContainsAny(v, "\r\n"):
		return fmt.Errorf("%s holds a line break: %q", name, v)
	case markup.MatchString(v):
		return fmt.Errorf("%s starts with markup: %q", name, v)
	case strings.TrimSpace(v) != v:
		return fmt.Errorf("%s has surrounding space: %q", name, v)
	}
	return nil
}

func list(name string, items []string, lo, hi, maxWords int) error {
	if len(items) < lo || len(items) > hi {
		return fmt.Errorf("%d %s, want %d–%d: %q", len(items), name, lo, hi, items)
	}
	seen := map[string]bool{}
	for i, v := range items {
		if err := item(fmt.Sprintf("%s[%d]", name, i), v); err != nil {
			return err
		}
		if maxWords > 0 && len(strings.Fields(v)) > maxWords {
			return fmt.Errorf("%s[%d] has more than %d words: %q", name, i, maxWords, v)
		}
		if seen[strings.ToLower(v)] {
			return fmt.Errorf("%s[%d] repeats %q", name, i, v)
		}
		seen[strings.ToLower(v)] = true
	}
	return nil
}

// reviewPaths checks that ToReview lists exactly the items and cells that
// read "(to review…)".
func reviewPaths(res prompt.Result) error {
	f := res.Fields
	want := map[string]bool{}
	for i, k := range f.Keywords {
		if strings.HasPrefix(k, "(to review") {
			want[fmt.Sprintf("keywords[%d]", i)] = true
		}
	}
	for i, k := range f.Themes {
		if strings.HasPrefix(k, "(to review") {
			want[fmt.Sprintf("themes[%d]", i)] = true
		}
	}
	for i, s := range f.Signals {
		for name, v := range map[string]string{"signal": s.Signal, "change": s.Change, "horizon": s.Horizon, "force": s.Force} {
			if v == "(to review)" {
				want[fmt.Sprintf("signals[%d].%s", i, name)] = true
			}
		}
	}
	got := map[string]bool{}
	for _, p := range res.ToReview {
		if got[p] {
			return fmt.Errorf("ToReview lists %s twice", p)
		}
		got[p] = true
		if !want[p] {
			return fmt.Errorf("ToReview lists %s, which does not read (to review)", p)
		}
	}
	for p := range want {
		if !got[p] {
			return fmt.Errorf("%s reads (to review) but ToReview does not list it", p)
		}
	}
	return nil
}
