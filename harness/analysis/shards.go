package analysis

import (
	"fmt"

	"github.com/authquake/authquake/harness/rundir"
)

// ShardStats is one shard of a merged run (authquake merge): what it
// planned and sent, how it ended, and its clock against the owner's.
type ShardStats struct {
	Index   int    `json:"index"`
	Count   int    `json:"count"`
	Host    string `json:"host,omitempty"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Planned uint64 `json:"planned"`
	Sent    uint64 `json:"sent"`
	// Unsent is how many of the shard's planned hits it never sent.
	Unsent uint64 `json:"unsent"`
	// ClockSkewMS is the owner's clock minus the shard's, measured over
	// the coordination endpoint's fastest round trip (ClockRTTMS); its
	// error is at most half that round trip. Null when not measured.
	ClockSkewMS *float64 `json:"clock_skew_ms"`
	ClockRTTMS  float64  `json:"clock_rtt_ms"`
}

// shardStats lists a merged run's shards; nil for a single run.
func shardStats(m *rundir.Meta) []ShardStats {
	var out []ShardStats
	for _, s := range m.Shards {
		st := ShardStats{Index: s.Index, Count: s.Count, Host: s.Host, Status: s.Status, Reason: s.Reason,
			Planned: s.Planned, Sent: s.Sent, Unsent: s.Unsent, ClockRTTMS: round(float64(s.ClockRTTNanos)/1e6, 3)}
		if s.ClockMeasured {
			v := round(float64(s.ClockOffsetNanos)/1e6, 3)
			st.ClockSkewMS = &v
		}
		out = append(out, st)
	}
	return out
}

// shardReasons says which shards ended early and what they never sent: a
// shard that was killed, lost or failed makes the merged run an invalid
// test, however good the other shards' numbers look. A stop condition
// stops every shard alike and is the run's status, not a shard's fault.
func shardReasons(shards []ShardStats) []string {
	var out []string
	for _, s := range shards {
		switch s.Status {
		case rundir.StatusCompleted, rundir.StatusAborted:
			continue
		}
		out = append(out, fmt.Sprintf("shard %d/%d (%s) %s: %d of its %d planned hits never sent",
			s.Index, s.Count, hostOr(s.Host), s.Status, s.Unsent, s.Planned))
	}
	return out
}

func hostOr(h string) string {
	if h == "" {
		return "host unknown"
	}
	return h
}
