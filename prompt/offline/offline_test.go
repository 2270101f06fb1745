package offline

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
)

var articles = []struct {
	file    string
	central []string // at least one must be a keyword: what the article is about
	full    bool     // long enough for the full counts (3–5 summary sentences, keywords from the text)
}{
	{"terms-of-service.txt", []string{"Kestrel"}, true},
	{"gas-boilers.txt", []string{"gas boilers", "Eastport"}, true},
	{"german.txt", []string{"Stadtwerke", "Elektrobusse"}, true},
	{"tiny.txt", []string{"bike lanes", "protected bike lanes"}, false},
}

func TestGenerateArticles(t *testing.T) {
	for _, tc := range articles {
		t.Run(tc.file, func(t *testing.T) {
			a := loadArticle(t, tc.file)
			res := generate(t, a)
			if err := validate(res, a.Text); err != nil {
				t.Fatal(err)
			}
			f := res.Fields

			sentences := summarySentences(t, f.Summary, a)
			if tc.full && (len(sentences) < 3 || len(sentences) > 5) {
				t.Errorf("summary has %d sentences, want 3–5: %q", len(sentences), f.Summary)
			}

			for _, k := range f.Keywords {
				in := strings.Contains(a.Text, k)
				if !tc.full {
					in = in || strings.Contains(a.Title, k)
				}
				if !in {
					t.Errorf("keyword %q does not occur in the text as written", k)
				}
			}
			if !containsAny(f.Keywords, tc.central) {
				t.Errorf("keywords %q hold none of %q", f.Keywords, tc.central)
			}

			for i, s := range f.Signals {
				if s.Signal == review {
					continue
				}
				// Cells are cut from the evidence, not paraphrased.
				for _, cell := range []string{s.Signal, s.Change} {
					if cell == review {
						continue
					}
					for _, w := range wordsOf(cell) {
						if !strings.Contains(strings.ToLower(s.Evidence), w) {
							t.Errorf("signals[%d]: %q of %q is not in the evidence %q", i, w, cell, s.Evidence)
						}
					}
				}
			}
			if len(res.ToReview) == 0 && tc.full {
				t.Log("nothing to review") // fine, but unusual for an extractive engine
			}
		})
	}
}

// summarySentences checks that the summary is whole sentences of the text,
// in article order, and returns them.
func summarySentences(t *testing.T, summary string, a extract.Article) []string {
	t.Helper()
	d := newDoc(a.Text, a.Language)
	var all []string
	for _, s := range d.sents {
		all = append(all, collapse(a.Text[s.start:s.end]))
	}
	var got []string
	rest, next := summary, 0
	for rest != "" {
		found := false
		for j := next; j < len(all); j++ {
			if rest == all[j] || strings.HasPrefix(rest, all[j]+" ") {
				got = append(got, all[j])
				rest = strings.TrimPrefix(rest[len(all[j]):], " ")
				next, found = j+1, true
				break
			}
		}
		if !found {
			t.Fatalf("summary is not sentences of the text in order; stuck at %q", rest)
		}
	}
	norm := collapse(a.Text)
	for _, s := range got {
		if !strings.Contains(norm, s) {
			t.Errorf("summary sentence %q is not in the text", s)
		}
	}
	return got
}

func containsAny(list, want []string) bool {
	for _, k := range list {
		for _, w := range want {
			if k == w {
				return true
			}
		}
	}
	return false
}

// wordsOf lower-cases a cell and splits it into words, punctuation dropped.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func TestSummarySkipsBoilerplate(t *testing.T) {
	a := loadArticle(t, "terms-of-service.txt")
	res := generate(t, a)
	for _, s := range append([]string{res.Fields.Summary}, evidence(res.Fields.Signals)...) {
		if strings.Contains(s, "Subscribe") || strings.Contains(s, "Sign up") {
			t.Errorf("page furniture quoted: %q", s)
		}
	}
}

func evidence(rows []render.Signal) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Evidence)
	}
	return out
}

func TestSignalsStateChanges(t *testing.T) {
	a := loadArticle(t, "gas-boilers.txt")
	res := generate(t, a)
	var horizon, force bool
	for _, s := range res.Fields.Signals {
		if s.Horizon != review {
			horizon = true
			if !strings.Contains(s.Evidence, "by 20") {
				t.Errorf("horizon %q from a sentence without a target year: %q", s.Horizon, s.Evidence)
			}
		}
		if s.Force != review {
			force = true
		}
	}
	// The article states "by 2030" and "to cut carbon emissions" in sentences
	// that announce changes; both must be picked up.
	if !horizon || !force {
		t.Errorf("no horizon (%v) or no driving force (%v) found: %+v", horizon, force, res.Fields.Signals)
	}
}

func TestDeterministic(t *testing.T) {
	for _, tc := range articles {
		a := loadArticle(t, tc.file)
		first := generate(t, a)
		// Concurrently too: the engine shares no state between calls.
		var wg sync.WaitGroup
		results := make([]any, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := New().Generate(context.Background(), a)
				if err != nil {
					results[i] = err
					return
				}
				results[i] = r
			}()
		}
		wg.Wait()
		for i, r := range results {
			if !reflect.DeepEqual(r, first) {
				t.Fatalf("%s: run %d differs:\n%+v\n%+v", tc.file, i, r, first)
			}
		}
	}
}

func TestNoText(t *testing.T) {
	for _, text := range []string{"", "   \n\n  ", "1234 — 5678.", "***"} {
		_, err := New().Generate(context.Background(), extract.Article{Title: "A title", Text: text})
		if !errors.Is(err, errNoText) {
			t.Errorf("text %q: err = %v, want %v", text, err, errNoText)
		}
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New().Generate(ctx, loadArticle(t, "tiny.txt"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestTinyTexts documents what a text too short to fill the fields gets:
// still a valid set, its gaps filled from the title and site, then marked
// for review.
func TestTinyTexts(t *testing.T) {
	for _, a := range []extract.Article{
		{Text: "Hello."},
		{Text: "Prices rose."},
		{Title: "Ferry service resumes", Site: "Harbour News", Text: "The ferry runs again from Monday."},
		{Text: "Ein Satz."},
		{Text: "Heading without a period\n\nAnother line"},
		{Text: "2030: the year of the pivot"},
		{Text: strings.Repeat("word ", 3)},
		{Text: "| a | b |\n|---|---|\n| c | d |"},
	} {
		res, err := New().Generate(context.Background(), a)
		if err != nil {
			t.Errorf("%q: %v", a.Text, err)
			continue
		}
		if err := validate(res, a.Text); err != nil {
			t.Errorf("%q: %v\n%+v", a.Text, err, res.Fields)
		}
	}
	res := generate(t, extract.Article{Text: "Hello."})
	if got := res.Fields.Keywords; got[0] != "Hello" || got[1] != "(to review 1)" {
		t.Errorf("keywords of %q = %q, want the word then placeholders", "Hello.", got)
	}
	if res.Fields.Headline != "Hello" {
		t.Errorf("headline = %q, want the opening words", res.Fields.Headline)
	}
	res = generate(t, extract.Article{Title: "Ferry service resumes", Site: "Harbour News", Text: "The ferry runs again from Monday."})
	if !containsAny(res.Fields.Keywords, []string{"resumes"}) {
		t.Errorf("keywords %q: want title words as padding", res.Fields.Keywords)
	}
}

// TestOtherLanguages: text in a language without a stop list still yields
// valid fields, from word frequencies alone.
func TestOtherLanguages(t *testing.T) {
	for _, a := range []extract.Article{
		{Language: "fi", Text: "Helsingin kaupunki rakentaa uuden raitiotien. Raitiotie valmistuu vuonna 2028. " +
			"Kaupunki arvioi, että raitiotie maksaa 400 miljoonaa euroa. Asukkaat ovat tyytyväisiä raitiotiehen. " +
			"Uusi raitiotie kulkee keskustasta itään. Kaupunki aloittaa rakennustyöt ensi keväänä."},
		{Text: "東京都は2030年までに新築住宅に太陽光パネルの設置を義務付ける。都の担当者は記者会見で説明した。費用の一部は補助金で賄う。"},
		{Language: "es", Text: "El gobierno aprobó una nueva ley de vivienda. La ley limita los alquileres en las grandes ciudades. " +
			"Los propietarios critican la medida. El ministerio espera que los precios bajen un 10% en 2026."},
	} {
		res, err := New().Generate(context.Background(), a)
		if err != nil {
			t.Fatalf("%.20q: %v", a.Text, err)
		}
		if err := validate(res, a.Text); err != nil {
			t.Errorf("%.20q: %v\n%+v", a.Text, err, res.Fields)
		}
	}
}

func TestHeadline(t *testing.T) {
	d := newDoc("Kestrel changed its terms on Tuesday after a week of criticism from users and privacy groups across Europe. More follows.", "en")
	for _, tc := range []struct{ title, site, want string }{
		{"Zoom changes its terms | CNBC", "", "Zoom changes its terms"},
		{"Zoom changes its terms - The Verge", "", "Zoom changes its terms"},
		{"Zoom changes its terms — Tech News Daily", "Tech News Daily", "Zoom changes its terms"},
		{"CNBC | Zoom changes its terms", "CNBC", "Zoom changes its terms"},
		{"Zoom changes its terms - here's what it means", "", "Zoom changes its terms - here's what it means"},
		{"  Zoom   changes\n its terms  ", "", "Zoom changes its terms"},
		{"## Zoom changes its terms", "", "Zoom changes its terms"},
		// No title: twelve words of the first sentence, "from" dropped from the end.
		{"", "", "Kestrel changed its terms on Tuesday after a week of criticism"},
		{"| CNBC", "CNBC", "Kestrel changed its terms on Tuesday after a week of criticism"},
	} {
		if got := d.headline(tc.title, tc.site); got != tc.want {
			t.Errorf("headline(%q, %q) = %q, want %q", tc.title, tc.site, got, tc.want)
		}
	}
	long := strings.Repeat("Lengthy words repeated ", 20)
	if got := d.headline(long, ""); len([]rune(got)) > 160 || strings.HasSuffix(got, " ") || !strings.HasPrefix(long, got) {
		t.Errorf("long title clipped to %q", got)
	}
}

// TestKeywordsNotRedundant: a word that occurs only inside a longer
// keyphrase is not listed beside it, and spellings differing in case or
// number are one keyword.
func TestKeywordsNotRedundant(t *testing.T) {
	text := "Acme changed its terms of service on Monday. The terms of service now allow AI training. " +
		"Critics said the terms of service were vague. Acme defended the terms of service in a statement. " +
		"Regulators will review the terms of service next month. Acme said AI models improve products. " +
		"The AI model is trained on customer data. Customer data stays private, Acme said. " +
		"Lawyers doubt that customer data is anonymous. Acme shares fell after the news."
	res := generate(t, extract.Article{Title: "Acme rewrites its terms of service", Text: text})
	kw := res.Fields.Keywords
	t.Logf("keywords: %q", kw)
	if !containsAny(kw, []string{"terms of service"}) {
		t.Fatalf("keywords %q lack %q", kw, "terms of service")
	}
	seen := map[string]bool{}
	for _, k := range kw {
		l := strings.ToLower(k)
		if l == "service" || l == "terms" {
			t.Errorf("keywords %q list %q, which occurs only in %q", kw, k, "terms of service")
		}
		if l == "ai model" || l == "ai models" {
			if seen["ai model"] {
				t.Errorf("keywords %q list AI model twice", kw)
			}
			seen["ai model"] = true
		}
	}
}
