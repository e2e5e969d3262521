package traffic

import (
	"sync"
	"time"
)

// Pacer is a vegeta Pacer that follows a Plan. It also learns the attack's
// base time from vegeta's first call, so that scheduled send times and actual
// send times are measured against one clock.
type Pacer struct {
	plan  *Plan
	once  sync.Once
	began time.Time
	ready chan struct{}
	shard Shard
	// anchor, when set, is the base time instead of vegeta's start (a
	// common start instant across shards); skew is vegeta's start minus it.
	anchor time.Time
	skew   time.Duration
	// stopped ends the wait for the end of the schedule (Stop).
	stopped  chan struct{}
	stopOnce sync.Once
}

// NewPacer returns a Pacer over plan.
func NewPacer(plan *Plan) *Pacer {
	return &Pacer{plan: plan, ready: make(chan struct{}), stopped: make(chan struct{})}
}

// Stop ends the pacer's wait for the end of the schedule, if it is waiting.
func (p *Pacer) Stop() { p.stopOnce.Do(func() { close(p.stopped) }) }

// NewShardPacer returns a Pacer that sends only shard's hits, each at its
// due time on the whole schedule, measured from anchor when it is not zero
// (the --start-at instant every shard shares).
func NewShardPacer(plan *Plan, shard Shard, anchor time.Time) *Pacer {
	p := NewPacer(plan)
	p.shard, p.anchor = shard, anchor
	return p
}

// Shard is the part of the schedule the pacer sends.
func (p *Pacer) Shard() Shard { return p.shard }

// Pace returns how long to wait before hit number hits, or stop once every
// hit of the schedule has been sent and the schedule's time is over. vegeta sends the hit as soon as the wait
// is over, so a hit that is late is sent at once (the open model: no hit is
// dropped, not even at the end of a schedule the generator fell behind on;
// the lag is measured and reported).
func (p *Pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.once.Do(func() {
		p.began = time.Now().Add(-elapsed)
		if !p.anchor.IsZero() {
			p.began, p.skew = p.anchor, p.began.Sub(p.anchor)
		}
		close(p.ready)
	})
	elapsed += p.skew
	due, ok := p.plan.At(p.shard.Global(hits))
	if !ok {
		// Every hit is sent: the run still lasts as long as its phases (a
		// quiet tail at 0/s keeps the service observed and the faults due).
		if rest := p.plan.Duration() - elapsed; rest > 0 {
			t := time.NewTimer(rest)
			defer t.Stop()
			select {
			case <-t.C:
			case <-p.stopped:
			}
		}
		return 0, true
	}
	if due <= elapsed {
		return 0, false
	}
	return due - elapsed, false
}

// Rate is the planned rate at elapsed, in hits per second.
func (p *Pacer) Rate(elapsed time.Duration) float64 { return p.plan.Rate(elapsed) }

// Began returns the attack's base time; it waits for vegeta's first Pace call.
func (p *Pacer) Began() time.Time {
	<-p.ready
	return p.began
}

// Scheduled returns when hit seq was due, against the base time.
func (p *Pacer) Scheduled(seq uint64) time.Duration {
	d, _ := p.plan.At(seq)
	return d
}
