package analysis

import (
	"cmp"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/traffic"
)

// buckets is the time series as it is read: it grows with the attempts, so
// what ran decides its length and memory, not what was planned. A run
// planned for a month and interrupted after ten seconds has ten buckets.
//
// A bucket's latency histogram (about 170 KB) is made when its first
// payment lands. At most liveHistograms are kept whole; the least recently
// used is packed into its non-empty counts (a few KB) and unpacked, exactly,
// should a late payment land in it. Attempts arrive roughly in time order,
// so a long run needs memory for its series plus a few KB per bucket.
type buckets struct {
	width time.Duration
	plan  *traffic.Plan
	limit int // the most buckets: the plan's length, which scenario limits bound
	whole int // the most histograms kept whole (liveHistograms unless set)
	accs  []*acc
	rows  []Bucket
	live  []int // buckets whose histogram is whole, least recently used first
}

// liveHistograms is how many bucket histograms are kept whole (11 MB).
const liveHistograms = 64

func newBuckets(plan *traffic.Plan, width time.Duration) *buckets {
	return &buckets{width: width, plan: plan, limit: int(plan.Duration()/width) + 1}
}

// index returns the bucket of offset d, growing the series to hold it;
// offsets outside the plan go to its first or last bucket.
func (b *buckets) index(d time.Duration) int {
	i := 0
	if d > 0 {
		i = int(min(d/b.width, time.Duration(b.limit-1)))
	}
	b.grow(i + 1)
	return i
}

// maxSendLag is how far behind its schedule a send may land in the series:
// a later one counts in the bucket this far on, so a corrupt send time
// cannot size the series. The send lag histogram's range is the same.
const maxSendLag = maxLatencyUS * time.Microsecond

// sentIndex returns the bucket of a first attempt sent at sent for a
// payment scheduled at sched (within the plan), growing the series to hold
// it.
func (b *buckets) sentIndex(sent, sched time.Duration) int {
	i := b.index(sched)
	j := i
	if sent > sched {
		j = int(min(sent/b.width, sched/b.width+maxSendLag/b.width))
	}
	b.grow(j + 1)
	return min(j, len(b.rows)-1)
}

// grow extends the series to n buckets.
func (b *buckets) grow(n int) {
	for i := len(b.rows); i < min(n, b.limit); i++ {
		from, to := time.Duration(i)*b.width, time.Duration(i+1)*b.width
		b.rows = append(b.rows, Bucket{T: round(from.Seconds(), 3), Offered: round(b.plan.Hits(to)-b.plan.Hits(from), 3)})
		b.accs = append(b.accs, nil)
	}
}

// acc returns bucket i's accumulator with its histogram whole, made on
// first use.
func (b *buckets) acc(i int) *acc {
	a := b.accs[i]
	if a == nil {
		a = newAcc()
		b.accs[i] = a
	} else if a.hist != nil {
		if k := len(b.live) - 1; b.live[k] != i { // the usual case: the newest bucket again
			b.live = append(slices.DeleteFunc(b.live, func(j int) bool { return j == i }), i)
		}
		return a
	} else {
		a.unpack()
	}
	b.live = append(b.live, i)
	if len(b.live) > cmp.Or(b.whole, liveHistograms) {
		b.accs[b.live[0]].pack()
		b.live = slices.Delete(b.live, 0, 1)
	}
	return a
}

// close fills in each bucket's statistics and returns the series; a run
// that completed shows its whole plan, an interrupted one what it recorded.
func (b *buckets) close(completed bool) []Bucket {
	if completed {
		b.grow(b.limit)
	}
	var scratch *hdrhistogram.Histogram // one histogram to unpack each packed bucket into, not one each
	for i, a := range b.accs {
		if a == nil {
			continue
		}
		if a.hist == nil {
			if scratch == nil {
				scratch = hdrhistogram.New(1, maxLatencyUS, 3)
			}
			scratch.Reset()
			for _, vc := range a.packed {
				scratch.RecordValues(vc.value, vc.count)
			}
			a.hist, a.packed = scratch, nil
		}
		st := a.stats()
		r := &b.rows[i]
		r.Payments, r.Outcomes, r.FailureRatio, r.Latency = st.Payments, st.Outcomes, st.FailureRatio, st.Latency
		b.accs[i] = nil // the histograms can go
	}
	return b.rows
}

// valueCount is one non-empty count of a packed histogram.
type valueCount struct{ value, count int64 }

// pack keeps only the histogram's non-empty counts.
func (a *acc) pack() {
	if a.hist == nil {
		return
	}
	for _, bar := range a.hist.Distribution() {
		if bar.Count > 0 {
			a.packed = append(a.packed, valueCount{bar.From, bar.Count})
		}
	}
	a.hist = nil
}

// unpack rebuilds the histogram from its non-empty counts: each value lands
// in the count it came from, so percentiles are unchanged.
func (a *acc) unpack() {
	a.hist = hdrhistogram.New(1, maxLatencyUS, 3)
	for _, vc := range a.packed {
		a.hist.RecordValues(vc.value, vc.count)
	}
	a.packed = nil
}
