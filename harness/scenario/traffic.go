package scenario

// Shapes of a traffic phase.
const (
	ShapeConstant = "constant"
	ShapeRamp     = "ramp"
	ShapeStep     = "step"
	ShapeSpike    = "spike"
	ShapeSine     = "sine"
)

// Traffic is the open-model load: phases run one after another as one attack.
type Traffic struct {
	Phases []Phase `yaml:"phases" json:"phases"`
}

// Phase is one stretch of the load. Which rate fields apply depends on Shape:
// constant: rate; ramp: from, to; step: from, to, steps; spike: baseline,
// peak, rise, hold (then back to baseline); sine: mean, amplitude, period.
type Phase struct {
	Name     string   `yaml:"name" json:"name"`
	Duration Duration `yaml:"duration" json:"duration"`
	Shape    string   `yaml:"shape" json:"shape" jsonschema:"enum=constant,enum=ramp,enum=step,enum=spike,enum=sine"`

	Rate      Rate     `yaml:"rate,omitempty" json:"rate,omitempty"`
	From      Rate     `yaml:"from,omitempty" json:"from,omitempty"`
	To        Rate     `yaml:"to,omitempty" json:"to,omitempty"`
	Steps     int      `yaml:"steps,omitempty" json:"steps,omitempty"`
	Baseline  Rate     `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	Peak      Rate     `yaml:"peak,omitempty" json:"peak,omitempty"`
	Rise      Duration `yaml:"rise,omitempty" json:"rise,omitempty"`
	Hold      Duration `yaml:"hold,omitempty" json:"hold,omitempty"`
	Mean      Rate     `yaml:"mean,omitempty" json:"mean,omitempty"`
	Amplitude Rate     `yaml:"amplitude,omitempty" json:"amplitude,omitempty"`
	Period    Duration `yaml:"period,omitempty" json:"period,omitempty"`
}

// Requests shapes each payment and the client that sends it.
type Requests struct {
	// Amount is the payment amount distribution in minor units.
	Amount   AmountDist `yaml:"amount,omitempty" json:"amount,omitempty"`
	Currency string     `yaml:"currency,omitempty" json:"currency,omitempty"`
	// Merchants the payments go to.
	Merchants Merchants `yaml:"merchants,omitempty" json:"merchants,omitempty"`
	// KeyPrefix pins the start of every idempotency key: keys are PREFIX-SEED-N. Unset, each run
	// has a prefix of its own (aq-NONCE, in run.json), so that a rerun with the same seed does not
	// collide with an earlier run's keys in a service that keeps its data.
	KeyPrefix string `yaml:"key_prefix,omitempty" json:"key_prefix,omitempty"`
	// Client is how the payment client behaves.
	Client Client `yaml:"client,omitempty" json:"client,omitempty"`
	// Flow is what follows an authorisation: capture, void, or a reversal when no answer came.
	Flow *Flow `yaml:"flow,omitempty" json:"flow,omitempty"`
}

// AmountDist is a distribution of amounts in minor units.
type AmountDist struct {
	// Distribution is fixed (value), uniform (min..max) or lognormal (median, clamped to min..max).
	Distribution string `yaml:"distribution,omitempty" json:"distribution,omitempty" jsonschema:"enum=fixed,enum=uniform,enum=lognormal"`
	Value        int64  `yaml:"value,omitempty" json:"value,omitempty"`
	Min          int64  `yaml:"min,omitempty" json:"min,omitempty"`
	Max          int64  `yaml:"max,omitempty" json:"max,omitempty"`
	Median       int64  `yaml:"median,omitempty" json:"median,omitempty"`
}

// Merchants are mrc-0001 onwards; a share of them are high risk (mrc-hr-…).
type Merchants struct {
	Count         int     `yaml:"count,omitempty" json:"count,omitempty"`
	HighRiskShare float64 `yaml:"high_risk_share,omitempty" json:"high_risk_share,omitempty"`
}

// Client is the payment client's behaviour.
type Client struct {
	// Timeout of one attempt.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Retries of an attempt that timed out, failed to connect or was shed.
	Retries Retries `yaml:"retries,omitempty" json:"retries,omitempty"`
	// DuplicateShare of payments are submitted twice with the same key (a double tap on "pay").
	DuplicateShare float64 `yaml:"duplicate_share,omitempty" json:"duplicate_share,omitempty"`
	// MaxConnections caps the client's connections to the target; 0 is no cap.
	MaxConnections int `yaml:"max_connections,omitempty" json:"max_connections,omitempty"`
	// MaxAnswerBytes is the most of an answer's body that is read (default 64KiB): its status and that much are classified, the rest is not read and the connection is closed (counted in run.json's answers_truncated).
	MaxAnswerBytes Size `yaml:"max_answer_bytes,omitempty" json:"max_answer_bytes,omitempty"`
}

// Bounds of requests.client.max_answer_bytes.
const (
	DefaultMaxAnswerBytes = 64 << 10
	MinMaxAnswerBytes     = 1 << 10
	MaxMaxAnswerBytes     = 16 << 20
)

// Retry triggers.
const (
	RetryTimeout   = "timeout"
	RetryConnError = "conn_error"
	RetryShed      = "503"
	Retry5xx       = "5xx"
)

// Retries re-send a payment with the same idempotency key.
type Retries struct {
	// MaxAttempts counts the first attempt: 1 means no retries.
	MaxAttempts int `yaml:"max_attempts,omitempty" json:"max_attempts,omitempty"`
	// Backoff before the first retry; doubled each time up to MaxBackoff, with jitter.
	Backoff    Duration `yaml:"backoff,omitempty" json:"backoff,omitempty"`
	MaxBackoff Duration `yaml:"max_backoff,omitempty" json:"max_backoff,omitempty"`
	// On lists what is retried: timeout, conn_error, 503, 5xx.
	On []string `yaml:"on,omitempty" json:"on,omitempty"`
}

// Fault is one entry of the fault timeline.
type Fault struct {
	// Name labels the fault in reports; defaults to KIND@AT.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// At is the offset from the start of the load.
	At Duration `yaml:"at" json:"at"`
	// Duration until the fault is reverted.
	Duration Duration `yaml:"duration" json:"duration"`
	// Kind is a registered fault kind (authquake list).
	Kind string `yaml:"kind" json:"kind"`
	// Target is a link (client, db, …) for network faults, a container role for container faults.
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Params are the kind's parameters.
	Params map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
}

// SLO is what passing means. Unset rules are not judged.
type SLO struct {
	// FailureRatio is the highest share of failed payments (shed, error, timeout, connection error).
	FailureRatio *float64 `yaml:"failure_ratio,omitempty" json:"failure_ratio,omitempty"`
	// P99 is the highest 99th percentile latency, from the scheduled send time.
	P99 *Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
	// TimeToRecover is the longest recovery after any fault.
	TimeToRecover *Duration `yaml:"time_to_recover,omitempty" json:"time_to_recover,omitempty"`
	// AchievedRate is the lowest share of the offered rate that was sent.
	AchievedRate *float64 `yaml:"achieved_rate,omitempty" json:"achieved_rate,omitempty"`
	// MaxRejectedRatio is the share of answers "rejected" (a 4xx other than a decline), or with a
	// code no rule maps, past which the run is an invalid test: the requests or the mapping, not the
	// service, were wrong. Default 0.05.
	MaxRejectedRatio *float64 `yaml:"max_rejected_ratio,omitempty" json:"max_rejected_ratio,omitempty"`
	// SettleP99 is the highest 99th percentile of the time from a pending answer to the payment's
	// final state (target.webhooks or target.status).
	SettleP99 *Duration `yaml:"settle_p99,omitempty" json:"settle_p99,omitempty"`
	// RecoveredAfter is how long the service must stay healthy to count as recovered.
	RecoveredAfter Duration `yaml:"recovered_after,omitempty" json:"recovered_after,omitempty"`
}

// StopCondition aborts the run when a measure stays past its limit for For.
type StopCondition struct {
	FailureRatio *float64  `yaml:"failure_ratio,omitempty" json:"failure_ratio,omitempty"`
	P99          *Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
	For          Duration  `yaml:"for,omitempty" json:"for,omitempty"`
}
