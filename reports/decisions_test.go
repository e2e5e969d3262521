package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

// delayed is settled() with its db-cut fault judged: no impact on the
// answers, its decisions late from 0.4 s after it began and in time again
// ttr after its revert (nil: never).
func delayed(ttr *float64) *analysis.Summary {
	s := settled()
	tti := 0.4
	f := analysis.FaultStats{Name: "db-cut", Kind: "db_outage"}
	f.State, f.Recovered = analysis.StateNoImpact, true
	f.Decisions = &analysis.Decisions{LimitMS: 2000, Rule: "baseline", State: analysis.StateImpactRecovered, Impact: true,
		TimeToImpactS: &tti, Recovered: ttr != nil, TimeToRecoverS: ttr, Late: 57}
	if ttr == nil {
		f.Decisions.State = analysis.StateDidNotRecover
	}
	s.Faults = []analysis.FaultStats{f}
	return s
}

// TestDecisionsReachEveryReport: a fault that only delayed decisions says
// so under its row in the terminal summary, report.md and report.html,
// though by its answers it had no impact.
func TestDecisionsReachEveryReport(t *testing.T) {
	ttr := 3.5
	s := delayed(&ttr)
	want := "decisions told later (late past 2000 ms, baseline): 57 late, known late 0.4 s after the start; in time again 3.5 s after the revert"
	var term, md, page bytes.Buffer
	Terminal(&term, s, "")
	if err := Markdown(&md, s); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, &analysis.Run{}, s, nil); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"terminal": term.String(), "report.md": md.String(), "report.html": page.String()} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, got)
		}
	}
	for _, mark := range []string{"db-cut: decisions late", "db-cut: decisions in time"} {
		if !strings.Contains(page.String(), mark) {
			t.Errorf("report.html's answer chart lacks the mark %q", mark)
		}
	}
	if d := decisionsText(delayed(nil).Faults[0]); !strings.HasSuffix(d, "NOT in time again") {
		t.Errorf("decisions never in time again: %q", d)
	}
	if d := decisionsText(analysis.FaultStats{}); d != "" {
		t.Errorf("a synchronous service's fault: %q, want nothing", d)
	}
}

// TestCompareDecisions: decisions in time again later than allowed, or no
// longer, are regressions, though the answers recovered alike.
func TestCompareDecisions(t *testing.T) {
	th := Thresholds{FailureRatio: 0.01, P99: 0.2, RecoverS: 2, Capacity: 0.1}
	three, six, four := 3.0, 6.0, 4.0
	for _, c := range []struct {
		next *analysis.Summary
		want string
	}{
		{delayed(&four), ""},
		{delayed(&six), "decisions in time again after db-cut"},
		{delayed(nil), "decisions in time again after db-cut"},
	} {
		var got []string
		for _, r := range Compare(delayed(&three), c.next, th) {
			if r.Regression {
				got = append(got, r.Measure+": "+r.Change)
			}
		}
		if c.want == "" && len(got) > 0 || c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)) {
			t.Errorf("%v: regressions %v, want %q", c.next.Faults[0].Decisions.TimeToRecoverS, got, c.want)
		}
	}
}

// TestJUnitFailsDecisionsThatDidNotRecover: where an SLO judges recovery,
// a fault whose decisions never came back in time fails its case, though
// its answers recovered.
func TestJUnitFailsDecisionsThatDidNotRecover(t *testing.T) {
	ttr := 3.5
	for _, c := range []struct {
		s    *analysis.Summary
		fail bool
	}{{delayed(&ttr), false}, {delayed(nil), true}} {
		c.s.SLO = []analysis.SLOResult{{Name: "time_to_recover_s", Pass: !c.fail}}
		var buf bytes.Buffer
		if err := JUnit(&buf, c.s); err != nil {
			t.Fatal(err)
		}
		failed := strings.Contains(buf.String(), `<failure message="db_outage on : no_impact`)
		if failed != c.fail || !strings.Contains(buf.String(), "decisions told later") {
			t.Errorf("decisions recovered %v: case failed %v, want %v:\n%s", !c.fail, failed, c.fail, buf.String())
		}
	}
}
