package render

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pieces random text is made of: markdown syntax, the format's own lines,
// white space of every kind, control characters, invalid UTF-8, and
// letters from several scripts.
var pieces = []string{
	"a", "Zoom", "AI", " ", " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u2028", "\u3000", "\x00", "\x1b[31m", "\x7f", "\u0085",
	"\xff", "\xc3", "é", "ü", "日本", "🙂", "👩‍💻", "\u202e", "\u200b", "\ufeff", "\ufffd",
	"|", "\\", "\\|", "\\\\", "*", "**", "_", "__", "#", "## ", "# ", ">", "-", "---", "+", ".", ")", "(", "[", "]", "](",
	"<", ">", "<script>", "</script>", "<iframe src=x>", "<!--", "&", "&amp;", "&#60;", "&lt;", ";", "`", "```", "~", "~~~",
	"!", "![", ":", "=", "1", "1.", "12)", "0", "* ", "- ", "1. ", "javascript:", "http://x", "%", "%28", "'", "\"",
	"## Closest", "## Keywords", "* [x](0123456789abcdef0123456789abcdef)", "|:---|", "__, from ([", ").)", "__[External link](",
}

func randText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randList(r *rand.Rand, n, words int) []string {
	if r.IntN(8) == 0 {
		return nil
	}
	out := make([]string, r.IntN(n+1))
	for i := range out {
		out[i] = randText(r, words)
	}
	return out
}

func randURL(r *rand.Rand) string {
	return []string{"https://", "http://", "HTTPS://", " https://"}[r.IntN(4)] + "example.com/" + randText(r, 6)
}

// randEntry is a random entry Render accepts: valid date, http(s) links,
// at most 10 distinct Closest ids (sometimes upper case).
func randEntry(r *rand.Rand) Entry {
	e := Entry{
		Title:     randText(r, 12),
		IssueDate: fmt.Sprintf("%04d%02d%02d", 1990+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28)),
		IssueURL:  randURL(r),
		URL:       randURL(r),
		Summary:   randText(r, 40),
		Keywords:  randList(r, 12, 5),
		Themes:    randList(r, 6, 5),
	}
	for range r.IntN(6) {
		e.Signals = append(e.Signals, Signal{randText(r, 8), randText(r, 8), randText(r, 8), randText(r, 8), randText(r, 3)})
	}
	for i := range r.IntN(11) {
		id := fmt.Sprintf("%08x%024x", r.Uint32(), i)
		if r.IntN(5) == 0 {
			id = strings.ToUpper(id)
		}
		e.Closest = append(e.Closest, Related{Title: randText(r, 10), ID: id})
	}
	return e
}

// For any entry: Parse(Render(e)) == Normalize(e), Check finds nothing, and
// rendering what Parse gave writes the same bytes.
func TestRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		e := randEntry(r)
		if err := roundTrip(e, true); err != nil {
			t.Fatalf("entry %d: %v\nentry: %#v", i, err, e)
		}
	}
}

// roundTrip checks the round trip properties of e; clean says Check must
// find nothing (valid, distinct Closest ids, at most 10).
func roundTrip(e Entry, clean bool) error {
	out, err := def.Render(e)
	if err != nil {
		return fmt.Errorf("Render: %w", err)
	}
	back, err := Parse(out)
	if err != nil {
		return fmt.Errorf("Parse(Render(e)): %w\n%s", err, out)
	}
	if want := Normalize(e); !reflect.DeepEqual(back, want) {
		return fmt.Errorf("Parse(Render(e)) != Normalize(e):\n got %#v\nwant %#v\n%s", back, want, out)
	}
	if clean {
		if p := Check(out, ""); len(p) > 0 {
			return fmt.Errorf("Check: %v\n%s", p, out)
		}
	}
	again, err := def.Render(back)
	if err != nil {
		return fmt.Errorf("Render(Parse(Render(e))): %w", err)
	}
	if !bytes.Equal(again, out) {
		return fmt.Errorf("Render is not stable:\n%s", lineDiff(out, again))
	}
	return nil
}

// Parse never panics; what it reads renders and reads back the same; and
// a file Check finds nothing in is exactly what Render writes.
func FuzzParse(f *testing.F) {
	seed, err := readFile("../testdata/seed-entry.md")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(append(seed, '\n'))
	for _, name := range []string{"empty.md", "escaped.md"} {
		b, err := readFile("../testdata/render/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		if out, err := def.Render(randEntry(r)); err == nil {
			f.Add(out)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		probs := Check(b, "")
		e, err := Parse(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("Parse error %#v is not a *ParseError with a line", err)
			}
			if len(probs) == 0 {
				t.Fatalf("Check found nothing but Parse failed: %v", err)
			}
			return
		}
		if n := Normalize(e); !reflect.DeepEqual(n, e) {
			t.Fatalf("Parse result is not normalized:\n got %#v\nwant %#v", e, n)
		}
		out, err := def.Render(e)
		if err != nil {
			t.Fatalf("Render(Parse(b)): %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Render(Parse(b))): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("Parse(Render(e)) != e:\n got %#v\nwant %#v", back, e)
		}
		if len(probs) == 0 && !bytes.Equal(out, b) {
			t.Fatalf("Check found nothing but Render(Parse(b)) differs:\n%s", lineDiff(b, out))
		}
	})
}

// Any text in any field survives the round trip, and only a bad link
// makes Render refuse.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Title", "Summary.", "keyword", "cell | x", "Related", "https://example.com/a", "20230827")
	f.Add("__x__", "# h\n* i", "1. k", "a\\|b\\", "[t](u)", "javascript:alert(1)", "20230230")
	f.Add("<script>", "<iframe>", "&lt;", "\r\n", "]", "https://x/a b(c)", "2023-08-27")
	f.Fuzz(func(t *testing.T, title, summary, keyword, cell, related, url, date string) {
		e := Entry{
			Title:     title,
			IssueDate: date,
			IssueURL:  "https://kghosh.substack.com/p/" + date,
			URL:       url,
			Summary:   summary,
			Keywords:  []string{keyword, summary},
			Themes:    []string{cell},
			Signals:   []Signal{{Signal: cell, Change: title, Horizon: keyword, Force: related}},
			Closest:   []Related{{Title: related, ID: "0123456789abcdef0123456789abcdef"}, {Title: title, ID: "fedcba9876543210fedcba9876543210"}},
		}
		if _, err := def.Render(e); err != nil {
			n := Normalize(e)
			if checkDate(n.IssueDate) == nil && !errors.Is(err, ErrUnsafeURL) && n.URL != "" && n.IssueURL != "" {
				t.Fatalf("Render refused a valid entry: %v", err)
			}
			return
		}
		if err := roundTrip(e, true); err != nil {
			t.Fatal(err)
		}
	})
}

// mutBytes are single bytes that matter to the format.
const mutBytes = " \\|*_#-+.)([]<>&;:1\n\r\t`~!"

// Check passes only what Render writes: files made by changing rendered
// entries a little either draw a problem or are rendered back byte for byte.
func TestCheckCleanIsCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 8000
	if testing.Short() {
		n = 1000
	}
	clean := 0
	for i := range n {
		e := randEntry(r)
		out, err := def.Render(e)
		if err != nil {
			t.Fatal(err)
		}
		b := []byte(string(out))
		for range 1 + r.IntN(2) {
			j := r.IntN(len(b) + 1)
			switch r.IntN(3) {
			case 0:
				b = slices.Concat(b[:j], []byte(pieces[r.IntN(len(pieces))]), b[j:])
			case 1:
				if j < len(b) {
					b = slices.Concat(b[:j], b[j+1:])
				}
			case 2:
				b = slices.Concat(b[:j], []byte{mutBytes[r.IntN(len(mutBytes))]}, b[j:])
			}
		}
		if len(Check(b, "")) > 0 {
			continue
		}
		clean++
		e2, err := Parse(b)
		if err != nil {
			t.Fatalf("case %d: Check found nothing but Parse failed: %v\n%s", i, err, b)
		}
		again, err := def.Render(e2)
		if err != nil {
			t.Fatalf("case %d: Render: %v", i, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("case %d: Check found nothing but Render(Parse(b)) differs:\n%s", i, lineDiff(b, again))
		}
	}
	t.Logf("%d of %d changed files passed Check", clean, n)
}
