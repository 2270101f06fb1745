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
