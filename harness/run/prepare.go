package run

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
	"github.com/authquake/authquake/harness/target/registry"
	"github.com/authquake/authquake/harness/traffic"
)

// Load reads a scenario with its target module's checks (harness/target),
// and checks its faults and its request templates (rendered for sample
// payments): every problem at once.
func Load(path string) (*scenario.Scenario, error) {
	s, _, err := loadScenario(path)
	return s, err
}

// Warnings loads and checks the scenario at path, as Load does, and
// returns what in it will likely not work as meant (scenario.Warnings).
func Warnings(path string) (scenario.Problems, error) {
	s, src, err := loadScenario(path)
	if err != nil {
		return nil, err
	}
	return s.Warnings(src), nil
}

func loadScenario(path string) (*scenario.Scenario, *scenario.Source, error) {
	s, src, err := registry.Load(path)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.Invalid, err, "")
	}
	links, roles := registry.Links(s.Target)
	probs := append(fault.Check(s, src, links, roles), load.CheckTemplates(s, src)...)
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, nil, exitcode.New(exitcode.Invalid, probs, "")
	}
	return s, src, nil
}

// prepare reads and checks the scenario, scales it by o.DurationScale and
// settles its seed (--seed, the file's, or a random one). It
// returns the accounts before scaling and what may make the run miss its
// point.
func prepare(o Options) (s *scenario.Scenario, unscaled scenario.Accounts, warnings []string, err error) {
	s, src, err := loadScenario(o.Scenario)
	if err != nil {
		return nil, unscaled, nil, err
	}
	if probs := s.CheckEnv(src); len(probs) > 0 { // the secrets it reads, now registered for redaction
		return nil, unscaled, nil, exitcode.New(exitcode.Invalid, probs, "")
	}
	s.RegisterSecrets()
	for _, w := range s.Warnings(src) {
		warnings = append(warnings, w.String())
	}
	scale := o.DurationScale
	unscaled, planned := s.Accounts, traffic.NewPlan(s.Traffic.Phases).Total()
	s.Scale(scale)
	if probs := s.CheckLimits(src); len(probs) > 0 { // a scale can push a valid file past them
		return nil, unscaled, nil, exitcode.New(exitcode.Invalid, probs, fmt.Sprintf("--duration-scale %g makes the scenario too long", scale))
	}
	if w := s.ScaleWarning(unscaled, float64(planned), float64(traffic.NewPlan(s.Traffic.Phases).Total()), scale); w != "" {
		warnings = append(warnings, w)
	}
	s.Seed = cmp.Or(o.Seed, s.Seed, rand.Uint64()>>1)
	if probs := checkDatabases(s, src, o.AllowRemote); len(probs) > 0 {
		return nil, unscaled, nil, exitcode.New(exitcode.Invalid, probs, "")
	}
	if err := checkShard(s, o.Shard); err != nil {
		return nil, unscaled, nil, err
	}
	return s, unscaled, warnings, nil
}

// setKeyPrefix starts the run's idempotency keys: as the scenario pins them,
// or the same for every shard of a split run, or of this run's own.
func setKeyPrefix(s *scenario.Scenario, o ShardOptions) {
	switch {
	case s.Requests.KeyPrefix != "": // pinned
	case o.Shard.Sharded(): // every shard derives the same one
		s.Requests.KeyPrefix = SharedKeyPrefix(o.StartAt, s.Seed)
	default: // keys of this run's own
		s.Requests.KeyPrefix = traffic.UniqueKeyPrefix(rand.Uint32())
	}
}

// shardPart keeps of s what a shard runs (the fault timeline is the owner's,
// shard 0's, alone) and returns the name of its run directory.
func shardPart(s *scenario.Scenario, sh traffic.Shard) string {
	if !sh.Sharded() {
		return s.Name
	}
	if sh.Index > 0 {
		s.Faults = nil
	}
	return fmt.Sprintf("%s-shard%d", s.Name, sh.Index)
}

// newRunDir makes results/<scenario>-<UTC time>/ with the scenario and seed.
func newRunDir(out, name, scenarioPath string, seed uint64) (string, error) {
	dir := filepath.Join(out, strings.ReplaceAll(name, "/", "_")+"-"+time.Now().UTC().Format("20060102T150405Z"))
	base := dir
	for i := 2; exists(dir); i++ {
		dir = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src, err := os.ReadFile(scenarioPath)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), secret.Redact(src), 0o644); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, rundir.SeedFile), fmt.Appendf(nil, "%d\n", seed), 0o644)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// newMeta is run.json as it stands before the target starts (status error
// until the run says otherwise); a shard's own record, shard.json, is
// written at once.
func newMeta(s *scenario.Scenario, o Options, dir string, warnings []string) (*rundir.Meta, error) {
	meta := &rundir.Meta{Version: 1, Scenario: s.Name, Seed: s.Seed, KeyPrefix: s.Requests.KeyPrefix, DurationScale: o.DurationScale, Warnings: warnings, Started: time.Now().UTC(),
		Status: rundir.StatusError, Generator: rundir.GeneratorInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Version: o.Version}}
	sh := o.Shard.Shard
	if !sh.Sharded() {
		return meta, nil
	}
	meta.Shard = &rundir.ShardInfo{Shard: sh, Host: hostname(), StartAtUnixNano: o.Shard.StartAt.UnixNano(),
		KeyPrefix: s.Requests.KeyPrefix, Status: rundir.StatusError, RunPlanned: traffic.NewPlan(s.Traffic.Phases).Total()}
	meta.Shard.Planned = sh.Planned(meta.Shard.RunPlanned)
	if err := rundir.WriteJSON(dir, rundir.ShardFile, meta.Shard); err != nil {
		return meta, exitcode.New(exitcode.Environment, err, "")
	}
	return meta, nil
}
