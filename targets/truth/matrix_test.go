package main

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/targets/truth/server"
)

// TestTruthMatrix runs authquake against the truth service, over HTTP with
// real timers, for every cell of the matrix (base latency x mode x
// arrangement), all cells at once, and checks each fault's time to impact
// and to recover within one bucket of the truth worked out from the
// service's rules and the instants its switches flipped, its state, and the
// fault it blames.
func TestTruthMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("about a minute of real time: the model alone is TestTruthModel")
	}
	cs := cases()
	if only := os.Getenv("TRUTH_CELLS"); only != "" { // a regexp over the cells' names, e.g. 4s/stall
		re := regexp.MustCompile(only)
		cs = slices.DeleteFunc(cs, func(c tcase) bool { return !re.MatchString(c.name()) })
	}
	got := make([]live, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs { // all at once, whatever -parallel says: a cell is mostly waiting
		dir := t.TempDir()
		if keep := os.Getenv("TRUTH_KEEP"); keep != "" { // keep the run directories to look into
			dir = filepath.Join(keep, strings.NewReplacer("/", "-").Replace(c.name()))
			os.MkdirAll(dir, 0o755)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = runLive(c, dir)
		}()
	}
	wg.Wait()
	for i, c := range cs {
		t.Run(c.name(), func(t *testing.T) {
			// A cell measured while the machine kept neither the service's
			// rules nor the generator's schedule was not measured against
			// the truth: again, alone, twice at most.
			for try := 0; try < 2 && got[i].err == nil && got[i].void() != ""; try++ {
				t.Logf("again: %s", got[i].void())
				got[i] = runLive(c, t.TempDir())
			}
			if got[i].err != nil {
				t.Fatal(got[i].err)
			}
			if why := got[i].void(); why != "" {
				t.Fatalf("no truth to check against: %s", why)
			}
			check(t, c, got[i].s, c.expect(got[i].sw[0], got[i].sw[1]))
		})
	}
}

// live is one cell's run: its summary, when each switch went on and off on
// the service's clock, in seconds since the run's base time, and how many
// answers the service wrote late against its rules.
type live struct {
	s             *analysis.Summary
	sw            [2][2]float64
	answers, late int
	err           error
}

// void says why the cell's run was no test of the analysis, if it was not:
// more than 1% of the service's answers left over server.Tolerance late,
// or the generator did not keep its schedule.
func (l live) void() string {
	switch {
	case l.err != nil:
	case 100*l.late > l.answers:
		return fmt.Sprintf("the truth service wrote %d of %d answers over %s late: the machine did not let it keep its rules", l.late, l.answers, server.Tolerance)
	case !l.s.Generator.Trustworthy:
		return "the generator did not keep its schedule: " + strings.Join(l.s.Generator.Reasons, "; ")
	}
	return ""
}

// runLive runs a cell against a truth service of its own, in dir.
func runLive(c tcase, dir string) live {
	svc := server.New(c.base)
	srv := httptest.NewServer(svc)
	defer srv.Close()
	path := filepath.Join(dir, "truth.yaml")
	if err := os.WriteFile(path, []byte(c.scenarioYAML(srv.URL, srv.URL)), 0o644); err != nil {
		return live{err: err}
	}
	res, err := run.Run(context.Background(), run.Options{Scenario: path, Out: dir})
	if err != nil {
		return live{err: err}
	}
	r, err := analysis.Load(res.Dir)
	if err != nil {
		return live{err: err}
	}
	s, _, err := analysis.Analyze(r, time.Duration(bucketS*float64(time.Second)))
	if err != nil {
		return live{err: err}
	}
	l := live{s: s}
	l.answers, l.late = svc.Fidelity()
	base := time.Unix(0, res.Meta.BaseUnixNano)
	for _, f := range svc.Flips() {
		i, j := 0, 0
		if f.Name == "second" {
			i = 1
		}
		if !f.On {
			j = 1
		}
		l.sw[i][j] = f.At.Sub(base).Seconds()
	}
	return l
}

func analyze(t *testing.T, dir string) *analysis.Summary {
	t.Helper()
	r, err := analysis.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := analysis.Analyze(r, time.Duration(bucketS*float64(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// check compares each fault's judgement with its truth: the state, the
// blamed fault, and the times within one bucket.
func check(t *testing.T, c tcase, s *analysis.Summary, want []truth) {
	t.Helper()
	if len(s.Faults) != len(want) {
		t.Fatalf("%d faults judged, want %d", len(s.Faults), len(want))
	}
	lim := c.timing().limit * 1000
	if s.Health.MaxP99MS != math.Round(lim) {
		t.Errorf("health rule %+v, want the SLO's p99 %g ms", s.Health, lim)
	}
	near := func(got, want *float64) bool {
		return got == nil && want == nil || got != nil && want != nil && math.Abs(*got-*want) <= bucketS+1e-9
	}
	for i, w := range want {
		f := s.Faults[i]
		hidden, shared := strings.Join(f.HiddenBy, ","), strings.Join(f.SharedWith, ",")
		if f.State != w.state || !near(f.TimeToImpactS, w.tti) || !near(f.TimeToRecoverS, w.ttr) || hidden != w.hidden || shared != w.shared {
			t.Errorf("%s: %s, impact %s, recover %s, hidden by %q, shared with %q (%s)\n  want %s, impact %s, recover %s, hidden by %q, shared with %q",
				f.Name, f.State, show(f.TimeToImpactS), show(f.TimeToRecoverS), hidden, shared, f.Note,
				w.state, show(w.tti), show(w.ttr), w.hidden, w.shared)
		}
	}
}

func show(x *float64) string {
	if x == nil {
		return "none"
	}
	return strings.TrimRight(strings.TrimRight(time.Duration(*x*float64(time.Second)).Round(time.Millisecond).String(), "0"), ".")
}
