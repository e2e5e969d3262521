package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/run"
	"github.com/authquake/authquake/harness/rundir"
)

// scale runs each library scenario in seconds instead of minutes.
const scale = 0.15

// expectations are the qualitative results that are deterministic at that
// scale, by scenario file.
var expectations = map[string]func(t *testing.T, s *analysis.Summary){
	"promo/midnight-spike.yaml": func(t *testing.T, s *analysis.Summary) {
		// authsim serves the spike or sheds it explicitly (503 overloaded),
		// not by timing out (a payment or two in a thousand may meet a stall
		// of this shared two-core machine), and is healthy again after it.
		spike := event(t, s, "midnight")
		o := spike.During.Outcomes
		n := o.Approved + o.Declined + o.Rejected + o.Shed + o.Timeout + o.ConnError + o.Error
		if o.Timeout+o.ConnError+o.Error > n/500 || s.ErrorClarity.ByReason["91 overloaded"] != s.Requests.Shed {
			t.Errorf("the spike was not served or shed explicitly: during %+v, reasons %v", o, s.ErrorClarity.ByReason)
		}
		if !spike.Recovered {
			t.Errorf("not healthy again after the spike: %+v", spike.Recovery)
		}
	},
	"maintenance/window.yaml": func(t *testing.T, s *analysis.Summary) {
		m := event(t, s, "maintenance")
		if m.During.Outcomes.Shed == 0 || s.ErrorClarity.ByReason["91 maintenance"] == 0 || s.ErrorClarity.RetryAfter == 0 {
			t.Errorf("maintenance answers not explicit 503s with Retry-After: %+v", s.ErrorClarity)
		}
		if s.ErrorClarity.NoAnswer > s.ErrorClarity.Specific {
			t.Errorf("more timeouts than explicit answers: %+v", s.ErrorClarity)
		}
		if !m.Recovered {
			t.Errorf("no recovery after the window: %+v", m.Recovery)
		}
	},
	"risk/strict-rules.yaml": func(t *testing.T, s *analysis.Summary) {
		f := event(t, s, "strict")
		before, during := rate05(f.Before), rate05(f.During)
		if during <= before || during < 0.05 {
			t.Errorf("strict rules did not raise false declines: %.3f before, %.3f during", before, during)
		}
	},
	"credit/freeze.yaml":       cleanAudit,
	"recovery/db-restart.yaml": cleanAudit,
}

func event(t *testing.T, s *analysis.Summary, name string) analysis.FaultStats {
	t.Helper()
	for _, f := range s.Faults {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no event %q in %v", name, s.Faults)
	return analysis.FaultStats{}
}

func rate05(st analysis.Stats) float64 {
	if st.Payments == 0 {
		return 0
	}
	return float64(st.DeclinesByCode["05"]) / float64(st.Payments)
}

func cleanAudit(t *testing.T, s *analysis.Summary) {
	if s.Audit == nil || !s.Audit.Checked || len(s.Audit.Violations) > 0 {
		t.Errorf("audit not clean: %+v", s.Audit)
	}
}

// mayStop are the scenarios whose stop condition is how they end past the
// service's capacity.
var mayStop = map[string]bool{"capacity/step-load.yaml": true}

// TestLibrary runs every scenario of the library (bugs/ has its own test)
// against authsim at a small duration scale: each completes with a valid
// summary.json, and the qualitative result is asserted where it is
// deterministic.
func TestLibrary(t *testing.T) {
	files, _ := filepath.Glob("*/*.yaml")
	n := 0
	for _, file := range files {
		if strings.HasPrefix(file, "bugs/") {
			continue
		}
		n++
		t.Run(strings.TrimSuffix(file, ".yaml"), func(t *testing.T) {
			s := runFile(t, file, run.Options{DurationScale: scale})
			// A step load climbs until its own stop condition ends it past the
			// service's knee, on a machine slow enough to reach it: that is
			// the scenario working, not the run failing.
			stopped := mayStop[file] && s.Status == rundir.StatusAborted && strings.HasPrefix(s.Reason, "stop condition")
			if s.Schema != analysis.SchemaVersion || s.Verdict == "" || (s.Status != rundir.StatusCompleted && !stopped) || s.Requests.Payments == 0 {
				t.Fatalf("summary: schema %q verdict %q status %q (%s) payments %d", s.Schema, s.Verdict, s.Status, s.Reason, s.Requests.Payments)
			}
			if s.Audit != nil && len(s.Audit.Violations) > 0 {
				t.Errorf("authsim without bugs broke invariants: %+v", s.Audit.Violations)
			}
			if check := expectations[file]; check != nil {
				check(t, s)
			}
		})
	}
	if n < 10 {
		t.Errorf("%d scenarios in the library, want one per failure mode (10)", n)
	}
}

func TestEveryScenarioValidates(t *testing.T) {
	files, _ := filepath.Glob("*/*.yaml")
	for _, f := range files {
		if _, err := run.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		b, _ := os.ReadFile(f)
		if !strings.Contains(string(b), "description:") {
			t.Errorf("%s has no description", f)
		}
	}
}
