package rundir

import "path/filepath"

// The files of a run directory (see the package comment).
const (
	MetaFile           = "run.json"
	ShardFile          = "shard.json"
	ScenarioFile       = "scenario.yaml"
	SeedFile           = "seed"
	AttemptsFile       = "attempts.csv.gz"
	TimelineFile       = "timeline.json"
	SamplesFile        = "samples.jsonl"
	ServiceMetricsFile = "service_metrics.jsonl.gz"
	AccountsFile       = "accounts.json"
	CreatedFile        = "created.json"
	LedgerFile         = "ledger.jsonl.gz"
	LedgerErrorFile    = "ledger.error" // why the ledger could not be read
	LedgerNoneFile     = "ledger.none"  // why no ledger was read (no source)
)

// Path is the path of the file name in the run directory dir.
func Path(dir, name string) string { return filepath.Join(dir, name) }

// CapacityFile is what `authquake capacity` writes in its own directory
// (Capacity), beside its reports.
const CapacityFile = "capacity.json"
