package prompt

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EstimateTokens guesses how many tokens a model's tokenizer makes of s,
// without shipping a tokenizer: max(ceil(runes/4), ceil(words*4/3)), where a
// word is a run of letters or digits and every CJK, kana or hangul rune
// counts as a word of its own. English prose averages about 4 characters and
// 0.75 words per token in the GPT tokenizers, so the two halves agree there;
// the word half keeps CJK text (about one token per character) and the
// character half keeps punctuation-heavy text such as JSON from being
// under-counted. It slightly over-estimates English prose, which is the safe
// side for a budget. The fake server in internal/fakeopenai counts with it too.
func EstimateTokens(s string) int {
	runes := utf8.RuneCountInString(s)
	words := 0
	inWord := false
	for _, r := range s {
		switch {
		case isIdeograph(r):
			words++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return max((runes+3)/4, (words*4+2)/3)
}

func isIdeograph(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// cutMarker is the paragraph put where cutText removed the middle.
const cutMarker = "[…]"

// cutText shortens text to about budget tokens, keeping whole paragraphs
// (blank-line separated) from the head (about two thirds of the budget) and
// the tail (the rest), with a cutMarker paragraph between. The head of an
// article carries its news and the tail its conclusion; the middle is the
// cheapest to lose. A paragraph too long to fit on its own is cut at a word
// boundary, so text without paragraph breaks still shrinks. It reports
// whether it cut anything.
func cutText(text string, budget int) (string, bool) {
	if EstimateTokens(text) <= budget {
		return text, false
	}
	paras := splitParagraphs(text)
	budget = max(budget-EstimateTokens(cutMarker)-2, 16)
	headBudget := budget * 2 / 3
	tailBudget := budget - headBudget

	var head, tail []string
	used, i := 0, 0
	for ; i < len(paras); i++ {
		t := EstimateTokens(paras[i]) + 1
		if used+t > headBudget {
			break
		}
		head = append(head, paras[i])
		used += t
	}
	if len(head) == 0 {
		// The first paragraph alone is over the head's budget.
		head = append(head, wordPrefix(paras[0], headBudget))
		used, i = EstimateTokens(head[0]), 1
		if len(paras) == 1 {
			tail = append(tail, wordSuffix(paras[0], tailBudget))
		}
	}
	tailBudget += headBudget - used
	used = 0
	for j := len(paras) - 1; j >= i; j-- {
		t := EstimateTokens(paras[j]) + 1
		if used+t > tailBudget {
			if len(tail) == 0 && j > i {
				tail = append(tail, wordSuffix(paras[j], tailBudget))
			}
			break
		}
		tail = append([]string{paras[j]}, tail...)
		used += t
	}
	out := append(head, cutMarker)
	out = append(out, tail...)
	return strings.Join(out, "\n\n"), true
}

// splitParagraphs splits on blank lines, dropping empty paragraphs.
func splitParagraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// wordPrefix returns the longest run of whole words from the start of p that
// fits in budget tokens.
func wordPrefix(p string, budget int) string {
	words := strings.Fields(p)
	n := sort.Search(len(words), func(n int) bool {
		return EstimateTokens(strings.Join(words[:n+1], " ")) > budget
	})
	return strings.Join(words[:n], " ")
}

// wordSuffix is wordPrefix from the end.
func wordSuffix(p string, budget int) string {
	words := strings.Fields(p)
	n := sort.Search(len(words), func(n int) bool {
		return EstimateTokens(strings.Join(words[len(words)-n-1:], " ")) > budget
	})
	return strings.Join(words[len(words)-n:], " ")
}
