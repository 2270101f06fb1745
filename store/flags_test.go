package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
)

func TestFlags(t *testing.T) {
	w := Open(t.TempDir(), "drafts", "entries")
	text := "Zoom changed its terms of service in March. The new terms let the company train AI models on customer content."
	d := Draft{
		ID:       id,
		InputCut: true,
		Article:  extract.Article{Text: text},
		Entry: render.Entry{
			Title:    "Zoom terms",
			Keywords: []string{"Zoom", "AI  models", "blockchain", "(to review 1)"},
			Signals: []render.Signal{
				{Signal: "a", Change: "(to review)", Evidence: "“The new terms\u00a0let the company”"},
				{Signal: "b", Evidence: "this sentence is not there"},
				{Signal: "c"},
			},
		},
	}
	if fs := w.Flags(d, nil); kinds(fs) != "to_review evidence_not_found input_cut keyword_absent" {
		t.Fatalf("flags %v", fs)
	}
	fs := w.Flags(d, []byte("not an entry"))
	want := map[string][]string{
		FlagToReview: {"keywords[3]", "signals[0].change"},
		FlagEvidence: {"signals[1]", "signals[2]: none"},
		FlagKeyword:  {"blockchain"},
	}
	for _, f := range fs {
		if w, ok := want[f.Kind]; ok && !slices.Equal(f.Items, w) {
			t.Errorf("%s: %q, want %q", f.Kind, f.Items, w)
		}
	}
	if fs[len(fs)-1].Kind != FlagFormat || len(fs[len(fs)-1].Items) == 0 {
		t.Errorf("a broken markdown is not flagged: %v", fs)
	}
	if l := (Flag{Kind: FlagToReview, Items: []string{"a", "b"}}).Label(); l != "to review (2)" {
		t.Errorf("label %q", l)
	}

	// The same link archived, then rejected.
	saveDraft(t, w, id)
	if _, _, err := w.Accept(Draft{ID: id}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	saveDraft(t, w, id)
	if _, err := w.Reject(id, "old news", time.Now()); err != nil {
		t.Fatal(err)
	}
	fs = w.Flags(Draft{ID: id}, nil)
	if len(fs) != 1 || fs[0].Kind != FlagDuplicate || len(fs[0].Items) != 2 || !strings.Contains(fs[0].Items[1], "old news") {
		t.Fatalf("duplicate flags %v", fs)
	}
}

func kinds(fs []Flag) string {
	var k []string
	for _, f := range fs {
		k = append(k, f.Kind)
	}
	return strings.Join(k, " ")
}
