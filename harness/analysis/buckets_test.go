package analysis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// TestPackedBucketsAreExact: a series longer than the live histograms,
// with late payments landing in packed buckets, gives each bucket the same
// statistics as one whole histogram per bucket would.
func TestPackedBucketsAreExact(t *testing.T) {
	plan := traffic.NewPlan([]scenario.Phase{{Duration: scenario.Duration(300 * time.Second), Shape: scenario.ShapeConstant, Rate: 10}})
	b := newBuckets(plan, time.Second)
	want := map[int]*acc{}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		sched := time.Duration(n) * 100 * time.Millisecond
		if n%7 == 0 { // a late payment, far behind the stream
			sched = time.Duration(rng.Int64N(int64(sched) + 1))
		}
		lat := time.Duration(rng.ExpFloat64() * float64(20*time.Millisecond))
		o := record.Approved
		if n%11 == 0 {
			o = record.Timeout
		}
		i := b.index(sched)
		b.acc(i).add(o, lat, "")
		if want[i] == nil {
			want[i] = newAcc()
		}
		want[i].add(o, lat, "")
	}
	if len(b.live) > liveHistograms {
		t.Errorf("%d whole histograms, at most %d", len(b.live), liveHistograms)
	}
	rows := b.close(true)
	for i, w := range want {
		st := w.stats()
		if got := rows[i]; got.Latency != st.Latency || got.Outcomes != st.Outcomes {
			t.Errorf("bucket %d: %+v %+v, want %+v %+v", i, got.Latency, got.Outcomes, st.Latency, st.Outcomes)
		}
	}
}
