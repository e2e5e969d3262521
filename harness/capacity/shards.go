package capacity

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/swarm"
)

// Shards offers each step's load from a Docker Swarm job of Workers shards
// (authquake capacity --workers) instead of this process, so that on a
// cluster the load comes from other machines: each step is a run of
// authquake swarm's kind with the step's scenario (one steady phase, a url
// target at the service's client link, no faults, setup, ledger or SLO:
// the search judges), and its merged attempts are the step's.
type Shards struct {
	Docker *client.Client
	// Image is the authquake image the shards run.
	Image   string
	Workers int
	// Lead is how long after creating a step's job its shards start.
	Lead time.Duration
	// Listen, Advertise, AllowRemote and MaxPerNode are authquake swarm's.
	Listen, Advertise string
	AllowRemote       bool
	MaxPerNode        uint64
}

// offerer offers one step's load at base and gives its attempts to sink;
// the load begins lead() after offer is called.
type offerer interface {
	lead() time.Duration
	offer(ctx context.Context, s *scenario.Scenario, base string, sink load.Sink) error
}

// local is this process as the generator.
type local struct{}

func (local) lead() time.Duration { return 0 }

func (local) offer(ctx context.Context, s *scenario.Scenario, base string, sink load.Sink) error {
	atk, err := load.New(load.Options{Scenario: s, Seed: s.Seed, Base: base, Sinks: []load.Sink{sink}})
	if err != nil {
		return err
	}
	atk.Run()
	return nil
}

// shardOfferer is Shards for one capacity search: the scenario file's text,
// the account ids setup captured, where each step's job keeps its shards
// and merged run (DIR/steps/KEY).
type shardOfferer struct {
	sh   *Shards
	src  []byte
	refs []string
	dir  string
	log  io.Writer
}

func (o *shardOfferer) lead() time.Duration { return o.sh.Lead }

func (o *shardOfferer) offer(ctx context.Context, s *scenario.Scenario, base string, sink load.Sink) error {
	if o.sh.AllowRemote { // a multi-node swarm: the client link is on this machine's loopback
		relay, url, err := swarm.RelayTo(base, o.sh.Listen, o.sh.Advertise)
		if err != nil {
			return exitcode.New(exitcode.Environment, err, "choose another --listen host")
		}
		defer relay.Close()
		base = url
	}
	data, err := StepScenario(o.src, base, s)
	if err != nil {
		return exitcode.New(exitcode.Invalid, err, "")
	}
	res, err := swarm.Run(ctx, o.sh.Docker, swarm.Options{ScenarioData: data, Workers: o.sh.Workers,
		Dir: filepath.Join(o.dir, "steps", s.Requests.KeyPrefix), Image: o.sh.Image, Args: swarm.ShardArgs(s.Seed, 1), Lead: o.sh.Lead,
		Listen: o.sh.Listen, Advertise: o.sh.Advertise, AllowRemote: o.sh.AllowRemote, MaxPerNode: o.sh.MaxPerNode,
		Name: s.Requests.KeyPrefix, Owner: refsOwner(o.refs), Log: o.log})
	if res == nil || res.Merged == "" {
		if err == nil {
			err = fmt.Errorf("the step's shards left no merged run")
		}
		return err
	}
	if rerr := record.Read(filepath.Join(res.Merged, rundir.AttemptsFile), func(a *record.Attempt) error { sink.Record(a); return nil }); rerr != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("the step's merged attempts: %w", rerr), "")
	}
	return err
}

// StepScenario is the scenario a step's shards run: the file's text as
// swarm.SharedScenario makes it for a target the launcher owns (a url
// target at clientURL, no faults, setup or ledger, the search's seed),
// with the step's one steady phase and key prefix, and no stop conditions
// or SLO (the search judges the step from the merged attempts).
func StepScenario(src []byte, clientURL string, s *scenario.Scenario) ([]byte, error) {
	shared, err := swarm.SharedScenario(src, clientURL, s.Seed)
	if err != nil {
		return nil, err
	}
	var root yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(shared, &root, yaml.UseOrderedMap()); err != nil {
		return nil, err
	}
	ph := s.Traffic.Phases[0]
	phase := yaml.MapSlice{{Key: "name", Value: ph.Name}, {Key: "duration", Value: time.Duration(ph.Duration).String()},
		{Key: "shape", Value: "constant"}, {Key: "rate", Value: fmt.Sprintf("%g/s", float64(ph.Rate))}}
	out := yaml.MapSlice{}
	hasRequests := false
	for _, it := range root {
		switch it.Key {
		case "stop_when", "slo":
			continue
		case "traffic":
			it.Value = set(it.Value, "phases", []any{phase})
		case "requests":
			it.Value, hasRequests = set(it.Value, "key_prefix", s.Requests.KeyPrefix), true
		}
		out = append(out, it)
	}
	if !hasRequests {
		out = append(out, yaml.MapItem{Key: "requests", Value: yaml.MapSlice{{Key: "key_prefix", Value: s.Requests.KeyPrefix}}})
	}
	body, err := yaml.MarshalWithOptions(out, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, err
	}
	return append([]byte("# One step of authquake capacity --workers, run by its shards.\n"), body...), nil
}

// set is the map m (a yaml.MapSlice, or nothing) with key set to v.
func set(m any, key string, v any) yaml.MapSlice {
	ms, _ := m.(yaml.MapSlice)
	for i := range ms {
		if ms[i].Key == key {
			ms[i].Value = v
			return ms
		}
	}
	return append(ms, yaml.MapItem{Key: key, Value: v})
}

// refsOwner gives a step's shards the account ids setup captured; the
// search owns no fault and reads no ledger.
type refsOwner []string

func (refsOwner) Faults(context.Context, time.Time)    {}
func (refsOwner) Stop(string)                          {}
func (refsOwner) Finish(context.Context, string) error { return nil }
func (r refsOwner) Refs() []string                     { return r }

// shardsNote is what capacity.json and the reports say of the generator.
func shardsNote(n int) string {
	return fmt.Sprintf("the load came from %d swarm shards (authquake capacity --workers %d): the generator's CPU is theirs, not measured here; "+
		"a shard behind shows as send lag", n, n)
}
