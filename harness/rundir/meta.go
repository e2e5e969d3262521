package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/authquake/authquake/harness/traffic"
)

// Run statuses.
const (
	StatusCompleted   = "completed"
	StatusAborted     = "aborted"     // a stop condition fired
	StatusInterrupted = "interrupted" // SIGINT or SIGTERM
	StatusError       = "error"       // the harness failed mid-run
)

// Meta is run.json: what ran, with which seed, against what, and how it
// ended. Times in the other files are offsets from BaseUnixNano.
type Meta struct {
	Version       int     `json:"version"`
	RunID         string  `json:"run_id"`
	Scenario      string  `json:"scenario"`
	Seed          uint64  `json:"seed"`
	DurationScale float64 `json:"duration_scale"`
	// Warnings say what may make the run miss its point, e.g. a duration
	// scale at which no account reaches its credit limit.
	Warnings     []string       `json:"warnings,omitempty"`
	Started      time.Time      `json:"started"`
	Ended        time.Time      `json:"ended"`
	BaseUnixNano int64          `json:"base_unix_nano"`
	Status       string         `json:"status"`
	Reason       string         `json:"reason,omitempty"`
	Target       TargetInfo     `json:"target"`
	Phases       []traffic.Span `json:"phases"`
	DurationS    float64        `json:"duration_s"`
	Planned      uint64         `json:"planned"`
	Sent         uint64         `json:"sent"`
	Attempts     int64          `json:"attempts"`
	// AnswersTruncated counts the answers longer than
	// requests.client.max_answer_bytes, classified by their status and the
	// part that was read.
	AnswersTruncated uint64        `json:"answers_truncated,omitempty"`
	Generator        GeneratorInfo `json:"generator"`
	Endpoints        Endpoints     `json:"endpoints"`
	// Auth is how target.auth's token went: tokens obtained, refreshes
	// failed, attempts not sent for want of one.
	Auth *AuthStats `json:"auth,omitempty"`
	// Webhooks counts the notifications target.webhooks received.
	Webhooks *NotifyStats `json:"webhooks,omitempty"`
	// KeptUntil is when the target --keep left running may be reaped.
	KeptUntil *time.Time `json:"kept_until,omitempty"`
	// Setup is what provisioning did and how long it took, apart from the load.
	Setup *Setup `json:"setup,omitempty"`
	// StoppedS is when a stop condition or an interrupt stopped the load,
	// in seconds since the base time; 0 when it ran to the end.
	StoppedS float64 `json:"stopped_s,omitempty"`
	// KeyPrefix starts every idempotency key of the run: the scenario's
	// requests.key_prefix, or one of its own (aq-NONCE) when that is unset.
	KeyPrefix string `json:"key_prefix,omitempty"`
	// Shard is set when the run was one shard of a split run (--shard K/N).
	Shard *ShardInfo `json:"shard,omitempty"`
	// Shards is set on a merged run (authquake merge): every shard, in
	// order, with what it planned and sent and how it ended.
	Shards []ShardInfo `json:"shards,omitempty"`
}

// TargetInfo is what run.json says of the target: its kind, what was loaded
// and how long it took to start (its module says: harness/target).
type TargetInfo struct {
	Kind      string   `json:"kind"`
	Bugs      []string `json:"bugs,omitempty"`
	StartupMS int64    `json:"startup_ms"`
	Images    []string `json:"images,omitempty"`
}

// Endpoints are the addresses the harness talked to (harness/topology).
type Endpoints struct {
	// Service is the service's API through the client link (faults apply).
	Service string `json:"service"`
	// ServiceDirect is the service's API bypassing Toxiproxy (audit, checks).
	ServiceDirect string `json:"service_direct"`
	// Admin is the service's admin API (service-level faults).
	Admin string `json:"admin,omitempty"`
	// Toxiproxy is the Toxiproxy HTTP API.
	Toxiproxy string `json:"toxiproxy"`
	// PostgresDSN reaches Postgres directly (ledger snapshots), if there is one.
	PostgresDSN string `json:"postgres_dsn,omitempty"`
}

// GeneratorInfo describes the machine the load came from.
type GeneratorInfo struct {
	CPUs int `json:"cpus"`
	// Procs is GOMAXPROCS while the load ran: how many threads ran Go code.
	Procs     int    `json:"procs,omitempty"`
	GoVersion string `json:"go_version"`
	Version   string `json:"authquake_version"`
}

// AuthStats are what run.json says of target.auth's token (harness/auth):
// how many were obtained, how many refreshes failed, and the attempts not
// sent for want of one.
type AuthStats struct {
	Tokens          int    `json:"tokens"`
	FailedRefreshes int    `json:"failed_refreshes"`
	LastError       string `json:"last_error,omitempty"`
	// WithoutToken counts the attempts not sent: the token had expired
	// and no refresh had succeeded.
	WithoutToken int64 `json:"attempts_without_token"`
}

// NotifyStats count the notifications that reached the run (target.webhooks).
type NotifyStats struct {
	Received int64 `json:"received"`
	// Matched were recorded against their payment; Unknown named no payment
	// of this run (or an id no pending answer gave); Unreadable were not
	// JSON or had no state.
	Matched    int64 `json:"matched"`
	Unknown    int64 `json:"unknown"`
	Unreadable int64 `json:"unreadable"`
	// BadSignature failed the signature check; Outside came before the
	// load started or after the run stopped waiting, and were answered 503
	// (a service retries them).
	BadSignature int64 `json:"bad_signature"`
	Outside      int64 `json:"outside"`
}

// Setup is what provisioning did (harness/setup), apart from the load.
type Setup struct {
	Steps      []SetupStep `json:"steps"`
	DurationMS float64     `json:"duration_ms"`
	// Entries counts the ledger entries the steps made (created.json).
	Entries int `json:"ledger_entries_created,omitempty"`
}

// SetupStep is how one setup step went.
type SetupStep struct {
	Name string `json:"name"`
	// Runs is how many times it ran: 1, or once per account (a batch
	// step: the accounts of its batches).
	Runs int `json:"runs"`
	// Calls counts the requests or transactions made, retries included;
	// Retries those that repeated a failed one (an idempotent step's).
	Calls      int64   `json:"calls"`
	Retries    int64   `json:"retries,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// ReadMeta reads run.json of a run directory. A file that is there but
// does not decode (cut short, corrupt, or a number out of its field's
// range) is a *DamagedMetaError: the record is damaged, the directory is
// still a run's.
func ReadMeta(dir string) (*Meta, error) {
	path := Path(dir, MetaFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		d := &DamagedMetaError{Path: path, Err: err}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			d.Offset = syn.Offset
		case errors.As(err, &typ):
			d.Offset = typ.Offset
		}
		return &m, d
	}
	return &m, nil
}

// DamagedMetaError is a run.json that does not decode.
type DamagedMetaError struct {
	Path string
	// Offset is the byte where decoding failed.
	Offset int64
	Err    error
}

func (e *DamagedMetaError) Error() string {
	return fmt.Sprintf("%s is damaged at byte %d: %v", e.Path, e.Offset, e.Err)
}

func (e *DamagedMetaError) Unwrap() error { return e.Err }

// WriteJSON writes v as indented JSON into the file name of dir: run.json,
// shard.json, timeline.json.
func WriteJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(Path(dir, name), append(b, '\n'), 0o644)
}
