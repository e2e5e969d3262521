package replay

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/audit"
)

// Trial is one run of a scenario file.
type Trial struct {
	// File is the scenario file (written and checked by the caller).
	File string
	// Out is the parent of the run directory.
	Out string
	// DurationScale is the run's --duration-scale (0 or 1: none).
	DurationScale float64
	// Shards splits the run into that many shards in this process, merged
	// into one run directory, as the run being replayed was (0 or 1: one).
	Shards int
}

// Result is what one run of a scenario found.
type Result struct {
	// Dir is its run directory.
	Dir string
	// Status is how it ended (completed, aborted by a stop condition).
	Status string
	// Verdict is its summary's verdict.
	Verdict string
	// Payments is how many payments it sent.
	Payments uint64
	// KeyPrefix starts its idempotency keys (PREFIX-SEED-N).
	KeyPrefix string
	// Broken are the invariants its audit found broken.
	Broken []audit.Violation
}

// Runner runs a scenario once, against a target of its own, and says what
// broke. Runs never overlap: a Runner is called by one goroutine. Local is
// the one authquake uses; tests fake it.
type Runner interface {
	Run(ctx context.Context, t Trial) (Result, error)
}

// ErrNothingSent is the error of a run that sent nothing (its target did
// not start, its setup failed): it says nothing of the scenario.
var ErrNothingSent = errors.New("the run sent nothing")

// Has reports whether invariant inv is among the broken ones.
func (r Result) Has(inv string) bool {
	return slices.ContainsFunc(r.Broken, func(v audit.Violation) bool { return v.Invariant == inv })
}

// Finding is how one replay compares with the run it replays.
type Finding struct {
	// Reproduced are the invariants the original broke that broke again.
	Reproduced []string
	// Missing are the invariants the original broke that held this time.
	Missing []string
	// New are invariants that broke this time and not in the original: a
	// new finding, never a reproduction.
	New []string
}

// Compare says which of the original's broken invariants broke again.
func Compare(original []audit.Violation, r Result) Finding {
	var f Finding
	was := Invariants(original)
	for _, inv := range was {
		if r.Has(inv) {
			f.Reproduced = append(f.Reproduced, inv)
		} else {
			f.Missing = append(f.Missing, inv)
		}
	}
	for _, v := range r.Broken {
		if !slices.Contains(was, v.Invariant) {
			f.New = append(f.New, v.Invariant)
		}
	}
	return f
}

// SameKeys counts the example keys of inv in r that name the same payment
// as an example key of the original: keys differ by their prefix only
// (PREFIX-SEED-N), so the part after the prefix is compared.
func SameKeys(original []audit.Violation, origPrefix string, r Result, inv string) (same, of int) {
	seqs := map[string]bool{}
	for _, v := range original {
		if v.Invariant == inv {
			for _, e := range v.Examples {
				seqs[strings.TrimPrefix(e.Key, origPrefix+"-")] = true
			}
		}
	}
	for _, v := range r.Broken {
		if v.Invariant != inv {
			continue
		}
		for _, e := range v.Examples {
			of++
			if seqs[strings.TrimPrefix(e.Key, r.KeyPrefix+"-")] {
				same++
			}
		}
	}
	return same, of
}
