package prompt_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/prompt"
)

// groundTruth is the article bodies of the extraction benchmark, kept beside
// the repository (not in it): the benchmark skips without them.
const groundTruth = "../../shared/bench/aeb-dev/ground-truth.json"

// BenchmarkPromptTokens measures what the prompts add to the article: the
// prompt tokens sent per entry (as the fake server counts them, schema
// included) over the article's own tokens, and the fixed overhead (prompt
// tokens minus article tokens), and the share of prompt tokens a provider
// with prompt caching would bill as cached (the fake caches repeated message
// prefixes of 1024 tokens or more, as OpenAI does).
//
//	go test ./prompt/ -run '^$' -bench PromptTokens -benchtime 1x
func BenchmarkPromptTokens(b *testing.B) {
	raw, err := os.ReadFile(groundTruth)
	if err != nil {
		b.Skipf("no benchmark data: %v", err)
	}
	var pages map[string]struct {
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(raw, &pages); err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, p := range pages {
		texts = append(texts, p.ArticleBody)
	}
	sort.Strings(texts)
	for _, mode := range []struct {
		name string
		cfg  prompt.Config
	}{
		{"json_schema", prompt.Config{}},
		{"json_object", prompt.Config{Structured: prompt.StructuredObject}},
		{"modules", prompt.Config{Modules: true}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			s := fakeopenai.New(b, nil)
			cfg := mode.cfg
			cfg.BaseURL, cfg.Model = s.URL(), "m"
			c, err := prompt.NewClient(cfg)
			if err != nil {
				b.Fatal(err)
			}
			var sent, article, requests, cached int
			var ratios []float64
			for range b.N {
				sent, article, requests, cached, ratios = 0, 0, 0, 0, ratios[:0]
				for _, text := range texts {
					res, err := c.Generate(context.Background(), extract.Article{Text: text})
					if err != nil {
						b.Fatal(err)
					}
					at := prompt.EstimateTokens(text)
					sent += res.Usage.PromptTokens
					article += at
					requests += res.Usage.Requests
					cached += res.Usage.CachedTokens
					ratios = append(ratios, float64(res.Usage.PromptTokens)/float64(at))
				}
			}
			sort.Float64s(ratios)
			n := float64(len(texts))
			b.ReportMetric(float64(sent)/n, "prompt-tokens/entry")
			b.ReportMetric(float64(article)/n, "article-tokens/entry")
			b.ReportMetric(float64(sent)/float64(article), "ratio")
			b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
			b.ReportMetric(float64(sent-article)/float64(requests), "overhead-tokens/request")
			b.ReportMetric(float64(sent-article)/n, "overhead-tokens/entry")
			b.ReportMetric(float64(cached)/float64(sent), "cached-share")
		})
	}
}
