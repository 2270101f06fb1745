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
	// From Porter's paper and his reference vocabulary.
	for w, want := range map[string]string{
		"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat",
		"feed": "feed", "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor",
		"sing": "sing", "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
		"tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
		"filing": "file", "happy": "happi", "sky": "sky", "relational": "relat", "conditional": "condit",
		"rational": "ration", "valenci": "valenc", "digitizer": "digit", "conformabli": "conform",
		"radicalli": "radic", "differentli": "differ", "vileli": "vile", "analogousli": "analog",
		"vietnamization": "vietnam", "predication": "predic", "operator": "oper", "feudalism": "feudal",
		"decisiveness": "decis", "hopefulness": "hope", "callousness": "callous", "formaliti": "formal",
		"sensitiviti": "sensit", "sensibiliti": "sensibl", "triplicate": "triplic", "formative": "form",
		"formalize": "formal", "electriciti": "electr", "electrical": "electr", "hopeful": "hope",
		"goodness": "good", "revival": "reviv", "allowance": "allow", "inference": "infer",
		"airliner": "airlin", "gyroscopic": "gyroscop", "adjustable": "adjust", "defensible": "defens",
		"irritant": "irrit", "replacement": "replac", "adjustment": "adjust", "dependent": "depend",
		"adoption": "adopt", "homologou": "homolog", "communism": "commun", "activate": "activ",
		"angulariti": "angular", "homologous": "homolog", "effective": "effect", "bowdlerize": "bowdler",
		"probate": "probat", "rate": "rate", "cease": "ceas", "controll": "control", "roll": "roll",
		"generalizations": "gener", "oscillators": "oscil", "training": "train", "trained": "train",
		"models": "model", "data": "data", "ai": "ai", "is": "is", "zoom": "zoom", "café": "café",
		"ion": "ion", "2023": "2023",
	} {
		if got := stem(w); got != want {
			t.Errorf("stem(%q) = %q, want %q", w, got, want)
		}
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
