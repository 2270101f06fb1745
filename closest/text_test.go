package closest

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
)

func fixCRC(data []byte) {
	n := len(data) - 4
	binary.LittleEndian.PutUint32(data[n:], crc32.Checksum(data[:n], castagnoli))
}

func TestStem(t *testing.T) {
	// Forms of one word share a stem; words the stemmer does not know
	// (digits, accents, short words) pass through.
	for _, group := range [][]string{
		{"train", "training", "trained", "trains"},
		{"model", "models"},
		{"regulate", "regulation", "regulations", "regulated"},
		{"consent", "consents", "consenting"},
	} {
		for _, w := range group[1:] {
			if stem(w) != stem(group[0]) {
				t.Errorf("stem(%q) = %q, stem(%q) = %q: want one stem", w, stem(w), group[0], stem(group[0]))
			}
		}
	}
	for _, w := range []string{"ai", "is", "café", "2023", "e-mail"} {
		if got := stem(w); got != w {
			t.Errorf("stem(%q) = %q, want it unchanged", w, got)
		}
	}
	if stem("general") == stem("generative") {
		t.Error("general and generative must not share a stem")
	}
}

func TestTerms(t *testing.T) {
	var got []string
	terms("Zoom's AI-powered tools, and the consent of users: 10y horizon; Ünïcode café", func(w string) { got = append(got, w) })
	want := []string{"zoom", "ai", "power", "tool", "consent", "user", "10y", "horizon", "ünïcode", "café"}
	if !slices.Equal(got, want) {
		t.Errorf("terms = %q, want %q", got, want)
	}
}

func TestText(t *testing.T) {
	e := render.Entry{
		Title: "Headline", Summary: "Summary text.", URL: "https://example.com/a",
		Keywords: []string{"k1", "k2"}, Themes: []string{"t1"},
		Signals: []render.Signal{{Signal: "s", Change: "c", Horizon: "h", Force: "f", Evidence: "a quote"}},
		Closest: []render.Related{{Title: "Other", ID: "x"}},
	}
	got := Text(e)
	if want := "Headline\nSummary text.\nk1\nk2\nt1\ns\nc\nh\nf"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if strings.Contains(got, "quote") || strings.Contains(got, "Other") || strings.Contains(got, "example.com") {
		t.Error("Text holds evidence, the Closest list or the URL")
	}
}
