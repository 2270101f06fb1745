package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/render"
)

// FuzzValidAnswerDrafts: whatever a model writes, once prompt.Validate
// accepts it the pipeline makes a draft of it, its markdown passes the
// format check and parses back to the same headline, keywords and cells.
// (A failure here is the "fails its own check" error users would meet.)
func FuzzValidAnswerDrafts(f *testing.F) {
	f.Add("Battery storage overtakes gas", "Utilities said so. Prices fall. Regulators approve.", "grid", "storage", "Battery | storage", "peakers retire", "cheaper cells")
	f.Add("A __bold__ `title`", "# Not a heading. * Not a bullet. | Not a cell.", "a|b", "*x*", "c\\|d", "[x](javascript:alert(1))", "<script>")
	f.Add(" padded ", "One.  Two.\tThree.", "Zoom", "AI models", "x", "y", "z")
	a := article()
	f.Fuzz(func(t *testing.T, headline, summary, kw, theme, signal, change, force string) {
		fl := prompt.Fields{
			Headline: headline,
			Summary:  summary,
			Keywords: []string{kw, "alpha", "beta", "gamma", "delta"},
			Themes:   []string{theme, "energy"},
			Signals: []render.Signal{
				{Signal: signal, Change: change, Horizon: "within ten years", Force: force, Evidence: "the first quoted sentence"},
				{Signal: "a second signal", Change: change, Horizon: "it spreads", Force: force, Evidence: "the second quoted sentence"},
			},
		}
		if len(prompt.Validate(fl, a.Text)) > 0 {
			return
		}
		p := newPipeline(nil, nil)
		p.Engine = fixedEngine{fl}
		d, md, err := p.Draft(context.Background(), a, "20230827")
		if err != nil {
			t.Fatalf("valid fields %+v: %v", fl, err)
		}
		if probs := render.Check(md, d.ID); len(probs) > 0 {
			t.Fatalf("line %d: %s\n%s", probs[0].Line, probs[0].Msg, md)
		}
		e, err := render.Parse(md)
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, md)
		}
		if e.Title != d.Entry.Title || len(e.Keywords) != len(fl.Keywords) || len(e.Signals) != 2 || e.Signals[0].Signal != d.Entry.Signals[0].Signal {
			t.Fatalf("round trip: %+v\nfrom %+v\n%s", e, d.Entry, md)
		}
		if strings.Contains(string(md), "pw@") {
			t.Fatal("credentials in the entry")
		}
	})
}
