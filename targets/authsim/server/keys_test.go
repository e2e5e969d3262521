package server

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyLocksSerialiseOneKey(t *testing.T) {
	k := newKeyLocks()
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, ok := k.acquire(context.Background(), "key", 5*time.Second)
			if !ok {
				t.Error("acquire failed within a generous wait")
				return
			}
			n := inside.Add(1)
			for {
				m := maxInside.Load()
				if n <= m || maxInside.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d holders of one key at once, want 1", maxInside.Load())
	}
	if len(k.m) != 0 {
		t.Errorf("%d keys left held", len(k.m))
	}
}

func TestKeyLocksTimeOutAndOtherKeysFree(t *testing.T) {
	k := newKeyLocks()
	release, ok := k.acquire(context.Background(), "a", time.Second)
	if !ok {
		t.Fatal("first acquire failed")
	}
	if _, ok := k.acquire(context.Background(), "a", 10*time.Millisecond); ok {
		t.Error("second acquire of a held key succeeded")
	}
	other, ok := k.acquire(context.Background(), "b", 10*time.Millisecond)
	if !ok {
		t.Fatal("another key was blocked")
	}
	other()
	release()
	again, ok := k.acquire(context.Background(), "a", 10*time.Millisecond)
	if !ok {
		t.Fatal("released key not free")
	}
	again()
}
