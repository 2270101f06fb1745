package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/render")

func readSeed(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "seed-entry.md"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The first golden test of FORMAT.md: parse the seed, render it, same bytes.
func TestSeedRoundTrip(t *testing.T) {
	seed := readSeed(t)
	e, err := Parse(seed)
	if err != nil {
		t.Fatalf("Parse(seed): %v", err)
	}
	got, err := Default().Render(e)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.Equal(got, seed) {
		t.Errorf("Render(Parse(seed)) differs from the seed:\n%s", lineDiff(seed, got))
	}
	if n := Normalize(e); !reflect.DeepEqual(n, e) {
		t.Errorf("Parse(seed) is not normalized:\n got %+v\nwant %+v", n, e)
	}
}

var def = Default()

// golden compares got with testdata/render/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("..", "testdata", "render", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./render -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s", p, lineDiff(want, got))
	}
}

// An entry with nothing in it still has every heading, Parse reads it back,
// and with no Closest line it ends with "## Closest\n" (FORMAT.md).
func TestGoldenEmpty(t *testing.T) {
	e := Entry{IssueDate: "20240229", IssueURL: "https://kghosh.substack.com/p/20240229", URL: "https://example.com/a"}
	got, err := def.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "empty.md", got)
	if !bytes.HasSuffix(got, []byte("\n## Closest\n")) {
		t.Errorf("an entry without Closest lines must end with \"## Closest\\n\", got %q", got[max(0, len(got)-20):])
	}
	back, err := Parse(got)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if want := Normalize(e); !reflect.DeepEqual(back, want) {
		t.Errorf("Parse(Render(e)):\n got %#v\nwant %#v", back, want)
	}
	if p := Check(got, ""); len(p) > 0 {
		t.Errorf("Check: %v", p)
	}
}

// Every kind of hostile text at once, to show (and pin) what escaping does.
func TestGoldenEscaped(t *testing.T) {
	e := Entry{
		Title:     "__Bold__ *and* [links](javascript:alert(1)) <script>alert(1)</script> a\\",
		IssueDate: "20230827",
		IssueURL:  "https://kghosh.substack.com/p/20230827",
		URL:       "https://en.wikipedia.org/wiki/Foo_(bar) baz<>\"`ü",
		Summary:   "# Not a heading\n\n## Closest\n\n* [fake](00000000000000000000000000000000) <iframe src=x> &lt; AT&T 1. 2) ~~~ `code`",
		Keywords:  []string{"1. first", "- dash", "+ plus", "> quote", "#tag", "  ", "<b>bold</b>", "12) twelve"},
		Themes:    []string{"* star", "--- rule", "[ ] task"},
		Signals: []Signal{
			{Signal: "a | b", Change: "line\nbreak", Horizon: "ends with \\", Force: "\\|"},
			{Signal: "日本語のテキスト", Change: "emoji 🙂", Horizon: "|", Force: "-"},
		},
		Closest: []Related{
			{Title: "A [bracketed] title](x)", ID: "0123456789ABCDEF0123456789ABCDEF"},
			{Title: "back\\slash", ID: "fedcba9876543210fedcba9876543210"},
		},
	}
	got, err := def.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "escaped.md", got)
	back, err := Parse(got)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if want := Normalize(e); !reflect.DeepEqual(back, want) {
		t.Errorf("Parse(Render(e)):\n got %#v\nwant %#v", back, want)
	}
	if p := Check(got, ""); len(p) > 0 {
		t.Errorf("Check: %v", p)
	}
}
