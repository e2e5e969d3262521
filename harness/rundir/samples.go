package rundir

import (
	"bufio"
	"encoding/json"
	"fmt"
)

// Sample is one line of samples.jsonl: the load generator's process and host
// (kind generator) or one container (kind container), once a second.
type Sample struct {
	TS      float64 `json:"t_s"`
	Kind    string  `json:"kind"`
	Role    string  `json:"role,omitempty"`
	CPUPct  float64 `json:"cpu_pct"`
	HostCPU float64 `json:"host_cpu_pct,omitempty"`
	// HostSteal is the share of the machine's CPU time over the sample's
	// second that the hypervisor gave to other machines (a generator
	// sample's; counted in HostCPU too).
	HostSteal float64 `json:"host_steal_pct,omitempty"`
	RSS       uint64  `json:"rss_bytes,omitempty"`
	Mem       uint64  `json:"mem_bytes,omitempty"`
	MemLimit  uint64  `json:"mem_limit_bytes,omitempty"`
}

// ReadSamples reads samples.jsonl; a line that does not parse, or one
// longer than 64 KB, ends the reading and is reported with its number
// (damage, "" when none). No file is no damage.
func ReadSamples(dir string) (samples []Sample, damage string) {
	f, path, damage := open(dir, SamplesFile)
	if f == nil {
		return nil, damage
	}
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var s Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return out, fmt.Sprintf("%s: damaged at line %d: read %d samples: %v", path, line, len(out), err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Sprintf("%s: damaged after %d samples: %v", path, len(out), err)
	}
	return out, ""
}
