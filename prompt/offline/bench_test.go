package offline

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/digest-tool/digest/extract"
)

// longArticle is about 5,000 words: the English and German test articles
// repeated, digits shifted in each copy. Repeats make the sentence graph
// denser than a real article's, which errs on the slow side; the smaller
// vocabulary errs the other way.
func longArticle(b testing.TB) extract.Article {
	var parts []string
	words := 0
	for i := 0; words < 5000; i++ {
		for _, name := range []string{"terms-of-service.txt", "gas-boilers.txt", "german.txt"} {
			a := loadArticle(b, name)
			text := strings.Map(func(r rune) rune {
				if unicode.IsDigit(r) {
					return '0' + (r-'0'+rune(i))%10
				}
				return r
			}, a.Text)
			parts = append(parts, text)
			words += len(strings.Fields(text))
		}
	}
	a := loadArticle(b, "terms-of-service.txt")
	a.Text = strings.Join(parts, "\n\n")
	a.Words = words
	return a
}

func BenchmarkGenerate(b *testing.B) {
	a := longArticle(b)
	b.ReportMetric(float64(a.Words), "words")
	e := New()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Generate(context.Background(), a); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLongArticle(t *testing.T) {
	a := longArticle(t)
	res := generate(t, a)
	if err := validate(res, a.Text); err != nil {
		t.Fatal(err)
	}
}

// FuzzGenerate: whatever the text, Generate either refuses it as empty or
// returns fields that pass validation.
func FuzzGenerate(f *testing.F) {
	for _, name := range []string{"terms-of-service.txt", "gas-boilers.txt", "german.txt", "tiny.txt"} {
		a := loadArticle(f, name)
		f.Add(a.Title, a.Text, a.Language)
	}
	f.Add("", "Mr. A. B. said: \"No.\" | x | y |\n# Heading\n\n* item. Another!", "")
	f.Add("| Site", "U.S. 3.5% … e.g. z. B. 1. Januar 2030 by 2030.", "de")
	f.Fuzz(func(t *testing.T, title, text, lang string) {
		res, err := New().Generate(context.Background(), extract.Article{Title: title, Text: text, Language: lang, Published: "2024-01-01"})
		if err != nil {
			if strings.ContainsFunc(text, unicode.IsLetter) {
				t.Fatalf("error for a text with letters: %v", err)
			}
			return
		}
		if err := validate(res, text); err != nil {
			t.Fatalf("%v\ntitle %q\ntext %q\n%+v", err, title, text, res.Fields)
		}
	})
}

// BenchmarkAEBArticles runs the engine over the 91 article texts of the
// extraction benchmark (../shared/bench, absent in CI: skipped) and reports
// the time per article, its p95 and the mean article length.
func BenchmarkAEBArticles(b *testing.B) {
	raw, err := os.ReadFile("../../../shared/bench/aeb-dev/ground-truth.json")
	if err != nil {
		b.Skip("benchmark pages not present:", err)
	}
	var gt map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &gt); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, len(gt))
	for id := range gt {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var arts []extract.Article
	words := 0
	for _, id := range ids {
		g := gt[id]
		if strings.TrimSpace(g.ArticleBody) == "" {
			continue
		}
		a := extract.Article{URL: g.URL, Text: g.ArticleBody, Words: len(strings.Fields(g.ArticleBody))}
		words += a.Words
		arts = append(arts, a)
	}
	e := New()
	var per []time.Duration
	b.ResetTimer()
	for b.Loop() {
		for _, a := range arts {
			t0 := time.Now()
			if _, err := e.Generate(context.Background(), a); err != nil {
				b.Fatalf("%s: %v", a.URL, err)
			}
			per = append(per, time.Since(t0))
		}
	}
	b.StopTimer()
	sort.Slice(per, func(i, j int) bool { return per[i] < per[j] })
	b.ReportMetric(float64(per[len(per)/2].Microseconds())/1000, "ms/article-median")
	b.ReportMetric(float64(per[len(per)*95/100].Microseconds())/1000, "ms/article-p95")
	b.ReportMetric(float64(words)/float64(len(arts)), "words/article")
}
