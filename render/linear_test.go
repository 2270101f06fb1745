package render

import (
	"strings"
	"testing"
	"time"
)

// Render, Parse and Check take time linear in their input: on inputs built
// to make a quadratic step blow up, four times the input takes about four
// times as long (sixteen if quadratic). The best of a few runs is timed, as
// the machine may be busy.
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	texts := map[string]func(n int) string{
		"digits then dots": func(n int) string { return strings.Repeat("1", n) + strings.Repeat(".", n) },
		"ampersands":       func(n int) string { return strings.Repeat("&", n) + strings.Repeat("a", n) },
		"numeric entities": func(n int) string { return strings.Repeat("&#", n) },
		"backslashes":      func(n int) string { return strings.Repeat(`\`, n) },
		"underscores":      func(n int) string { return strings.Repeat("_", n) },
		"pipes":            func(n int) string { return strings.Repeat("|", n) },
		"link ends":        func(n int) string { return strings.Repeat("](", n) },
		"title ends":       func(n int) string { return strings.Repeat("__, from ([", n/8) },
		"white space":      func(n int) string { return strings.Repeat(" \n", n) },
	}
	for name, text := range texts {
		run := func(n int) {
			s := text(n)
			e := base()
			e.Title, e.Summary, e.Keywords, e.Closest[0].Title = s, s, []string{s}, s
			e.Signals[0].Signal = s
			e.URL = "https://x.example/" + s
			out, err := def.Render(e)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(out); err != nil {
				t.Fatal(err)
			}
			Check(out, "")
		}
		ratio(t, name, run)
	}
	ratio(t, "many lines", func(n int) {
		var b strings.Builder
		b.Write(readSeed(t))
		for range n / 10 {
			b.WriteString("\n## Closest\n* [x](0123456789abcdef0123456789abcdef)\n|")
		}
		Check([]byte(b.String()), "")
		_, _ = Parse([]byte(b.String()))
	})
}

// ratio fails t when run(4n) takes much more than four times run(n).
func ratio(t *testing.T, name string, run func(n int)) {
	t.Helper()
	best := func(n int) time.Duration {
		d := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			run(n)
			d = min(d, time.Since(start))
		}
		return d
	}
	const n = 20_000
	small, large := best(n), best(4*n)
	if large > 10*small && large > 50*time.Millisecond {
		t.Errorf("%s: %v for %d, %v for %d: not linear", name, small, n, large, 4*n)
	}
}
