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
	Pass         bool    `json:"pass"`
	// GeneratorLimited marks a step the load generator could not keep up
	// with: it measured the generator, not the service.
	GeneratorLimited bool   `json:"generator_limited"`
	Why              string `json:"why,omitempty"`
}

// CapacityLimit is a capacity search's result at one CPU limit.
type CapacityLimit struct {
	CPUs        float64 `json:"cpus"`
	Sustainable float64 `json:"sustainable_rate"`
	PerCore     float64 `json:"rate_per_core"`
	Knee        float64 `json:"knee_rate"`
	KneeP99MS   float64 `json:"knee_p99_ms"`
	// Ceiling is true when the search stopped at the generator's or the
	// search's limit, not the service's: the sustainable rate is a floor.
	Ceiling bool `json:"ceiling,omitempty"`
	// HeadroomRatio is sustainable over the target rate, minus one.
	HeadroomRatio *float64       `json:"headroom_ratio,omitempty"`
	Steps         []CapacityStep `json:"steps"`
}

// Capacity is capacity.json: for each CPU limit of the service, the highest
// rate that met the SLO (harness/capacity searches it).
type Capacity struct {
	Schema       string          `json:"schema"`
	Scenario     string          `json:"scenario"`
	Seed         uint64          `json:"seed"`
	StepS        float64         `json:"step_s"`
	MaxFailure   float64         `json:"slo_failure_ratio"`
	MaxP99MS     float64         `json:"slo_p99_ms"`
	Limits       []CapacityLimit `json:"limits"`
	TargetRate   float64         `json:"target_rate,omitempty"`
	CoresNeeded  float64         `json:"cores_needed,omitempty"`
	CoresWith30  float64         `json:"cores_with_30pct_headroom,omitempty"`
	PerCoreBasis string          `json:"per_core_basis,omitempty"`
}
