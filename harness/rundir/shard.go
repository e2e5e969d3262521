package rundir

import (
	"encoding/json"
	"os"

	"github.com/authquake/authquake/harness/traffic"
)

// ShardInfo is a shard's part of run.json (and of a merged run's shards),
// and the whole of shard.json, which a shard writes when it starts so that
// `authquake merge` can tell which shard a directory holds even when the
// shard was killed before it wrote run.json.
type ShardInfo struct {
	traffic.Shard
	Host             string `json:"host"`
	StartAtUnixNano  int64  `json:"start_at_unix_nano"`
	Coordinator      string `json:"coordinator,omitempty"`
	ClockOffsetNanos int64  `json:"clock_offset_ns"`
	ClockRTTNanos    int64  `json:"clock_rtt_ns,omitempty"`
	// ClockMeasured is false when no poll of the owner answered.
	ClockMeasured bool `json:"clock_measured"`
	// Planned and Sent are the shard's own hits; Unsent = Planned - Sent.
	Planned uint64 `json:"planned"`
	Sent    uint64 `json:"sent"`
	Unsent  uint64 `json:"unsent"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	// KeyPrefix is shared by every shard of a run.
	KeyPrefix string `json:"key_prefix,omitempty"`
	// RunPlanned is what the whole schedule offers, all shards together.
	RunPlanned uint64 `json:"run_planned"`
}

// Shard statuses beyond a run's own: what `authquake merge` says of a shard
// that never wrote run.json, or whose directory was not given.
const (
	ShardKilled  = "killed"
	ShardMissing = "missing"
)

// ReadShard reads shard.json of a run directory: an *fs.PathError when it
// cannot be read (none: not a shard's directory), a JSON error when it does
// not decode.
func ReadShard(dir string) (ShardInfo, error) {
	var info ShardInfo
	b, err := os.ReadFile(Path(dir, ShardFile))
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(b, &info)
}
