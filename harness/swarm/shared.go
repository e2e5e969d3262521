package swarm

import (
	"fmt"

	"github.com/goccy/go-yaml"
)

// What a shard keeps of the scenario's target when the launcher owns it:
// how to speak to the service and classify its answers. The rest (the
// module's block, its metrics) is the owner's.
var sharedTargetKeys = []string{"request", "response", "capture", "void", "reverse", "auth", "webhooks", "status", "settle"}

// SharedScenario is the scenario the shards run when the launcher starts
// the target itself (a target its module starts, e.g. authsim or
// containers): the original file with its target made a url target at
// clientURL (the client link's published address, where network faults
// apply) keeping its request and response rules, no faults (the launcher
// runs the timeline), no setup (the launcher provisioned the accounts
// once), no ledger (the launcher reads it once every shard is done), and
// the run's settled seed. Everything else (accounts, traffic, requests,
// slo, stop_when) is as written, in its order.
func SharedScenario(src []byte, clientURL string, seed uint64) ([]byte, error) {
	var root yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(src, &root, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	tgt := yaml.MapSlice{{Key: "kind", Value: "url"}, {Key: "url", Value: clientURL}}
	if old, ok := get(root, "target").(yaml.MapSlice); ok {
		for _, k := range sharedTargetKeys {
			if v, ok := lookup(old, k); ok {
				tgt = append(tgt, yaml.MapItem{Key: k, Value: v})
			}
		}
	}
	var out yaml.MapSlice
	for _, it := range root {
		switch it.Key {
		case "faults", "setup", "ledger", "seed", "target":
			continue // the target goes after the name, as every other scenario has it
		}
		out = append(out, it)
		if it.Key == "name" { // a file without a target runs authsim: the shards get the url all the same
			out = append(out, yaml.MapItem{Key: "seed", Value: seed}, yaml.MapItem{Key: "target", Value: tgt})
		}
	}
	if _, named := lookup(root, "name"); !named { // no name: loading it will say so; the url is there all the same
		out = append(yaml.MapSlice{{Key: "seed", Value: seed}, {Key: "target", Value: tgt}}, out...)
	}
	out = append(out, yaml.MapItem{Key: "ledger", Value: yaml.MapSlice{{Key: "kind", Value: "none"}}})
	body, err := yaml.MarshalWithOptions(out, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	head := "# The shards' part of a run whose target authquake swarm started and owns:\n" +
		"# its faults, setup and ledger are the launcher's (authquake swarm).\n"
	return append([]byte(head), body...), nil
}

func get(m yaml.MapSlice, key string) any {
	v, _ := lookup(m, key)
	return v
}

func lookup(m yaml.MapSlice, key string) (any, bool) {
	for _, it := range m {
		if it.Key == key {
			return it.Value, true
		}
	}
	return nil, false
}
