package batch

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Lines prints one line per finished link: plain text, or with JSON one
// Result object per line (JSON lines).
type Lines struct {
	W    io.Writer
	JSON bool
}

// Add implements Progress.
func (l Lines) Add(r Result, read int) {
	if l.JSON {
		b, _ := json.Marshal(r)
		l.W.Write(append(b, '\n'))
		return
	}
	switch r.Status {
	case Done:
		fmt.Fprintf(l.W, "done     %s -> %s (%s tokens, %.1fs)\n", r.URL, r.Draft, humanInt(r.Tokens), r.Seconds)
	case Failed:
		fmt.Fprintf(l.W, "failed   %s\n", failureText(r))
	case Skipped:
		fmt.Fprintf(l.W, "skipped  %s: %s\n", r.URL, r.Reason)
	case Canceled:
		fmt.Fprintf(l.W, "canceled %s\n", r.URL)
	}
}

// Bar is a progress bar for a terminal: done, failed and skipped counts,
// the rate of links drafted and the time left. Failures are printed above
// the bar as they happen.
type Bar struct {
	p     *mpb.Progress
	bar   *mpb.Bar
	total int // known in advance; 0 when the list is streamed
	start time.Time
	now   func() time.Time

	mu                    sync.Mutex
	done, failed, skipped int
}

// NewBar draws a bar on w, a terminal. total is the number of links when
// known in advance, else 0: the bar then grows as the list is read.
func NewBar(w io.Writer, total int, now func() time.Time) *Bar {
	if now == nil {
		now = time.Now
	}
	b := &Bar{total: total, now: now, start: now()}
	b.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(80), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())
	b.bar = b.p.New(int64(total), mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(decor.Any(b.counts, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CountersNoUnit(" %d/%d"), decor.Any(b.rate, decor.WC{W: 10}), decor.Any(b.eta, decor.WC{W: 12})),
	)
	return b
}

// Add implements Progress.
func (b *Bar) Add(r Result, read int) {
	b.mu.Lock()
	switch r.Status {
	case Done:
		b.done++
	case Failed, Canceled:
		b.failed++
	case Skipped:
		b.skipped++
	}
	b.mu.Unlock()
	if r.Status == Failed {
		fmt.Fprintf(b.p, "failed  %s\n", failureText(r))
	}
	if b.total == 0 {
		b.bar.SetTotal(int64(read), false)
	}
	b.bar.Increment()
}

// Write prints p above the bar.
func (b *Bar) Write(p []byte) (int, error) { return b.p.Write(p) }

// Close completes the bar and waits until it is drawn for the last time.
func (b *Bar) Close() {
	b.bar.SetTotal(-1, true)
	b.p.Wait()
}

func (b *Bar) counts(decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%d done · %d failed · %d skipped", b.done, b.failed, b.skipped)
}

// worked is the number of links that cost work: skipped ones are nearly
// free and would make the rate look better than it is.
func (b *Bar) worked() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done + b.failed
}

func (b *Bar) rate(decor.Statistics) string {
	el := b.now().Sub(b.start).Minutes()
	if el <= 0 || b.worked() == 0 {
		return " -/min"
	}
	return fmt.Sprintf(" %.1f/min", float64(b.worked())/el)
}

func (b *Bar) eta(s decor.Statistics) string {
	w := b.worked()
	if w == 0 || s.Total <= s.Current {
		return " ETA -"
	}
	per := b.now().Sub(b.start) / time.Duration(w)
	left := per * time.Duration(s.Total-s.Current)
	return " ETA " + left.Round(time.Second).String()
}
