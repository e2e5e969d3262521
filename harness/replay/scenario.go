package replay

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/authquake/authquake/harness/scenario"
)

// ReplayDoc returns the scenario that replays the run, and a note for each
// change from the file as given:
//
//   - seed: the run's, pinned;
//   - target.authsim.bugs: the bugs that were on (the scenario's or --bugs);
//   - requests.key_prefix: removed, so that every replay sends keys of its
//     own; the payments stay the same (the key is PREFIX-SEED-N);
//   - faults: each at the instant its inject began and for as long as it
//     was in place, from timeline.json, divided by the duration scale (the
//     replay runs at the same scale); a fault that was never injected (the
//     run stopped first) is left out.
func (r *Run) ReplayDoc() (*Doc, []string, error) {
	d := r.Doc.Clone()
	var notes []string
	d.Set(r.Meta.Seed, "seed")
	if r.Scenario.Target.Kind == scenario.TargetAuthsim {
		bugs := r.Meta.Target.Bugs
		if a := r.Scenario.Target.Authsim; a == nil || !slices.Equal(a.Bugs, bugs) {
			var was []string
			if a != nil {
				was = a.Bugs
			}
			notes = append(notes, fmt.Sprintf("target.authsim.bugs %v as the run had them (--bugs), not %v", bugs, was))
		}
		if len(bugs) > 0 {
			d.Set(toAny(bugs), "target", "authsim", "bugs")
		} else {
			d.Delete("target", "authsim", "bugs")
		}
	}
	if p, ok := d.Get("requests", "key_prefix"); ok {
		d.Delete("requests", "key_prefix")
		notes = append(notes, fmt.Sprintf("requests.key_prefix %v removed: each replay sends keys of its own, for the same payments", p))
	}
	faults, fnotes, err := r.actualFaults(d)
	if err != nil {
		return nil, nil, err
	}
	if faults == nil {
		d.Delete("faults")
	} else {
		d.Set(faults, "faults")
	}
	return d, append(notes, fnotes...), nil
}

// actualFaults puts each fault of the file at the instants timeline.json
// recorded for it (event fN is fault N of the file).
func (r *Run) actualFaults(d *Doc) ([]any, []string, error) {
	items := d.List("faults")
	if len(items) != len(r.Timeline) {
		return nil, nil, fmt.Errorf("%s: the scenario has %d faults and timeline.json %d: the directory is not one run's", r.Dir, len(items), len(r.Timeline))
	}
	f := r.Scale()
	end := r.Scenario.Traffic.Duration().Seconds() / f // the file's own (unscaled) traffic length
	var out []any
	var notes []string
	for i, ev := range r.Timeline {
		m, ok := items[i].(yaml.MapSlice)
		if !ok {
			return nil, nil, fmt.Errorf("%s: faults[%d] is not a mapping", r.Dir, i)
		}
		if ev.InjectS == nil {
			notes = append(notes, fmt.Sprintf("fault %s left out: never injected (%s)", ev.Name, ev.SkipReason))
			continue
		}
		revert := ev.PlannedEndS
		if ev.RevertS != nil {
			revert = *ev.RevertS
		}
		at := min(*ev.InjectS/f, end-0.001)
		dur := max((revert-*ev.InjectS)/f, 0.001)
		was, _ := GetIn(m, "at")
		wasDur, _ := GetIn(m, "duration")
		m = SetIn(SetIn(m, "at", Seconds(at)), "duration", Seconds(dur))
		notes = append(notes, fmt.Sprintf("fault %s at %s for %s as it ran (planned at %v for %v)", ev.Name, Seconds(at), Seconds(dur), was, wasDur))
		out = append(out, m)
	}
	return out, notes, nil
}

// Seconds formats seconds as a scenario duration, to the millisecond ("5.01s").
func Seconds(s float64) string {
	return (time.Duration(math.Round(s*1000)) * time.Millisecond).String()
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
