package fault

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/scenario"
)

// Check validates every fault of a scenario without touching anything: its
// kind, whether the scenario's target kind has it, its parameters, and its
// target against the links and container roles the target has (its module
// says which: harness/target/registry.Links). Problems are placed in the scenario file.
func Check(s *scenario.Scenario, src *scenario.Source, links, roles []string) scenario.Problems {
	var probs scenario.Problems
	names := map[string]int{}
	for i, f := range s.Faults {
		p := fmt.Sprintf("$.faults[%d]", i)
		if j, dup := names[f.Name]; dup {
			probs = append(probs, src.Errorf(p+".name", "give each fault its own name", "same name as faults[%d]", j))
		}
		names[f.Name] = i
		k, ok := Lookup(f.Kind)
		if !ok {
			if f.Kind != "" {
				probs = append(probs, src.Errorf(p+".kind", "authquake list shows the fault kinds", "unknown fault kind %q%s", f.Kind, suggest(f.Kind)))
			}
			continue
		}
		for _, e := range k.Check(Spec{ID: fmt.Sprintf("f%d", i), Kind: f.Kind, Target: f.Target, Params: f.Params}) {
			path := p + ".params"
			if e.Param != "" {
				path += "." + e.Param
			} else if strings.Contains(e.Msg, "target") {
				path = p + ".target"
			}
			probs = append(probs, src.Errorf(path, strings.Join(k.Params, "; "), "%s", e.Msg))
		}
		switch {
		case k.Family == "network" && f.Target != "" && !slices.Contains(links, f.Target):
			probs = append(probs, src.Errorf(p+".target", "links of this target: "+strings.Join(links, ", "), "no link %q", f.Target))
		case k.Family == "container" && f.Target != "" && f.Target != "toxiproxy" && !slices.Contains(roles, f.Target):
			hint := "containers of this target: " + strings.Join(roles, ", ")
			if len(roles) == 0 {
				hint = "target kind " + s.Target.Kind + " has no containers"
			}
			probs = append(probs, src.Errorf(p+".target", hint, "no container %q", f.Target))
		case k.Module != "" && k.Module != s.Target.Kind:
			hint := "authquake list shows the fault kinds"
			if k.Family == "service" {
				hint = "for your own service use kind http"
			}
			probs = append(probs, src.Errorf(p+".kind", hint, "%s needs target kind %s", f.Kind, k.Module))
		}
	}
	return probs
}

func suggest(kind string) string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	if best := scenario.Closest(kind, names); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
