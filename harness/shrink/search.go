package shrink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/replay"
)

// Options configure a shrink.
type Options struct {
	// Run is the run directory being shrunk: shrink.json goes there.
	Run string
	// Out is the shrink's directory: shrunk.yaml, shrink.md and a
	// directory per candidate with its scenario and its runs.
	Out string
	// Invariant is the one the shrunk scenario must still break.
	Invariant string
	// Budget bounds the search; the final candidate's runs for its odds
	// may take it past the budget by Trials-MinRepro runs of the smallest
	// scenario.
	Budget time.Duration
	// Trials is how many times a candidate runs at most; it fails when
	// MinRepro of them break the invariant.
	Trials, MinRepro int
	// Shards is how many shards each run is split into (the run's own).
	Shards int
	// Progress receives the table of candidates as it grows; nil drops it.
	Progress io.Writer
	// Clock is the search's clock (time.Now when nil): tests give one
	// their fake runner advances.
	Clock func() time.Time
	// OnBest is called whenever a smaller failing candidate is found, and
	// at the end, with the report so far: the CLI writes the files then,
	// so that the best candidate survives an interrupt or a kill.
	OnBest func(*Report) error
}

// ErrBudget is the cause of a search cut short by its budget.
var ErrBudget = errors.New("the shrink budget is spent")

// ErrNotReproducible is the error when the run as it ran does not break the
// invariant in at least MinRepro of Trials runs: there is nothing reliable
// to shrink.
var ErrNotReproducible = errors.New("the failure does not reproduce reliably")

// Row is one candidate of the search, as the progress table shows it.
type Row struct {
	ID       string  `json:"id"`
	Change   string  `json:"change"`
	Payments uint64  `json:"payments"`
	Faults   int     `json:"faults"`
	LengthS  float64 `json:"length_s"`
	Accounts int     `json:"accounts"`
	// Reproduced of Runs broke the invariant.
	Reproduced int  `json:"reproduced"`
	Runs       int  `json:"runs"`
	Failing    bool `json:"failing"`
	// Note says why it did not run (an invalid scenario) or what stopped it.
	Note string `json:"note,omitempty"`
	Dir  string `json:"dir"`
}

type search struct {
	ctx      context.Context
	runner   replay.Runner
	base     *Base
	o        Options
	deadline time.Time
	report   *Report
	best     Candidate
	tried    map[string]bool
	// round counts the rounds of passes, from 1.
	round int
	// undecided counts the candidates in a row that a harness error left
	// undecided (a container that would not start, twice).
	undecided int
}

// Shrink searches for the smallest candidate of base that still breaks
// o.Invariant. The report holds the best candidate found whatever the
// error: ErrNotReproducible, the budget (reported in Report.Status, not as
// an error), an interrupt, a harness error.
func Shrink(ctx context.Context, runner replay.Runner, base *Base, o Options) (*Report, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &search{runner: runner, base: base, o: o, tried: map[string]bool{}, deadline: o.Clock().Add(o.Budget)}
	var cancel context.CancelFunc
	s.ctx, cancel = context.WithDeadlineCause(ctx, time.Now().Add(o.Budget), ErrBudget)
	defer cancel()
	start := base.Start()
	s.report = &Report{Run: o.Run, Invariant: o.Invariant, Trials: o.Trials, MinRepro: o.MinRepro, Base: base, Original: start, Final: start, Began: o.Clock()}
	s.best = start
	err := s.run(start)
	s.report.Final = s.best
	switch {
	case errors.Is(err, ErrBudget):
		s.report.Status, err = StatusBudget, nil
	case errors.Is(err, ErrNotReproducible):
		s.report.Status = StatusNotReproducible
	case err != nil && ctx.Err() != nil:
		s.report.Status = StatusInterrupted
	case err != nil:
		s.report.Status = StatusError
	default:
		s.report.Status = StatusDone
	}
	if s.report.Status == StatusDone || s.report.Status == StatusBudget {
		if terr := s.topUp(ctx); terr != nil && err == nil {
			err = terr
		}
	}
	s.report.WallS = o.Clock().Sub(s.report.Began).Seconds()
	if o.OnBest != nil {
		if werr := o.OnBest(s.report); werr != nil && err == nil {
			err = werr
		}
	}
	return s.report, err
}

// run checks the start candidate, then applies the passes until a round
// shrinks nothing.
func (s *search) run(start Candidate) error {
	ok, err := s.test(start, "as it ran")
	if err != nil {
		return err
	}
	if !ok {
		r := s.report.Rows[0]
		return exitcode.New(exitcode.SLOBreached, fmt.Errorf("%w: %s broke in %d of %d runs of the scenario as it ran, fewer than %d",
			ErrNotReproducible, s.o.Invariant, r.Reproduced, r.Runs, s.o.MinRepro),
			"replay it (authquake replay --times 10) to see how often it breaks; shrink needs a failure that reproduces")
	}
	for s.round = 1; ; s.round++ {
		before := s.best.key()
		// The passes that cut payments first, so that the budget goes to
		// them: fewer accounts bring each account's limit (and a race on it)
		// sooner, so a shorter load may do; shortening a fault cuts none.
		for _, pass := range []func() error{s.dropFaults, s.fewerAccounts, s.startLater, s.shrinkPhases, s.shortenFaults} {
			if err := pass(); err != nil {
				return err
			}
		}
		if s.best.key() == before {
			return nil
		}
	}
}
