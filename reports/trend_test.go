package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/rundir"
)

// trendRuns reads the three saved nightly runs of testdata/trend, given in
// directory order (not their start order).
func trendRuns(t *testing.T) []TrendInput {
	t.Helper()
	var in []TrendInput
	for _, name := range []string{"nightly-a", "nightly-b", "nightly-c"} {
		dir := filepath.Join("testdata", "trend", name)
		meta, err := rundir.ReadMeta(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		var s analysis.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		in = append(in, TrendInput{Name: name, Started: meta.Started, Summary: &s})
	}
	return in
}

var defaultThresholds = Thresholds{FailureRatio: 0.01, P99: 0.2, RecoverS: 2, Capacity: 0.1}

// TestTrendFindsTheFirstRegression: three nightly runs, the middle one
// (nightly-a, 2 November) slower, failing more and recovering late, the
// last one (nightly-b) back to speed but with a broken audit, a fault that
// no longer recovers and an untrustworthy generator. Each measure's first
// regression is the run where it happened, against the run before it.
func TestTrendFindsTheFirstRegression(t *testing.T) {
	r := Trend(trendRuns(t), defaultThresholds)
	var order []string
	for _, run := range r.Runs {
		order = append(order, run.Name)
	}
	if got := strings.Join(order, ","); got != "nightly-c,nightly-a,nightly-b" {
		t.Errorf("runs in order %s, want by start time nightly-c,nightly-a,nightly-b", got)
	}
	want := map[string]string{
		"verdict":                       "nightly-a", // pass -> slo_breached
		"failure ratio":                 "nightly-a", // 0.4% -> 3.1%: +2.7 pt over +1 pt
		"p99 latency":                   "nightly-a", // 180 -> 420 ms: +133% over +20%
		"time to recover after db-down": "nightly-a", // 3 -> 9.5 s: +6.5 s over +2 s
		"time to recover after maint":   "nightly-b", // no longer recovers
		"money audit":                   "nightly-b", // clean -> broken
		"generator":                     "nightly-b", // no longer trustworthy
	}
	got := map[string]string{}
	for _, g := range r.Regressions {
		got[g.Measure] = g.Run
	}
	for m, run := range want {
		if got[m] != run {
			t.Errorf("first regression of %s: %q, want %s", m, got[m], run)
		}
	}
	if len(got) != len(want) {
		t.Errorf("regressions %v, want exactly %v (nightly-b's return to speed is not one)", got, want)
	}
}

// TestTrendGolden renders trend.md and trend.html of the saved runs and
// compares them with the golden files (go test -update rewrites them).
func TestTrendGolden(t *testing.T) {
	in := trendRuns(t)
	// The input order does not matter: reversed, the same bytes.
	rev := append([]TrendInput(nil), in...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	var md, page, md2 bytes.Buffer
	TrendMarkdown(&md, Trend(in, defaultThresholds))
	TrendMarkdown(&md2, Trend(rev, defaultThresholds))
	if err := TrendHTML(&page, Trend(in, defaultThresholds)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md.Bytes(), md2.Bytes()) {
		t.Error("the trend depends on the order the runs were given in")
	}
	checkGolden(t, "trend.md", md.Bytes())
	checkGolden(t, "trend.html", page.Bytes())
	if strings.Contains(page.String(), "<script") || strings.Count(page.String(), `<svg class="chart"`) != 4 {
		t.Errorf("trend.html: want four inline charts and no script")
	}
}
