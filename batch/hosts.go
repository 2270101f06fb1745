package batch

import (
	"context"
	"sync"
)

// hostLimit lets at most n fetches run at a time against one host, so a
// list full of one site's links does not hammer it. Entries are dropped
// when unused: memory follows the hosts in flight, not the list.
type hostLimit struct {
	n     int
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem   chan struct{}
	users int
}

func newHostLimit(n int) *hostLimit {
	return &hostLimit{n: max(n, 1), hosts: map[string]*hostSlot{}}
}

// acquire waits for a slot for host; release gives it back.
func (h *hostLimit) acquire(ctx context.Context, host string) (release func(), err error) {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, h.n)}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()

	done := func() {
		h.mu.Lock()
		if s.users--; s.users == 0 {
			delete(h.hosts, host)
		}
		h.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}
