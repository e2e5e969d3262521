package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// shrinkBench is `bench shrink` (make bench-shrink): the bar of replay and
// shrink, for each of authsim's planted bugs from its bundled scenario at
// full length: a run (the bug caught), replay --times 5 (reproduces in at
// least 4), shrink --budget 30m (at most a third of the payments, still
// reproducing in at least 4 of 5), and the scenario with the bug off, run
// and shrunk ("nothing to shrink"). Each authquake call is a process of its
// own, wrapped in `flock FILE` with -lock, so that a machine shared with
// other container work is held one step at a time. Results accumulate in
// OUT/results.json (a bug at a time if asked); the table of all of them
// goes into BENCHMARKS.md between shrink markers.
//
//	bench shrink [-bugs limit-race,...] [-out results/bench-shrink] [-budget 30m] [-lock FILE] [-o BENCHMARKS.md]
//
// -bugs "" measures nothing and writes the table of what results.json holds.
func shrinkBench(args []string) error {
	fs := flag.NewFlagSet("shrink", flag.ExitOnError)
	bugs := fs.String("bugs", strings.Join(plantedBugs, ","), "the bugs to measure, comma-separated")
	out := fs.String("out", "results/bench-shrink", "where the runs and results.json go")
	budget := fs.Duration("budget", 30*time.Minute, "shrink --budget")
	lock := fs.String("lock", "", "run each authquake call under flock FILE")
	md := fs.String("o", "BENCHMARKS.md", "the file whose shrink section is written")
	fs.Parse(args)
	aq := filepath.Join(*out, "authquake")
	if o, err := exec.Command("go", "build", "-o", aq, "./cmd/authquake").CombinedOutput(); err != nil {
		return fmt.Errorf("build authquake: %v\n%s", err, o)
	}
	b := shrinkBencher{bin: aq, lock: *lock, budget: *budget}
	results := readShrinkResults(*out)
	for _, bug := range strings.Split(*bugs, ",") {
		if bug == "" { // -bugs "": the table of what results.json holds
			continue
		}
		r, err := b.measure(bug, filepath.Join(*out, bug))
		if err != nil {
			return fmt.Errorf("%s: %w", bug, err)
		}
		results[bug] = r
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(filepath.Join(*out, "results.json"), data, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %+v\n", bug, r)
	}
	return writeSection(*md, "shrink", shrinkTable(results, *budget))
}

// plantedBugs are authsim's, each with a scenario in scenarios/bugs/.
var plantedBugs = []string{"ack-before-commit", "decline-leaves-hold", "idempotency-race", "limit-race", "stale-limit-cache"}

// shrinkResult is one bug's measures.
type shrinkResult struct {
	When              string  `json:"when"`
	Invariant         string  `json:"invariant"`
	Payments          [2]int  `json:"payments"` // original, shrunk
	Faults            [2]int  `json:"faults"`
	ReplayK           int     `json:"replay_k"`
	ReplayN           int     `json:"replay_n"`
	OddsK             int     `json:"odds_k"`
	OddsN             int     `json:"odds_n"`
	Status            string  `json:"status"`
	ShrinkS           float64 `json:"shrink_s"`
	Candidates        int     `json:"candidates"`
	Off               string  `json:"off"` // what shrink said of the run with the bug off
	Run, Shrunk, Note string
}

type shrinkBencher struct {
	bin, lock string
	budget    time.Duration
}

// call runs authquake with args, under the lock if any, and returns its
// output and exit code.
func (b shrinkBencher) call(args ...string) (string, int) {
	cmd := exec.Command(b.bin, args...)
	if b.lock != "" {
		cmd = exec.Command("flock", append([]string{b.lock, b.bin}, args...)...)
	}
	o, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	fmt.Printf("$ authquake %s  (exit %d)\n", strings.Join(args, " "), code)
	return string(o), code
}

func (b shrinkBencher) measure(bug, dir string) (shrinkResult, error) {
	r := shrinkResult{When: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	file := filepath.Join("scenarios", "bugs", bug+".yaml")
	run := func(sub string, extra ...string) (string, error) {
		os.RemoveAll(filepath.Join(dir, sub))
		o, code := b.call(append([]string{"run", file, "--out", filepath.Join(dir, sub)}, extra...)...)
		dirs, _ := filepath.Glob(filepath.Join(dir, sub, "*"))
		if len(dirs) != 1 {
			return "", fmt.Errorf("run exited %d with no run directory:\n%s", code, o)
		}
		return dirs[0], nil
	}
	on, err := run("on")
	if err != nil {
		return r, err
	}
	r.Run = on
	o, _ := b.call("replay", on, "--times", "5")
	r.ReplayN = 5
	if m := regexp.MustCompile(`reproduced in (\d+) of (\d+) replays`).FindStringSubmatch(o); m != nil {
		r.ReplayK, _ = strconv.Atoi(m[1])
		r.ReplayN, _ = strconv.Atoi(m[2])
	}
	began := time.Now()
	o, code := b.call("shrink", on, "--budget", b.budget.String())
	r.ShrinkS = time.Since(began).Seconds()
	r.Candidates = len(regexp.MustCompile(`(?m)^c\d{3} `).FindAllString(o, -1))
	var link struct {
		Invariant  string  `json:"invariant"`
		Status     string  `json:"status"`
		Payments   [2]int  `json:"payments"`
		Faults     [2]int  `json:"faults"`
		Reproduced int     `json:"reproduced"`
		Runs       int     `json:"runs"`
		Shrunk     string  `json:"shrunk"`
		WallS      float64 `json:"wall_s"`
	}
	if data, err := os.ReadFile(filepath.Join(on, "shrink.json")); err == nil && json.Unmarshal(data, &link) == nil {
		r.Invariant, r.Status, r.Payments, r.Faults, r.OddsK, r.OddsN = link.Invariant, link.Status, link.Payments, link.Faults, link.Reproduced, link.Runs
		r.Shrunk = filepath.Join(on, link.Shrunk)
		if link.WallS > 0 { // the shrink's own, without the wait for the lock
			r.ShrinkS = link.WallS
		}
	} else {
		r.Note = fmt.Sprintf("shrink exited %d without shrink.json: %s", code, lastLines(o, 3))
	}
	off, err := run("off", "--bugs", "")
	if err != nil {
		return r, err
	}
	o, code = b.call("shrink", off, "--budget", b.budget.String())
	r.Off = "nothing to shrink"
	if !strings.Contains(o, "nothing to shrink") {
		r.Off = fmt.Sprintf("exit %d: %s", code, lastLines(o, 2))
	}
	return r, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " / ")
}

func readShrinkResults(out string) map[string]shrinkResult {
	results := map[string]shrinkResult{}
	if data, err := os.ReadFile(filepath.Join(out, "results.json")); err == nil {
		json.Unmarshal(data, &results)
	}
	return results
}

// shrinkTable is BENCHMARKS.md's shrink section.
func shrinkTable(results map[string]shrinkResult, budget time.Duration) string {
	var rows []string
	bugs := make([]string, 0, len(results))
	for bug := range results {
		bugs = append(bugs, bug)
	}
	sort.Strings(bugs)
	for _, bug := range bugs {
		r := results[bug]
		third := "yes"
		if r.Payments[1]*3 > r.Payments[0] || r.OddsK < 4 {
			third = "**no**"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %d / %d | %d of %d | %d / %d | %d of %d | %s | %s | %.1f min, %d candidates | %s | %s | %s |",
			bug, r.Invariant, r.Payments[0], r.Faults[0], r.ReplayK, r.ReplayN, r.Payments[1], r.Faults[1], r.OddsK, r.OddsN,
			third, r.Status, r.ShrinkS/60, r.Candidates, r.Off, r.When, r.Note))
	}
	missing := slices.DeleteFunc(slices.Clone(plantedBugs), func(b string) bool { _, ok := results[b]; return ok })
	not := ""
	if len(missing) > 0 {
		not = "\nNot measured yet: " + strings.Join(missing, ", ") + ".\n"
	}
	return fmt.Sprintf(`<!-- shrink -->
## Replay and shrink (`+"`make bench-shrink`"+`)

Each of authsim's planted bugs from its bundled scenario at full length: `+"`authquake run`"+` (the bug caught), `+"`replay --times 5`"+`,
`+"`shrink --budget %s`"+` (defaults: each candidate up to 5 runs, failing at 4), then the same scenario with the bug off
(`+"`--bugs \"\"`"+`), run and shrunk. The bar: the replay reproduces in at least 4 of 5; the shrunk scenario has at most a
third of the payments and breaks the invariant in at least 4 of 5 runs of it; the bug-off run has nothing to shrink.
Payments are what the schedule sends; odds are the runs of the shrunk scenario that broke the invariant.

| bug | invariant | original payments / faults | replay reproduced | shrunk payments / faults | odds | bar (a third, 4 of 5) | shrink ended | shrink wall time | bug off | measured | note |
|---|---|---|---|---|---|---|---|---|---|---|---|
%s
%s<!-- /shrink -->
`, budget, strings.Join(rows, "\n"), not)
}

// writeSection replaces the section between <!-- name --> markers of a
// Markdown file, or adds it before the earlier measurements.
func writeSection(file, name, section string) error {
	fmt.Print(section)
	old, _ := os.ReadFile(file)
	re := regexp.MustCompile(`(?s)<!-- ` + name + ` -->.*<!-- /` + name + ` -->\n`)
	if re.Match(old) {
		old = re.ReplaceAllLiteral(old, []byte(section))
	} else if i := strings.Index(string(old), "\n# Earlier measurements"); i >= 0 {
		old = slices.Concat(old[:i+1], []byte(section+"\n"), old[i+1:])
	} else {
		old = append(append(old, '\n'), section...)
	}
	return os.WriteFile(file, old, 0o644)
}
