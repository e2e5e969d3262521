package traffic

import (
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

func TestShardsAddUpToTheWholeSchedule(t *testing.T) {
	plan := NewPlan([]scenario.Phase{{Shape: "ramp", Duration: dur(10 * time.Second), From: rate(10), To: rate(90)}})
	total := plan.Total()
	for _, n := range []int{1, 2, 3, 4, 7} {
		seen := make([]int, total)
		var planned uint64
		for k := range n {
			sh := Shard{Index: k, Count: n}
			p := NewShardPacer(plan, sh, time.Time{})
			p.Stop() // paced at time 0: no waiting out the schedule's end
			planned += sh.Planned(total)
			var j uint64
			for ; ; j++ {
				// Pace at time 0: the wait is the hit's due time on the whole schedule.
				wait, stop := p.Pace(0, j)
				if stop {
					break
				}
				seq := sh.Global(j)
				if !sh.Owns(seq) {
					t.Fatalf("%d/%d: hit %d is not its own", k, n, seq)
				}
				if want, _ := plan.At(seq); wait != want {
					t.Fatalf("%d/%d: hit %d due at %v, want %v", k, n, seq, wait, want)
				}
				seen[seq]++
			}
			if j != sh.Planned(total) {
				t.Errorf("%d/%d: paced %d hits, Planned says %d", k, n, j, sh.Planned(total))
			}
		}
		for seq, c := range seen {
			if c != 1 {
				t.Fatalf("N=%d: hit %d sent %d times, want once", n, seq, c)
			}
		}
		if planned != total {
			t.Errorf("N=%d: shards plan %d hits, the schedule %d", n, planned, total)
		}
	}
}

func TestShardPacerMeasuresFromTheCommonStart(t *testing.T) {
	plan := NewPlan([]scenario.Phase{{Shape: "constant", Duration: dur(10 * time.Second), Rate: rate(10)}})
	anchor := time.Now().Add(2 * time.Second) // vegeta starts 2 s before the common instant
	p := NewShardPacer(plan, Shard{Index: 1, Count: 2}, anchor)
	// Global hit 1 is due 100 ms after the anchor: the wait is that instant
	// less the pacer's now, which lies between before and after.
	due := anchor.Add(100 * time.Millisecond)
	before := time.Now()
	wait, _ := p.Pace(0, 0)
	after := time.Now()
	if wait < due.Sub(after) || wait > due.Sub(before) {
		t.Errorf("first hit waits %v, want between %v and %v (until 100 ms after the anchor)", wait, due.Sub(after), due.Sub(before))
	}
	if !p.Began().Equal(anchor) {
		t.Errorf("base time %v, want the anchor %v", p.Began(), anchor)
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/3", Shard{0, 3}, true}, // the first of three
		{"2/3", Shard{2, 3}, true}, // the last of three
		{"3/3", Shard{}, false},    // K must be below N
		{"1", Shard{}, false},      // no N
		{"-1/2", Shard{}, false},   // negative
		{"a/b", Shard{}, false},    // not numbers
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
