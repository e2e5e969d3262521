package rundir

// CapacityStep is one steady load at one rate of a capacity search.
type CapacityStep struct {
	Rate         float64 `json:"rate"`
	Sent         int     `json:"sent"`
	Payments     int     `json:"payments"`
	FailureRatio float64 `json:"failure_ratio"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	SendLagP99MS float64 `json:"send_lag_p99_ms"`
	// WindowS is the measured part of the step (after its warm-up), in
	// seconds; 0 in a capacity.json written before steps recorded it.
	WindowS float64 `json:"window_s,omitempty"`
	// Throughput is the payments answered without failure within the
	// window, per second.
	Throughput float64 `json:"throughput,omitempty"`
	Pass       bool    `json:"pass"`
	// GeneratorLimited marks a step the load generator could not keep up
	// with: it measured the generator, not the service.
	GeneratorLimited bool   `json:"generator_limited"`
	Why              string `json:"why,omitempty"`
	// Use is what the machine, the generator and the containers used
	// during the window; nil when the step did not measure it.
	Use *StepUse `json:"use,omitempty"`
	// Binding is the limit that bound the step (harness/capacity/verdict:
	// service-limited, host-limited, generator-limited, not-limited,
	// unexplained, unknown) and BindingWhy the figures that say so.
	Binding    string `json:"binding,omitempty"`
	BindingWhy string `json:"binding_why,omitempty"`
}

// StepUse is what was used during one step's window. A figure that could
// not be measured is absent (nil or empty), never zero, and its reason is
// in Errors.
type StepUse struct {
	// HostBusyPct is each core's busy share over the window, 0-100.
	HostBusyPct []float64 `json:"host_busy_pct,omitempty"`
	// HostStealPct is each core's share of the window that the hypervisor
	// gave to other machines (steal), 0-100: counted in HostBusyPct, since
	// this machine could not use it either.
	HostStealPct []float64 `json:"host_steal_pct,omitempty"`
	// GeneratorCPU is the cores this process used (user+system over the
	// window); GeneratorBudget the cores it may run on (its affinity).
	GeneratorCPU    *float64      `json:"generator_cpu_cores,omitempty"`
	GeneratorBudget float64       `json:"generator_cpu_budget,omitempty"`
	Service         *ContainerUse `json:"service,omitempty"`
	Database        *ContainerUse `json:"database,omitempty"`
	// Proxy is Toxiproxy's container: every payment passes through it.
	Proxy  *ContainerUse `json:"proxy,omitempty"`
	Errors []string      `json:"errors,omitempty"`
}

// ContainerUse is one container's CPU over a step's window.
type ContainerUse struct {
	// CPU is the cores it used; nil when unknown.
	CPU *float64 `json:"cpu_cores,omitempty"`
	// Limit is its CPU limit in cores; 0 is none.
	Limit float64 `json:"cpu_limit,omitempty"`
	// Throttle is from its cgroup's cpu.stat; nil when unknown.
	Throttle *Throttle `json:"throttle,omitempty"`
}

// Throttle is the change of a cgroup's CFS throttling counters over a
// window (cpu.stat: nr_periods, nr_throttled, throttled_usec or
// throttled_time).
type Throttle struct {
	Periods     uint64  `json:"nr_periods"`
	Throttled   uint64  `json:"nr_throttled"`
	ThrottledMS float64 `json:"throttled_ms"`
	// Source is where the counters came from: a cpu.stat path or "docker stats".
	Source string `json:"source"`
}

// CapacityLimit is a capacity search's result at one CPU limit.
type CapacityLimit struct {
	CPUs        float64 `json:"cpus"`
	Sustainable float64 `json:"sustainable_rate"`
	PerCore     float64 `json:"rate_per_core"`
	// Knee is the lowest step rate where latency starts to climb
	// (verdict.Knee); 0 when no step above the lowest did. KneeNote says
	// why there is none, or that the lowest step already failed.
	Knee      float64 `json:"knee_rate"`
	KneeP99MS float64 `json:"knee_p99_ms"`
	KneeNote  string  `json:"knee_note,omitempty"`
	// Ceiling is true when the search stopped at the generator's or the
	// search's limit, not the service's: the sustainable rate is a floor.
	Ceiling bool `json:"ceiling,omitempty"`
	// Binding is the binding limit of the step that bounded the search
	// (the lowest one above the sustainable rate that failed), BindingWhy
	// its figures.
	Binding    string `json:"binding,omitempty"`
	BindingWhy string `json:"binding_why,omitempty"`
	// Flag, when set, says why this limit's figure is not a finding (a
	// larger limit that sustained less than a smaller one).
	Flag string `json:"flag,omitempty"`
	// HeadroomRatio is sustainable over the target rate, minus one.
	HeadroomRatio *float64       `json:"headroom_ratio,omitempty"`
	Steps         []CapacityStep `json:"steps"`
}

// CapacityCpuset is how a capacity search split the machine's cores
// (authquake capacity --cpuset): Docker cpuset lists, "" for unpinned.
type CapacityCpuset struct {
	Service   string `json:"service"`
	Others    string `json:"others"` // the database and the proxy
	Generator string `json:"generator"`
	Note      string `json:"note,omitempty"`
}

// Capacity is capacity.json: for each CPU limit of the service, the highest
// rate that met the SLO (harness/capacity searches it, harness/capacity/verdict
// judges it).
type Capacity struct {
	Schema     string          `json:"schema"`
	Scenario   string          `json:"scenario"`
	Seed       uint64          `json:"seed"`
	StepS      float64         `json:"step_s"`
	MaxFailure float64         `json:"slo_failure_ratio"`
	MaxP99MS   float64         `json:"slo_p99_ms"`
	Cores      int             `json:"host_cores,omitempty"`
	Cpuset     *CapacityCpuset `json:"cpuset,omitempty"`
	// Workers is the number of swarm shards that offered each step's load
	// (capacity --workers; 0: this process); Generator says what that
	// means for the figures.
	Workers      int             `json:"workers,omitempty"`
	Generator    string          `json:"generator,omitempty"`
	Limits       []CapacityLimit `json:"limits"`
	TargetRate   float64         `json:"target_rate,omitempty"`
	CoresNeeded  float64         `json:"cores_needed,omitempty"`
	CoresWith30  float64         `json:"cores_with_30pct_headroom,omitempty"`
	PerCoreBasis string          `json:"per_core_basis,omitempty"`
	// NoPlan says why no cores were estimated for the target rate (no
	// limit's figure was the service's own).
	NoPlan string `json:"no_plan,omitempty"`
	// Flags are the results that are not findings, each with its reason.
	Flags []string `json:"flags,omitempty"`
}
