package run

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

func runImages(t *testing.T) images.Refs {
	t.Helper()
	dockertest.Client(t)
	return dockertest.Images(t)
}

func runScenario(t *testing.T, file string, opts ...func(*Options)) (*Result, error) {
	t.Helper()
	cli := dockertest.Client(t)
	dockertest.Images(t)
	o := Options{Scenario: filepath.Join("testdata", file), Out: t.TempDir(), Log: testLog{t}}
	for _, f := range opts {
		f(&o)
	}
	res, err := Run(context.Background(), o)
	if res != nil && res.Meta.RunID != "" {
		if cs, ns := dockertest.RunResources(t, cli, res.Meta.RunID); len(cs)+len(ns) > 0 {
			t.Errorf("run left containers %v networks %v", cs, ns)
		}
	}
	return res, err
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) { l.t.Logf("%s", p); return len(p), nil }

func readTimeline(t *testing.T, dir string) []rundir.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rundir.TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	var ev []rundir.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestFaultFamiliesOnSchedule runs a short scenario with a network, a
// container and a service fault, and checks from the saved results that
// each was in force from its planned offset to its planned end (within
// 500 ms: a Docker API call on a busy two-core machine takes a few hundred
// ms, and the faults last a second or more, so a fault at the wrong offset
// still shows) and that each phase sent its planned rate (within 2%).
func TestFaultFamiliesOnSchedule(t *testing.T) {
	res, err := runScenario(t, "families.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev := readTimeline(t, res.Dir)
	if len(ev) != 3 {
		t.Fatalf("%d faults on the timeline", len(ev))
	}
	for _, e := range ev {
		if e.State != "reverted" || e.InjectError != "" || e.RevertError != "" {
			t.Errorf("%s: %s %s %s", e.Name, e.State, e.InjectError, e.RevertError)
			continue
		}
		if d := *e.ActiveS - e.PlannedStartS; d < 0 || d > 0.5 {
			t.Errorf("%s (%s) in force at %.3fs, planned %.3fs", e.Name, e.Family, *e.ActiveS, e.PlannedStartS)
		}
		if d := *e.RevertedS - e.PlannedEndS; d < 0 || d > 0.5 {
			t.Errorf("%s (%s) reverted at %.3fs, planned %.3fs", e.Name, e.Family, *e.RevertedS, e.PlannedEndS)
		}
	}
	sent := make([]int, len(res.Meta.Phases))
	err = record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
		if a.Attempt == 1 {
			for i, p := range res.Meta.Phases {
				if s := a.Sent.Seconds(); s >= p.StartS && s < p.EndS {
					sent[i]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.Meta.Phases {
		if math.Abs(float64(sent[i])-p.Hits) > 0.02*p.Hits {
			t.Errorf("phase %s sent %d, planned %.0f", p.Name, sent[i], p.Hits)
		}
	}
	if res.Meta.Status != rundir.StatusCompleted || res.Meta.Sent != res.Meta.Planned {
		t.Errorf("status %s, sent %d of %d", res.Meta.Status, res.Meta.Sent, res.Meta.Planned)
	}
}

// TestStopCondition: maintenance makes every payment fail; the failure-ratio
// condition stops the load within a second of holding for its 2 s, the
// fault is reverted, the results are kept, and the error exits 4.
func TestStopCondition(t *testing.T) {
	start := time.Now()
	res, err := runScenario(t, "stop.yaml")
	if exitcode.Of(err) != exitcode.Aborted {
		t.Fatalf("err %v (exit %d), want exit 4", err, exitcode.Of(err))
	}
	if res.Meta.Status != rundir.StatusAborted || res.Meta.Sent >= res.Meta.Planned {
		t.Errorf("status %s, sent %d of %d", res.Meta.Status, res.Meta.Sent, res.Meta.Planned)
	}
	var last time.Duration
	n := 0
	if err := record.Read(filepath.Join(res.Dir, rundir.AttemptsFile), func(a *record.Attempt) error {
		last = max(last, a.Sent)
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Failing from 0.5s, held 2 full seconds (to 3s), checked at the 4s tick at the latest.
	if last > 5*time.Second || n == 0 {
		t.Errorf("last attempt sent at %s (%d attempts): the load did not stop promptly", last, n)
	}
	if ev := readTimeline(t, res.Dir); ev[0].State != "reverted" {
		t.Errorf("maintenance fault %s", ev[0].State)
	}
	t.Logf("run took %s", time.Since(start))
}

func TestInvalidScenarioExitsTwoBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	os.WriteFile(path, []byte("name: bad\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\nfaults: [{at: 0s, duration: 1s, kind: nope}]\n"), 0o644)
	res, err := Run(context.Background(), Options{Scenario: path, Out: dir})
	if exitcode.Of(err) != exitcode.Invalid || res != nil {
		t.Fatalf("err %v res %v, want exit 2 and no run", err, res)
	}
	var probs interface{ Error() string }
	if !errors.As(err, &probs) {
		t.Fatal(err)
	}
}

// TestTemplateTypoIsInvalid: a request template with a misspelt field used
// to pass validation and make a run that sent nothing pass; now validation
// (and so run) rejects it with exit 2 at the template's line.
func TestTemplateTypoIsInvalid(t *testing.T) {
	path := filepath.Join("testdata", "template-typo.yaml")
	_, err := Load(path)
	if exitcode.Of(err) != exitcode.Invalid {
		t.Fatalf("err %v (exit %d), want exit 2", err, exitcode.Of(err))
	}
	for _, want := range []string{path + ":11:", "no field .AccountId: did you mean .AccountID?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	res, err := Run(context.Background(), Options{Scenario: path, Out: t.TempDir()})
	if exitcode.Of(err) != exitcode.Invalid || res != nil {
		t.Errorf("run: err %v res %v, want exit 2 and no run", err, res)
	}
}
