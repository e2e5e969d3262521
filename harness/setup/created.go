package setup

import (
	"sort"
	"sync"

	"github.com/authquake/authquake/harness/rundir"
)

// Created is a ledger entry a setup step made (created.json).
type Created = rundir.Created

// creations collects what the runs of steps made, from any goroutine.
type creations struct {
	mu   sync.Mutex
	list []Created
}

func (c *creations) add(e Created) {
	c.mu.Lock()
	c.list = append(c.list, e)
	c.mu.Unlock()
}

// sorted returns what was made, in a stable order.
func (c *creations) sorted() []Created {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]Created(nil), c.list...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		return a.Field+a.Value < b.Field+b.Value
	})
	return out
}
