package prompt

import (
	"fmt"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

func (u *Usage) add(v Usage) {
	u.PromptTokens += v.PromptTokens
	u.CompletionTokens += v.CompletionTokens
	u.CachedTokens += v.CachedTokens
	u.Requests += v.Requests
	u.Retries += v.Retries
}

func (u *Usage) addAPI(v openai.Usage) {
	u.PromptTokens += v.PromptTokens
	u.CompletionTokens += v.CompletionTokens
	if v.PromptTokensDetails != nil {
		u.CachedTokens += v.PromptTokensDetails.CachedTokens
	}
}

// Prices are a model's prices in dollars per million tokens.
type Prices struct {
	Input       float64 `json:"input"`
	CachedInput float64 `json:"cached_input"` // 0 means the Input price
	Output      float64 `json:"output"`
}

// Cost is what u cost at p, in dollars; false when p holds no price.
// Cached prompt tokens are billed at CachedInput, the rest at Input.
func (u Usage) Cost(p Prices) (float64, bool) {
	if p.Input == 0 && p.Output == 0 && p.CachedInput == 0 {
		return 0, false
	}
	cached := p.CachedInput
	if cached == 0 {
		cached = p.Input
	}
	fresh := max(u.PromptTokens-u.CachedTokens, 0)
	return (float64(fresh)*p.Input + float64(u.CachedTokens)*cached + float64(u.CompletionTokens)*p.Output) / 1e6, true
}

// Summary says in one line what producing r took, e.g.
// "gpt-4o-mini: 1 request, 3,412 prompt (1,024 cached) + 312 completion
// tokens, $0.0007"; the cost only when p is given and holds prices.
func Summary(r Result, p *Prices) string {
	name := r.Model
	if name == "" {
		name = r.Engine
	}
	switch {
	case r.Cached:
		return name + ": from the cache, no request"
	case r.Usage.Requests == 0:
		return name + ": no model request"
	}
	u := r.Usage
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", name, plural(u.Requests, "request"))
	if u.Retries > 0 {
		fmt.Fprintf(&b, " (%s)", plural(u.Retries, "retry", "retries"))
	}
	fmt.Fprintf(&b, ", %s prompt", thousands(u.PromptTokens))
	if u.CachedTokens > 0 {
		fmt.Fprintf(&b, " (%s cached)", thousands(u.CachedTokens))
	}
	fmt.Fprintf(&b, " + %s completion tokens", thousands(u.CompletionTokens))
	if p != nil {
		if cost, ok := u.Cost(*p); ok {
			if cost > 0 && cost < 0.0001 {
				b.WriteString(", <$0.0001")
			} else {
				fmt.Fprintf(&b, ", $%.4f", cost)
			}
		}
	}
	if r.InputCut {
		b.WriteString(", article cut to fit")
	}
	return b.String()
}

// thousands writes n with comma separators: 3412 → "3,412".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
