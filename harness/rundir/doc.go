// Package rundir owns the run directory: the names of its files, the types
// they hold, their readers and writers, and the rules by which a damaged
// record is still read. `authquake run` writes a directory through it (with
// the attempts file through harness/record, the service's metrics through
// harness/svcmetrics and the ledger snapshot through harness/audit); every
// later step (analysis, merge, reports, trend, compare, replay, shrink) reads
// it back through it, so that a verdict is a function of the directory alone
// and needs neither Docker nor a database driver to be computed.
//
//	results/<scenario>-<UTC time>/
//	  scenario.yaml    ScenarioFile  the scenario as given (secrets redacted)
//	  seed             SeedFile      the seed of all randomness
//	  run.json         MetaFile      Meta: what ran against what, the base time, how it ended
//	  shard.json       ShardFile     ShardInfo, for a shard of a split run (written first)
//	  attempts.csv.gz  AttemptsFile  every attempt, written as it goes (harness/record)
//	  timeline.json    TimelineFile  []Event: every fault, planned, injected, reverted
//	  samples.jsonl    SamplesFile   Sample: generator and container resources, once a second
//	  service_metrics.jsonl.gz       the service's own metrics (harness/svcmetrics)
//	  accounts.json    AccountsFile  the accounts setup provisioned one by one, with their refs
//	  created.json     CreatedFile   []Created: the ledger entries setup made
//	  ledger.jsonl.gz  LedgerFile    the service's ledger, read before teardown (harness/audit);
//	                                 ledger.error when it could not be read, ledger.none when no source is set
//
// The reports (summary.json, report.html, ...) are written beside these by
// the reports package, which names its own files.
//
// A record cut short or corrupt (a run killed mid-write, a disk filled) is
// read up to the damage: the readers return what came before it with a line
// saying where it is, and the analysis then gives no verdict
// (record_damaged). A missing optional file (no faults, no samples) is no
// damage.
package rundir
