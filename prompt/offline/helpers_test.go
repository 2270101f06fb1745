package offline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
)

// loadArticle reads testdata/<name>: "key: value" header lines (title,
// site, url, published, language), a blank line, then the article text.
func loadArticle(t testing.TB, name string) extract.Article {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	head, text, ok := strings.Cut(string(b), "\n\n")
	if !ok {
		t.Fatalf("%s: no blank line after the header", name)
	}
	a := extract.Article{Text: strings.TrimRight(text, "\n")}
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "title":
			a.Title = v
		case "site":
			a.Site = v
		case "url":
			a.URL, a.FinalURL, a.CanonicalURL = v, v, v
		case "published":
			a.Published = v
		case "language":
			a.Language = v
		default:
			t.Fatalf("%s: unknown header %q", name, k)
		}
	}
	a.Words = len(strings.Fields(a.Text))
	return a
}

func generate(t testing.TB, a extract.Article) prompt.Result {
	t.Helper()
	res, err := New().Generate(context.Background(), a)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return res
}
