package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/auth"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/setup"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/topology"
	"github.com/authquake/authquake/harness/traffic"
)

// The files of a run directory.
const (
	MetaFile     = "run.json"
	TimelineFile = "timeline.json"
	SamplesFile  = "samples.jsonl"
	ScenarioFile = "scenario.yaml"
	SeedFile     = "seed"
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
	AnswersTruncated uint64             `json:"answers_truncated,omitempty"`
	Generator        GeneratorInfo      `json:"generator"`
	Endpoints        topology.Endpoints `json:"endpoints"`
	// Auth is how target.auth's token went: tokens obtained, refreshes
	// failed, attempts not sent for want of one.
	Auth *auth.Stats `json:"auth,omitempty"`
	// Webhooks counts the notifications target.webhooks received.
	Webhooks *load.NotifyStats `json:"webhooks,omitempty"`
	// KeptUntil is when the target --keep left running may be reaped.
	KeptUntil *time.Time `json:"kept_until,omitempty"`
	// Setup is what provisioning did and how long it took, apart from the load.
	Setup *setup.Result `json:"setup,omitempty"`
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

// TargetInfo says what was loaded (its module says: harness/target).
type TargetInfo = target.Info

// GeneratorInfo describes the machine the load came from.
type GeneratorInfo struct {
	CPUs int `json:"cpus"`
	// Procs is GOMAXPROCS while the load ran: how many threads ran Go code.
	Procs     int    `json:"procs,omitempty"`
	GoVersion string `json:"go_version"`
	Version   string `json:"authquake_version"`
}

func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// ReadMeta reads run.json of a run directory. A file that is there but
// does not decode (cut short, corrupt, or a number out of its field's
// range) is a *DamagedMetaError: the record is damaged, the directory is
// still a run's.
func ReadMeta(dir string) (*Meta, error) {
	path := filepath.Join(dir, MetaFile)
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
