package analysis

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/scenario"
)

// VerdictDamaged: a file of the run directory (attempts, timeline,
// samples) was cut short or corrupt, so the numbers are partial and the
// run can neither pass nor fail (exit 1). Summary.Damaged says which file
// and how far it was read.
const VerdictDamaged = "record_damaged"

// maxEvents is the most timeline events read: one per fault.
const maxEvents = scenario.MaxFaults

// judgeDamage makes a run whose record is damaged inconclusive: whatever
// the partial numbers say, they are not a verdict. An aborted run stays
// aborted (exit 4), and a broken invariant stays broken (exit 3).
func judgeDamage(s *Summary, damaged []string) {
	s.Damaged = damaged
	// A violation found in what could be read is real: it stays exit 3.
	if len(damaged) > 0 && s.Verdict != VerdictAborted && s.Verdict != VerdictInvariant {
		s.Verdict, s.ExitCode = VerdictDamaged, 1
	}
}

// open opens a file of the run directory: nil and no damage when it is
// absent (the run had no faults, or no samples), nil and why when it cannot
// be read.
func open(dir, name string) (*os.File, string, string) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, path, ""
	case err != nil:
		return nil, path, fmt.Sprintf("%s: %v", path, err)
	}
	return f, path, ""
}

// readTimeline reads timeline.json event by event, so that a cut or
// corrupt file yields the events before the damage and says where it is.
func readTimeline(dir string) ([]fault.Event, string) {
	f, path, damage := open(dir, run.TimelineFile)
	if f == nil {
		return nil, damage
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, maxEvents*4096))
	var out []fault.Event
	damaged := func(err error) ([]fault.Event, string) {
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
		var e fault.Event
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

// readSamples reads samples.jsonl; a line that does not parse, or one
// longer than 64 KB, ends the reading and is reported with its number.
func readSamples(dir string) ([]run.Sample, string) {
	f, path, damage := open(dir, run.SamplesFile)
	if f == nil {
		return nil, damage
	}
	defer f.Close()
	var out []run.Sample
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var s run.Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return out, fmt.Sprintf("%s: damaged at line %d: read %d samples: %v", path, line, len(out), err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Sprintf("%s: damaged after %d samples: %v", path, len(out), err)
	}
	return out, ""
}

// damaged lists the damage of the run directory and of its attempts file.
func damaged(r *Run, p *pass) []string {
	out := append([]string(nil), r.Damaged...)
	if p.damage != "" {
		out = append(out, p.damage)
	}
	return out
}
