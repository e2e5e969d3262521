package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/authquake/authquake/harness/scenario"
)

// Event is one fault on the saved timeline (harness/fault keeps it while
// the run lasts). Times are seconds since the run's base time; an unset
// time means it did not happen.
type Event struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Kind   string         `json:"kind"`
	Family string         `json:"family"`
	Target string         `json:"target,omitempty"`
	Params map[string]any `json:"params,omitempty"`
	// Effect is what the fault does to payments, as its kind said when the
	// run recorded it (see EffectOn); empty in timelines written before.
	Effect Effect `json:"effect,omitempty"`
	// PlannedStartS and PlannedEndS come from the scenario.
	PlannedStartS float64 `json:"planned_start_s"`
	PlannedEndS   float64 `json:"planned_end_s"`
	// InjectS is when the inject call started, ActiveS when it returned:
	// from then on the fault is in force. RevertS and RevertedS likewise.
	InjectS   *float64 `json:"inject_s,omitempty"`
	ActiveS   *float64 `json:"active_s,omitempty"`
	RevertS   *float64 `json:"revert_s,omitempty"`
	RevertedS *float64 `json:"reverted_s,omitempty"`
	// State is planned, active, reverted, failed (inject error, reverted
	// anyway) or skipped (the run was stopping or had ended first).
	State string `json:"state"`
	// SkipReason says why a skipped fault was never injected.
	SkipReason  string `json:"skip_reason,omitempty"`
	InjectError string `json:"inject_error,omitempty"`
	RevertError string `json:"revert_error,omitempty"`
	// Details are what the kind saw or did (e.g. LimitChanges); read back
	// as decoded JSON, by shape.
	Details any `json:"details,omitempty"`
}

// maxEvents is the most timeline events read: one per fault.
const maxEvents = scenario.MaxFaults

// ReadTimeline reads timeline.json event by event, so that a cut or
// corrupt file yields the events before the damage and says where it is
// (damage, "" when none). No file (a run without faults) is no damage.
func ReadTimeline(dir string) (events []Event, damage string) {
	f, path, damage := open(dir, TimelineFile)
	if f == nil {
		return nil, damage
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, maxEvents*4096))
	var out []Event
	damaged := func(err error) ([]Event, string) {
		return out, fmt.Sprintf("%s: damaged at byte %d: read %d events: %v", path, dec.InputOffset(), len(out), err)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		if err == nil {
			err = errors.New("not a list of events")
		}
		return damaged(err)
	}
	for dec.More() {
		if len(out) == maxEvents {
			return damaged(fmt.Errorf("more than %d events", maxEvents))
		}
		var e Event
		if err := dec.Decode(&e); err != nil {
			return damaged(err)
		}
		out = append(out, e)
	}
	if _, err := dec.Token(); err != nil {
		return damaged(err)
	}
	return out, ""
}

// open opens a file of the run directory: nil and no damage when it is
// absent (the run had no faults, or no samples), nil and why when it cannot
// be read.
func open(dir, name string) (*os.File, string, string) {
	path := Path(dir, name)
	f, err := os.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, path, ""
	case err != nil:
		return nil, path, fmt.Sprintf("%s: %v", path, err)
	}
	return f, path, ""
}
