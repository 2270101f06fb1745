package prompt

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// exchange is what the transport saw of the response to one attempt.
type exchange struct {
	status int
	header http.Header
}

type exchangeKey struct{}

// recorder notes the status and headers of each response in the exchange
// its request's context carries: go-openai returns errors without the
// headers, and a 429's Retry-After lives there.
type recorder struct{ base http.RoundTripper }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if x, ok := req.Context().Value(exchangeKey{}).(*exchange); ok && resp != nil {
		x.status, x.header = resp.StatusCode, resp.Header.Clone()
	}
	if resp != nil {
		if resp.ContentLength > maxResponseBytes {
			resp.Body.Close()
			return nil, errResponseTooLarge
		}
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxResponseBytes + 1}
	}
	return resp, err
}

// maxResponseBytes bounds the body of one model response. An answer is a
// few kilobytes of JSON; go-openai reads bodies whole, so a broken or
// hostile server sending more would otherwise cost its size in memory, and
// an answer that size would be sent back in the repair round.
const maxResponseBytes = 4 << 20

var errResponseTooLarge = errors.New("the response is larger than " + strconv.Itoa(maxResponseBytes>>20) + " MiB")

// cappedBody fails the read that goes past maxResponseBytes.
type cappedBody struct {
	io.ReadCloser
	left int64 // bytes allowed, plus the one that shows the cap was passed
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left <= 0 {
		return n, errResponseTooLarge
	}
	return n, err
}

// backoffDelay is the wait before retry n (0-based): 1s doubling to at most
// 30s, half of it fixed and half random, so that workers that failed
// together do not retry together.
func backoffDelay(n int) time.Duration {
	d := time.Second << min(n, 5)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

// gate pauses every request of a Client while one of them waits out a 429:
// the limit is the account's, not the request's.
type gate struct {
	mu   sync.Mutex
	done chan struct{} // open while a pause lasts
}

// wait returns when no pause is in progress.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.done
	g.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pause holds every request for d using sleep. When a pause is already in
// progress it joins that one instead of stacking another.
func (g *gate) pause(ctx context.Context, d time.Duration, sleep func(context.Context, time.Duration) error) error {
	g.mu.Lock()
	if g.done != nil {
		g.mu.Unlock()
		return g.wait(ctx)
	}
	ch := make(chan struct{})
	g.done = ch
	g.mu.Unlock()
	err := sleep(ctx, d)
	g.mu.Lock()
	g.done = nil
	close(ch)
	g.mu.Unlock()
	return err
}
