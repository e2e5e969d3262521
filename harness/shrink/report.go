package shrink

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/replay"
	"github.com/authquake/authquake/reports"
)

// How a shrink ended.
const (
	StatusDone            = "done"             // a round of every pass shrank nothing more
	StatusBudget          = "budget"           // the budget was spent: the best so far
	StatusInterrupted     = "interrupted"      // Ctrl-C: the best so far
	StatusNotReproducible = "not_reproducible" // the run as it ran did not fail often enough
	StatusError           = "error"            // a harness error: the best so far
)

// The files a shrink writes.
const (
	ShrunkFile = "shrunk.yaml"          // in the shrink's directory: the smallest failing scenario
	ReportFile = "shrink.md"            // in the shrink's directory: what was removed, the odds, the keys
	LinkFile   = reports.ShrinkLinkFile // in the shrunk run's directory: where its shrink is (reports link it)
)

// Report is a shrink's outcome, whole or so far.
type Report struct {
	// Run is the run directory shrunk.
	Run       string
	Invariant string
	Trials    int
	MinRepro  int
	Base      *Base
	// Original is the scenario as it ran; Final the smallest that failed.
	Original, Final Candidate
	// FinalRuns are the runs of Final, for its odds and violating keys.
	FinalRuns []replay.Result
	// Steps are the changes kept, in order.
	Steps  []string
	Rows   []Row
	Status string
	Began  time.Time
	WallS  float64
}

// Odds counts the final candidate's runs that broke the invariant.
func (r *Report) Odds() (reproduced, runs int) {
	for _, res := range r.FinalRuns {
		if res.Has(r.Invariant) {
			reproduced++
		}
	}
	return reproduced, len(r.FinalRuns)
}

// size says in a few words how big a candidate is.
func (r *Report) size(c Candidate) string {
	faults := fmt.Sprintf("%d faults", len(c.Faults))
	if len(c.Faults) == 1 {
		faults = "1 fault"
	}
	return fmt.Sprintf("%d payments over %s, %s, %d accounts", r.Base.Payments(c), replay.Seconds(r.Base.Length(c).Seconds()), faults, c.Accounts)
}

// Shrunk renders the final candidate as a scenario file, its header
// saying where it comes from and what was removed.
func (r *Report) Shrunk() ([]byte, error) {
	k, n := r.Odds()
	h := []string{
		fmt.Sprintf("Shrunk by authquake shrink from %s: %s (%s) broke in %d of %d runs of this scenario.", r.Run, r.Invariant, audit.Name(r.Invariant), k, n),
		"Original, as it ran: " + r.size(r.Original) + ".",
		"Shrunk: " + r.size(r.Final) + ".",
	}
	if len(r.Steps) > 0 {
		h = append(h, "Removed, in order:")
		for _, s := range r.Steps {
			h = append(h, "  - "+s)
		}
	}
	h = append(h, "From the run:")
	for _, n := range r.Base.Notes {
		h = append(h, "  - "+n)
	}
	h = append(h, "Run it: authquake run "+ShrunkFile+" (at duration scale 1).")
	return r.Base.Render(r.Final).Bytes(h)
}

// Markdown writes shrink.md.
func (r *Report) Markdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	k, n := r.Odds()
	ok, on := r.Rows[0].Reproduced, r.Rows[0].Runs
	p("# Shrink of %s\n\n", r.Run)
	p("Invariant %s: %s. %s after %s; %d candidates, each run up to %d times, failing when at least %d runs break %s.\n\n",
		r.Invariant, audit.Name(r.Invariant), statusText(r.Status), (time.Duration(r.WallS) * time.Second).String(), len(r.Rows), r.Trials, r.MinRepro, r.Invariant)
	p("| | payments | faults | length | accounts | broke %s |\n|---|---|---|---|---|---|\n", r.Invariant)
	p("| original (as it ran) | %d | %d | %s | %d | %d of %d |\n", r.Base.Payments(r.Original), len(r.Original.Faults),
		replay.Seconds(r.Base.Length(r.Original).Seconds()), r.Original.Accounts, ok, on)
	p("| shrunk | %d | %d | %s | %d | %d of %d |\n\n", r.Base.Payments(r.Final), len(r.Final.Faults),
		replay.Seconds(r.Base.Length(r.Final).Seconds()), r.Final.Accounts, k, n)
	p("Shrunk scenario: [%s](%s) (`authquake run %s`).\n\n", ShrunkFile, ShrunkFile, filepath.Join(filepath.Dir(r.Rows[0].Dir), ShrunkFile))
	if len(r.Steps) > 0 {
		p("## Removed, in order\n\n")
		for _, s := range r.Steps {
			p("- %s\n", s)
		}
		p("\n")
	}
	p("## Violating keys of the final runs\n\n| run | %s | example keys (account) |\n|---|---|---|\n", r.Invariant)
	for _, res := range r.FinalRuns {
		var keys []string
		count := 0
		for _, v := range res.Broken {
			if v.Invariant == r.Invariant {
				count = v.Count
				for _, e := range v.Examples {
					keys = append(keys, fmt.Sprintf("%s (%s)", e.Key, e.Account))
				}
			}
		}
		p("| %s | %d | %s |\n", res.Dir, count, strings.Join(keys, ", "))
	}
	p("\n## Candidates\n\n| candidate | change | payments | faults | length | accounts | broke %s | kept |\n|---|---|---|---|---|---|---|---|\n", r.Invariant)
	for _, row := range r.Rows {
		kept := ""
		if row.Failing {
			kept = "yes"
		}
		change := row.Change
		if row.Note != "" {
			change += " (" + row.Note + ")"
		}
		p("| %s | %s | %d | %d | %s | %d | %d of %d | %s |\n", row.ID, change, row.Payments, row.Faults, replay.Seconds(row.LengthS), row.Accounts, row.Reproduced, row.Runs, kept)
	}
}

func statusText(s string) string {
	return map[string]string{StatusDone: "Done: no pass shrank it further", StatusBudget: "Budget spent: the smallest so far",
		StatusInterrupted: "Interrupted: the smallest so far", StatusNotReproducible: "Not shrunk: the run as it ran did not fail often enough",
		StatusError: "Stopped by a harness error: the smallest so far", "": "Still searching: the smallest so far"}[s]
}

// Write writes shrunk.yaml and shrink.md into dir and shrink.json into the
// run directory.
func (r *Report) Write(dir string) error {
	if len(r.Rows) == 0 {
		return nil
	}
	var md strings.Builder
	r.Markdown(&md)
	if err := os.WriteFile(filepath.Join(dir, ReportFile), []byte(md.String()), 0o644); err != nil {
		return err
	}
	if len(r.FinalRuns) == 0 { // nothing failed: no shrunk scenario
		return nil
	}
	y, err := r.Shrunk()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ShrunkFile), y, 0o644); err != nil {
		return err
	}
	if r.Run == "" {
		return nil
	}
	k, n := r.Odds()
	l := reports.ShrinkLink{Shrunk: rel(r.Run, filepath.Join(dir, ShrunkFile)), Report: rel(r.Run, filepath.Join(dir, ReportFile)), Invariant: r.Invariant, Status: r.Status,
		Payments: [2]uint64{r.Base.Payments(r.Original), r.Base.Payments(r.Final)}, Faults: [2]int{len(r.Original.Faults), len(r.Final.Faults)},
		Reproduced: k, Runs: n, WallS: math.Round(r.WallS)}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Run, LinkFile), append(b, '\n'), 0o644)
}

// rel is path relative to dir, or absolute when it cannot be.
func rel(dir, path string) string {
	if p, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(p, "..") {
		return p
	}
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}
