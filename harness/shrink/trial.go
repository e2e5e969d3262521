package shrink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/harness/run"
)

// maxUndecided is how many candidates in a row a harness error may leave
// undecided before the search stops: one says nothing of the scenario,
// several say the machine or the engine is failing.
const maxUndecided = 3

// test runs candidate c up to Trials times and says whether it fails (breaks
// the invariant in at least MinRepro runs); a failing candidate becomes the
// best. A candidate already tried is not run again.
func (s *search) test(c Candidate, change string) (bool, error) {
	if v, ok := s.tried[c.key()]; ok {
		return v, nil
	}
	row := Row{ID: fmt.Sprintf("c%03d", len(s.report.Rows)), Change: change, Payments: s.base.Payments(c),
		Faults: len(c.Faults), LengthS: s.base.Length(c).Seconds(), Accounts: c.Accounts}
	row.Dir = filepath.Join(s.o.Out, row.ID)
	if len(s.report.Rows) == 0 {
		s.header()
	}
	if row.Payments == 0 {
		row.Note = "sends no payment"
		return s.record(c, row, nil), nil
	}
	file, err := s.write(c, row)
	if err != nil {
		if exitcode.Of(err) != exitcode.Invalid {
			return false, err
		}
		row.Note = "not a valid scenario: " + firstLine(err.Error())
		return s.record(c, row, nil), nil
	}
	var runs []replay.Result
	for row.Runs < s.o.Trials {
		res, err := s.trial(file, row.Dir)
		if err != nil && s.skippable(err, row) {
			// Undecided, not passing: not kept, and tried again if a later
			// round comes back to it.
			row.Note = "undecided: " + firstLine(err.Error())
			s.record(c, row, nil)
			delete(s.tried, c.key())
			return false, nil
		}
		if err != nil {
			row.Note = "stopped: " + firstLine(err.Error())
			s.record(c, row, nil)
			return false, err
		}
		row.Runs++
		if res.Has(s.o.Invariant) {
			row.Reproduced++
		}
		runs = append(runs, res)
		if row.Reproduced >= s.o.MinRepro || row.Runs-row.Reproduced > s.o.Trials-s.o.MinRepro {
			break // decided either way
		}
	}
	row.Failing = row.Reproduced >= s.o.MinRepro
	s.undecided = 0
	return s.record(c, row, runs), nil
}

// skippable says whether a trial's error may leave its candidate undecided
// and the search go on: a harness error (not the budget, not an interrupt)
// on a candidate other than the run as it ran, fewer than maxUndecided
// candidates in a row.
func (s *search) skippable(err error, row Row) bool {
	if errors.Is(err, ErrBudget) || s.ctx.Err() != nil || row.ID == "c000" {
		return false
	}
	s.undecided++
	return s.undecided < maxUndecided
}

// record adds the row to the report and the table, and keeps a failing
// candidate as the best.
func (s *search) record(c Candidate, row Row, runs []replay.Result) bool {
	s.tried[c.key()] = row.Failing
	s.report.Rows = append(s.report.Rows, row)
	s.report.WallS = s.o.Clock().Sub(s.report.Began).Seconds()
	s.line(row)
	if row.Failing {
		s.best = c
		s.report.Final, s.report.FinalRuns = c, runs
		if row.ID != "c000" {
			s.report.Steps = append(s.report.Steps, row.Change)
		}
		if s.o.OnBest != nil {
			if err := s.o.OnBest(s.report); err != nil {
				fmt.Fprintf(s.progress(), "warning: %v\n", err)
			}
		}
	}
	return row.Failing
}

// trial runs the scenario once; a harness error (not the budget, not an
// interrupt) is retried once, since one container that failed to start
// says nothing of the scenario.
func (s *search) trial(file, dir string) (replay.Result, error) {
	for attempt := 0; ; attempt++ {
		if !s.o.Clock().Before(s.deadline) {
			return replay.Result{}, ErrBudget
		}
		res, err := s.runner.Run(s.ctx, replay.Trial{File: file, Out: dir, DurationScale: 1, Shards: s.o.Shards})
		if err == nil || s.ctx.Err() != nil || attempt == 1 {
			if s.ctx.Err() != nil && err != nil {
				err = context.Cause(s.ctx)
			}
			return res, err
		}
		fmt.Fprintf(s.progress(), "       a run failed (%s); running it again\n", firstLine(err.Error()))
	}
}

// topUp runs the final candidate until it has Trials runs, so that its
// odds are counted over as many runs as asked (a candidate stops early once
// it is decided). It goes past the budget, not past an interrupt.
func (s *search) topUp(ctx context.Context) error {
	r := s.report
	if len(r.FinalRuns) == 0 {
		return nil
	}
	file := filepath.Join(s.o.Out, s.finalRow().ID, CandidateFile)
	for len(r.FinalRuns) < s.o.Trials && ctx.Err() == nil {
		res, err := s.runner.Run(ctx, replay.Trial{File: file, Out: filepath.Dir(file), DurationScale: 1, Shards: s.o.Shards})
		if err != nil {
			return err
		}
		r.FinalRuns = append(r.FinalRuns, res)
	}
	return nil
}

// finalRow is the row of the best candidate.
func (s *search) finalRow() Row {
	for i := len(s.report.Rows) - 1; i >= 0; i-- {
		if s.report.Rows[i].Failing {
			return s.report.Rows[i]
		}
	}
	return Row{}
}

// CandidateFile is each candidate's scenario, in its directory.
const CandidateFile = "scenario.yaml"

// write renders the candidate into its directory and checks it as
// `authquake run` would.
func (s *search) write(c Candidate, row Row) (string, error) {
	b, err := s.base.Render(c).Bytes([]string{fmt.Sprintf("Candidate %s of authquake shrink: %s.", row.ID, row.Change)})
	if err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	if err := os.MkdirAll(row.Dir, 0o755); err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	file := filepath.Join(row.Dir, CandidateFile)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return "", exitcode.New(exitcode.Environment, err, "")
	}
	_, err = run.Load(file)
	return file, err
}
