package traffic

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a run split over several load generators: hit i of
// the schedule belongs to shard i mod Count. Every hit's payment is a
// function of the seed and its global sequence number, so the shards never
// overlap and together send exactly what one process would.
//
//	schedule  0 1 2 3 4 5 6 7 8 ...
//	shard 0/3 0     3     6
//	shard 1/3   1     4     7
//	shard 2/3     2     5     8
//
// The zero Shard (Count 0) is the whole run.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// MaxShards is the most shards a run is split into.
const MaxShards = 1000

// ParseShard reads "K/N" (0 <= K < N <= MaxShards).
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 0 || ki >= ni || ni > MaxShards {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 0 <= K < N <= %d, e.g. 0/3", s, MaxShards)
	}
	return Shard{Index: ki, Count: ni}, nil
}

// Sharded reports whether the run is a shard (0/1 included: a run that
// merge can take); the zero Shard is a plain run.
func (s Shard) Sharded() bool { return s.Count > 0 }

// Global is the schedule's sequence number of the shard's j-th hit.
func (s Shard) Global(j uint64) uint64 {
	if s.Count <= 1 {
		return j
	}
	return j*uint64(s.Count) + uint64(s.Index)
}

// Owns reports whether global hit seq belongs to the shard.
func (s Shard) Owns(seq uint64) bool {
	return s.Count <= 1 || seq%uint64(s.Count) == uint64(s.Index)
}

// Planned is how many of a schedule's total hits belong to the shard.
func (s Shard) Planned(total uint64) uint64 {
	if s.Count <= 1 {
		return total
	}
	n, k := uint64(s.Count), uint64(s.Index)
	if total <= k {
		return 0
	}
	return (total-k-1)/n + 1
}

// String is "K/N", or "" for a plain run.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}
