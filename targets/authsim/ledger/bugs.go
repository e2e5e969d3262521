package ledger

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Bugs are authsim's known bugs, each off by default. Each is a realistic code
// path that misbehaves only under concurrency or faults; they exist so that
// tests can prove authquake's audit catches them.
type Bugs struct {
	// IdempotencyRace checks the key in a statement of its own, before the
	// transaction, with no unique constraint: concurrent retries of one key can
	// place two holds.
	IdempotencyRace bool
	// LimitRace reads available credit without locking the account row:
	// concurrent payments on one account can exceed its limit.
	LimitRace bool
	// AckBeforeCommit answers approved before the commit and commits in the
	// background: a crash or a cut database link loses approvals the client saw.
	AckBeforeCommit bool
	// DeclineLeavesHold places the hold before the risk screen and does not
	// release it when the screen declines.
	DeclineLeavesHold bool
	// StaleLimitCache caches limits and freezes for some seconds: a lowered
	// limit or a freeze is not honoured at once.
	StaleLimitCache bool
}

// bugTable names each bug and points at its switch.
var bugTable = []struct {
	name string
	on   func(*Bugs) *bool
}{
	{"ack-before-commit", func(b *Bugs) *bool { return &b.AckBeforeCommit }},
	{"decline-leaves-hold", func(b *Bugs) *bool { return &b.DeclineLeavesHold }},
	{"idempotency-race", func(b *Bugs) *bool { return &b.IdempotencyRace }},
	{"limit-race", func(b *Bugs) *bool { return &b.LimitRace }},
	{"stale-limit-cache", func(b *Bugs) *bool { return &b.StaleLimitCache }},
}

// BugNames lists the known bugs by name, sorted.
func BugNames() []string {
	names := make([]string, len(bugTable))
	for i, e := range bugTable {
		names[i] = e.name
	}
	return names
}

// ParseBugs reads a comma-separated list of bug names (AUTHSIM_BUGS).
func ParseBugs(s string) (Bugs, error) {
	var b Bugs
next:
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		for _, e := range bugTable {
			if e.name == name {
				*e.on(&b) = true
				continue next
			}
		}
		return b, fmt.Errorf("unknown bug %q: known bugs are %s", name, strings.Join(BugNames(), ", "))
	}
	return b, nil
}

// String lists the bugs that are on, comma-separated.
func (b Bugs) String() string {
	var on []string
	for _, e := range bugTable {
		if *e.on(&b) {
			on = append(on, e.name)
		}
	}
	return strings.Join(on, ",")
}

// limitCache is the stale-limit-cache bug: limits and freezes remembered for
// a TTL and never invalidated when they change.
type limitCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedLimit
}

type cachedLimit struct {
	limit  int64
	frozen bool
	at     time.Time
}

func newLimitCache(ttl time.Duration) *limitCache {
	return &limitCache{ttl: ttl, m: map[string]cachedLimit{}}
}

// get returns the cached limit and freeze of account, if still fresh.
func (c *limitCache) get(account string) (int64, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[account]
	if !ok || time.Since(e.at) > c.ttl {
		return 0, false, false
	}
	return e.limit, e.frozen, true
}

func (c *limitCache) put(account string, limit int64, frozen bool) {
	c.mu.Lock()
	c.m[account] = cachedLimit{limit: limit, frozen: frozen, at: time.Now()}
	c.mu.Unlock()
}
