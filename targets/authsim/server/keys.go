package server

import (
	"context"
	"sync"
	"time"
)

// keyLocks lets one request per idempotency key be in flight in this process.
// A second request with the same key waits for the first to finish (and then
// finds its stored answer) for up to a bound, then gets 409.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func newKeyLocks() *keyLocks { return &keyLocks{m: map[string]chan struct{}{}} }

// acquire takes key, waiting at most wait for a holder to finish. It returns
// the release function, or false when the key stayed busy or ctx ended.
func (k *keyLocks) acquire(ctx context.Context, key string, wait time.Duration) (func(), bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		k.mu.Lock()
		busy, held := k.m[key]
		if !held {
			done := make(chan struct{})
			k.m[key] = done
			k.mu.Unlock()
			return func() {
				k.mu.Lock()
				delete(k.m, key)
				k.mu.Unlock()
				close(done)
			}, true
		}
		k.mu.Unlock()
		select {
		case <-busy:
		case <-timer.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}
