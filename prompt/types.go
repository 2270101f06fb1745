// Package prompt turns an Article into the model-written parts of an entry:
// the prompt modules (text + JSON schema + validation each), the client for
// OpenAI-compatible endpoints (retries, rate limits, repair, cache, token
// accounting). The offline engine lives in prompt/offline.
package prompt

import (
	"context"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
)

// Fields are the parts of an entry an engine writes.
type Fields struct {
	Headline string          `json:"headline"`
	Summary  string          `json:"summary"`
	Keywords []string        `json:"keywords"`
	Themes   []string        `json:"themes"`
	Signals  []render.Signal `json:"signals"`
}

// Usage counts what producing Fields cost.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	CachedTokens     int `json:"cached_tokens"`
	Requests         int `json:"requests"`
	Retries          int `json:"retries"`
}

// Result is what an engine returns for one article.
type Result struct {
	Fields   Fields `json:"fields"`
	Engine   string `json:"engine"`          // "openai" or "offline"
	Model    string `json:"model,omitempty"` // model name for the openai engine
	Usage    Usage  `json:"usage"`
	InputCut bool   `json:"input_cut"` // the article was cut to fit the token budget
	Cached   bool   `json:"cached"`    // served from the response cache
	// PromptVersion identifies the prompt files and schemas the openai
	// engine used (a hash), for provenance.
	PromptVersion string `json:"prompt_version,omitempty"`
	// ToReview lists cells an offline engine could not fill well, as
	// "signals[1].horizon"-style paths; those cells read "(to review)".
	ToReview []string `json:"to_review,omitempty"`
}

// Engine produces Fields for an article.
type Engine interface {
	Generate(ctx context.Context, a extract.Article) (Result, error)
}
