package closest

import (
	"strings"
	"unicode"

	"github.com/digest-tool/digest/render"
)

// Text is what an entry is indexed by: its headline, summary, keywords,
// themes and the four cells of each signal, one part a line. The signals'
// evidence quotes are left out: they are the article's words, not the entry's.
func Text(e render.Entry) string {
	var b strings.Builder
	line := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	line(e.Title)
	line(e.Summary)
	for _, k := range e.Keywords {
		line(k)
	}
	for _, t := range e.Themes {
		line(t)
	}
	for _, s := range e.Signals {
		line(s.Signal)
		line(s.Change)
		line(s.Horizon)
		line(s.Force)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// terms splits text into lower-case words, drops stopwords and one-letter
// words, and stems the rest. "Zoom's AI-powered tools" → zoom, ai, power, tool.
func terms(text string, emit func(string)) {
	words(text, nil, func(w []byte) {
		if !stopwords[string(w)] {
			emit(stem(string(w)))
		}
	})
}

// words calls emit with each word of text of two letters or more, in lower
// case: runs of letters and digits. The slice emit gets is reused (buf is
// its first backing array).
func words(text string, buf []byte, emit func([]byte)) {
	start, ascii := -1, true
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		if len(w) < 2 && ascii {
			return
		}
		buf = buf[:0]
		if ascii {
			for i := 0; i < len(w); i++ {
				c := w[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			}
		} else {
			buf = append(buf, strings.ToLower(w)...)
		}
		emit(buf)
	}
	for i, r := range text {
		if r < 0x80 {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
				if start < 0 {
					start, ascii = i, true
				}
				continue
			}
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			ascii = false
			continue
		}
		flush(i)
	}
	flush(len(text))
}

// stopwords are common English words that say nothing about a topic.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again against all also am an and any are aren as at be
because been before being below between both but by can cannot could couldn
did didn do does doesn doing don down during each few for from further had
hadn has hasn have haven having he her here hers herself him himself his how
i if in into is isn it its itself just let ll me more most much must mustn my
myself no nor not now of off on once only or other ought our ours ourselves
out over own re same shan she should shouldn so some such than that the their
theirs them themselves then there these they this those through to too under
until up upon us ve very via was wasn we were weren what when where which
while who whom why will with won would wouldn you your yours yourself
yourselves may might shall within without whether yet however thus still
`) {
		m[w] = true
	}
	return m
}()
