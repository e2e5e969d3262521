// Package scenario reads authquake's scenario files: YAML decoded strictly
// (unknown fields, wrong types and impossible values are errors), every
// problem reported at once with file:line:column and a hint, durations and
// rates in human units. A scenario says what to start, how to load it, which
// faults to inject when, and what counts as passing.
package scenario

// Scenario is one scenario file.
type Scenario struct {
	// Name identifies the scenario in reports and run directories, e.g. promo/midnight-spike.
	Name string `yaml:"name" json:"name" jsonschema:"required"`
	// Description says which real-world failure the scenario stages.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Seed drives all randomness; 0 picks one at random (printed in the report).
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Target is the system under test.
	Target Target `yaml:"target" json:"target"`
	// Accounts are the credit accounts the traffic pays from.
	Accounts Accounts `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// Setup provisions the accounts in the target before the load (default for authsim: its seed call).
	Setup *Setup `yaml:"setup,omitempty" json:"setup,omitempty"`
	// Traffic is the load over time.
	Traffic Traffic `yaml:"traffic" json:"traffic" jsonschema:"required"`
	// Requests shapes each payment and the client that sends it.
	Requests Requests `yaml:"requests,omitempty" json:"requests,omitempty"`
	// Faults is the fault timeline.
	Faults []Fault `yaml:"faults,omitempty" json:"faults,omitempty"`
	// SLO is what passing means.
	SLO SLO `yaml:"slo,omitempty" json:"slo,omitempty"`
	// StopWhen aborts the run (exit 4) when any condition holds.
	StopWhen []StopCondition `yaml:"stop_when,omitempty" json:"stop_when,omitempty"`
	// Ledger is where the money audit reads the service's ledger.
	Ledger Ledger `yaml:"ledger,omitempty" json:"ledger,omitempty"`
}

// Target kinds.
const (
	TargetAuthsim    = "authsim"
	TargetContainers = "containers"
	TargetURL        = "url"
)

// Target is the system under test.
type Target struct {
	// Kind is authsim (the bundled service on Postgres), containers (your images) or url (an existing endpoint).
	Kind string `yaml:"kind" json:"kind" jsonschema:"enum=authsim,enum=containers,enum=url"`
	// Authsim configures the bundled service (kind authsim).
	Authsim *AuthsimTarget `yaml:"authsim,omitempty" json:"authsim,omitempty"`
	// Containers configures your own images (kind containers).
	Containers *ContainersTarget `yaml:"containers,omitempty" json:"containers,omitempty"`
	// URL is the base URL of an existing endpoint (kind url), e.g. http://127.0.0.1:8080.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Request is the shape of an authorisation request; the defaults match authsim.
	Request RequestTemplate `yaml:"request,omitempty" json:"request,omitempty"`
	// Response says how to classify an answer; the defaults match authsim.
	Response ResponseRules `yaml:"response,omitempty" json:"response,omitempty"`
	// Capture is the request that captures an approved authorisation (requests.flow.capture); templates may use {{.AuthID}} too.
	// Default: POST /v1/authorizations/{{.AuthID}}/capture with {"amount_minor":{{.AmountMinor}}}.
	Capture *RequestTemplate `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Void is the request that voids an approved authorisation (requests.flow.void). Default: POST /v1/authorizations/{{.AuthID}}/void.
	Void *RequestTemplate `yaml:"void,omitempty" json:"void,omitempty"`
	// Reverse is the request that reverses an authorisation that got no answer (requests.flow.reverse_on_no_answer),
	// sent with the same idempotency key; it has no {{.AuthID}}. No default.
	Reverse *RequestTemplate `yaml:"reverse,omitempty" json:"reverse,omitempty"`
	// Metrics is where the service's Prometheus metrics are, scraped into the report; authsim's by default.
	Metrics *ServiceMetrics `yaml:"metrics,omitempty" json:"metrics,omitempty"`
	// Auth obtains a bearer token for every request of the load and keeps it fresh.
	Auth *Auth `yaml:"auth,omitempty" json:"auth,omitempty"`
	// Webhooks is the endpoint authquake serves for notifications of final states ({{.NotifyURL}}).
	Webhooks *Webhooks `yaml:"webhooks,omitempty" json:"webhooks,omitempty"`
	// Status polls a status endpoint for the final state of payments answered pending.
	Status *StatusPoll `yaml:"status,omitempty" json:"status,omitempty"`
	// Settle is how long a payment answered pending may take to reach its final state, by webhook
	// or status: the run waits for them up to this long after the load; later is unsettled. Default 30s.
	Settle Duration `yaml:"settle,omitempty" json:"settle,omitempty"`
}

// AuthsimTarget configures the bundled reference service.
type AuthsimTarget struct {
	// Bugs are authsim's known bugs to switch on.
	Bugs []string `yaml:"bugs,omitempty" json:"bugs,omitempty"`
	// Env adds to authsim's environment (see targets/authsim/API.md).
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// CPUs limits the service container, e.g. 1.5; 0 is no limit.
	CPUs float64 `yaml:"cpus,omitempty" json:"cpus,omitempty"`
	// Memory limits the service container, e.g. 512MiB; 0 is no limit.
	Memory Size `yaml:"memory,omitempty" json:"memory,omitempty"`
}

// ContainersTarget runs your own service image, optionally with Postgres and
// other dependencies, each link through Toxiproxy.
type ContainersTarget struct {
	// Service is the service under test.
	Service ContainerSpec `yaml:"service" json:"service"`
	// Postgres, when set, starts authquake's Postgres; the service reaches it through the db link.
	Postgres *PostgresSpec `yaml:"postgres,omitempty" json:"postgres,omitempty"`
	// Dependencies are further containers; the service reaches each through a link named after it.
	Dependencies []ContainerSpec `yaml:"dependencies,omitempty" json:"dependencies,omitempty"`
}

// ContainerSpec is one container. Env values may use {{.Postgres.DSN}} and
// {{.Links.NAME}} (host:port of a dependency through its Toxiproxy link).
type ContainerSpec struct {
	// Name is the container's role and network alias.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Image is a local image reference.
	Image string `yaml:"image" json:"image"`
	// Port is the TCP port the container serves on.
	Port int `yaml:"port" json:"port"`
	// Env is the container's environment.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Cmd replaces the image's command.
	Cmd []string `yaml:"cmd,omitempty" json:"cmd,omitempty"`
	// Ready is an HTTP path on Port that answers 2xx when the container is
	// ready, e.g. /healthz. With neither ready nor ready_cmd, a dependency is
	// ready when its port accepts connections (Redis, a broker), the service
	// when its port answers HTTP with any status.
	Ready string `yaml:"ready,omitempty" json:"ready,omitempty"`
	// ReadyCmd is a command run inside the container that exits 0 when it is
	// ready, e.g. [redis-cli, ping]; instead of ready.
	ReadyCmd []string `yaml:"ready_cmd,omitempty" json:"ready_cmd,omitempty"`
	// AdminPort is a second port to publish (an admin API), 0 for none.
	AdminPort int `yaml:"admin_port,omitempty" json:"admin_port,omitempty"`
}

// PostgresSpec configures the Postgres of a containers target.
type PostgresSpec struct {
	// Database, User and Password of the database created for the service.
	Database string `yaml:"database,omitempty" json:"database,omitempty"`
	User     string `yaml:"user,omitempty" json:"user,omitempty"`
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
	// Settings are server settings, each passed as -c NAME=VALUE, e.g.
	// {track_commit_timestamp: "on", max_connections: "400"}.
	Settings map[string]string `yaml:"settings,omitempty" json:"settings,omitempty"`
}

// RequestTemplate is an authorisation request. Path, header values and Body
// are Go templates over {{.AccountID}} {{.AccountRef}} (the service's own id
// for the account, captured by setup) {{.AmountMinor}} {{.Currency}}
// {{.MerchantID}} {{.IdempotencyKey}}; {{env "NAME"}} reads a secret from
// the environment.
type RequestTemplate struct {
	Method  string            `yaml:"method,omitempty" json:"method,omitempty"`
	Path    string            `yaml:"path,omitempty" json:"path,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty" json:"body,omitempty"`
	// Sign signs every request of the load, follow-ups too (target.request only).
	Sign *Sign `yaml:"sign,omitempty" json:"sign,omitempty"`
	// Response classifies the answers of this follow-up call (capture, void,
	// reverse only) with rules and a duplicate contract of its own, e.g. a
	// retried capture answered 409 "already captured" is done; default
	// target.response.
	Response *ResponseRules `yaml:"response,omitempty" json:"response,omitempty"`
}

// ResponseRules classify an answer. Rules come first, in order: the first
// that matches decides. An answer no rule matches is classified by status: a
// status in Approved is an approval, in Declined a business decline (not a
// failure); 503 is shed, other 5xx an error, other 4xx rejected.
type ResponseRules struct {
	// Rules classify by status and JSON body values; the first that matches wins.
	Rules []ResponseRule `yaml:"rules,omitempty" json:"rules,omitempty"`
	// Approved are the statuses of an approval when no rule matches.
	Approved []int `yaml:"approved,omitempty" json:"approved,omitempty"`
	// Declined are the statuses of a business decline when no rule matches.
	Declined []int `yaml:"declined,omitempty" json:"declined,omitempty"`
	// Code is the JSON path (dot-separated, e.g. error.code) of the decline or error code.
	Code string `yaml:"code,omitempty" json:"code,omitempty"`
	// Reason is the JSON path of the decline or error reason, e.g. error.message.
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
	// CodeField is the older spelling of code: a top-level field name.
	CodeField string `yaml:"code_field,omitempty" json:"code_field,omitempty"`
	// ReasonField is the older spelling of reason: a top-level field name.
	ReasonField string `yaml:"reason_field,omitempty" json:"reason_field,omitempty"`
	// DuplicateKey is the service's contract for what it already has:
	// replay (a known idempotency key gets the first answer again, the
	// default), reject (an answer such as 409 that a rule maps to outcome
	// duplicate), or both at once, [replay, reject]: keys replayed, a reused
	// reference rejected.
	DuplicateKey DuplicateContract `yaml:"duplicate_key,omitempty" json:"duplicate_key,omitempty"`
	// AuthID is the JSON path of the authorisation's id in an approval, for {{.AuthID}} in capture and void requests.
	// Default id, when the flow captures or voids.
	AuthID string `yaml:"auth_id,omitempty" json:"auth_id,omitempty"`
	// Generic lists codes or reasons that say nothing specific (for error clarity).
	Generic []string `yaml:"generic,omitempty" json:"generic,omitempty"`
}

// Duplicate-key contracts.
const (
	DuplicateReplay = "replay"
	DuplicateReject = "reject"
)

// RuleOutcomes are the outcomes a response rule may give: every outcome of
// an answer (timeout and conn_error are the lack of one).
var RuleOutcomes = []string{"approved", "declined", "rejected", "shed", "error", "pending", "duplicate"}

// ResponseRule maps answers to an outcome. It matches when both its status
// and its json condition (those given) hold.
type ResponseRule struct {
	// Status is one HTTP status or a list of them, e.g. 202 or [200, 201].
	Status Statuses `yaml:"status,omitempty" json:"status,omitempty"`
	// JSON tests a value of the JSON body.
	JSON *JSONMatch `yaml:"json,omitempty" json:"json,omitempty"`
	// Outcome is what a matching answer means.
	Outcome string `yaml:"outcome" json:"outcome" jsonschema:"required,enum=approved,enum=declined,enum=rejected,enum=shed,enum=error,enum=pending,enum=duplicate"`
}

// JSONMatch tests the value at a path of the JSON body. With neither Equals
// nor In, it holds when the path is present and not null. Values compare as
// text: a JSON string by its content, a number, true, false or null by its
// literal (numbers also by value, so 1 equals 1.0). A body that is not valid
// JSON matches nothing.
type JSONMatch struct {
	// Path is dot-separated keys, e.g. data.status; a number also indexes a list (items.0.status).
	Path string `yaml:"path" json:"path" jsonschema:"required"`
	// Equals is the one value that matches.
	Equals *string `yaml:"equals,omitempty" json:"equals,omitempty" jsonschema:"oneof_type=string;number;boolean"`
	// In lists the values that match.
	In []string `yaml:"in,omitempty" json:"in,omitempty"`
}

// Accounts are the credit accounts payments draw on.
type Accounts struct {
	// Count of accounts, PREFIX000001 onwards.
	Count  int    `yaml:"count,omitempty" json:"count,omitempty"`
	Prefix string `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Limit is the credit limit distribution (authsim seeds accounts with it).
	Limit LimitDist `yaml:"limit,omitempty" json:"limit,omitempty"`
	// HotShare is the share of accounts that are hot; HotTraffic the share of payments that go to them.
	HotShare   float64 `yaml:"hot_share,omitempty" json:"hot_share,omitempty"`
	HotTraffic float64 `yaml:"hot_traffic,omitempty" json:"hot_traffic,omitempty"`
	// ScaleWithDuration makes --duration-scale scale Count too, so that each
	// account still receives as many payments: for scenarios whose point is
	// a per-account count, such as payments that reach a credit limit.
	ScaleWithDuration bool `yaml:"scale_with_duration,omitempty" json:"scale_with_duration,omitempty"`
}

// LimitDist is a distribution of credit limits in minor units.
type LimitDist struct {
	Min int64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max int64 `yaml:"max,omitempty" json:"max,omitempty"`
	// Distribution is uniform or lognormal.
	Distribution string `yaml:"distribution,omitempty" json:"distribution,omitempty" jsonschema:"enum=uniform,enum=lognormal"`
}
