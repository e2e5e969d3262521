package fault

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

func dur(d time.Duration) scenario.Duration { return scenario.Duration(d) }

// TestTimelineInjectsAndRevertsOnSchedule runs harness faults (noop, error)
// and checks the saved timeline: injected and reverted at the planned
// offsets, the failed inject recorded and the fault still reverted.
func TestTimelineInjectsAndRevertsOnSchedule(t *testing.T) {
	tl, err := NewTimeline([]scenario.Fault{
		{Name: "a", Kind: "noop", At: dur(100 * time.Millisecond), Duration: dur(200 * time.Millisecond)},
		{Name: "b", Kind: "error", At: dur(150 * time.Millisecond), Duration: dur(100 * time.Millisecond)},
		{Name: "c", Kind: "noop", At: dur(10 * time.Second), Duration: dur(time.Second)},
	}, Env{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The run ends at 2.5 s, long after a and b are due to end: a fault
	// reverted at the run's end instead of its own shows.
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	tl.Start(ctx, time.Now())
	tl.Wait()
	tl.RevertAll()
	ev := tl.Events()
	// Never early; late only by scheduling (generous: the machine may be busy,
	// and the run's end, the other instant a fault could be reverted at, is
	// 2.2 s after a's).
	near := func(got *float64, want float64) bool { return got != nil && *got >= want && *got < want+1 }
	if ev[0].State != "reverted" || !near(ev[0].InjectS, 0.1) || !near(ev[0].RevertedS, 0.3) {
		t.Errorf("noop: %+v", ev[0])
	}
	if ev[1].State != "failed" || !strings.Contains(ev[1].InjectError, "injected failure") || ev[1].RevertedS == nil {
		t.Errorf("error fault not recorded as failed and reverted: %+v", ev[1])
	}
	if ev[2].State != "skipped" || ev[2].InjectS != nil {
		t.Errorf("fault after the end ran: %+v", ev[2])
	}
}

func TestCheck(t *testing.T) {
	s, src, err := scenario.Parse("t.yaml", []byte(`name: t
traffic: {phases: [{duration: 60s, shape: constant, rate: 1/s}]}
faults:
  - {name: a, at: 1s, duration: 1s, kind: latncy, target: db}
  - {name: b, at: 1s, duration: 1s, kind: latency, target: cache, params: {latency: 10ms}}
  - {name: c, at: 1s, duration: 1s, kind: latency, target: db, params: {jitter: 5ms, colour: red}}
  - {name: d, at: 1s, duration: 1s, kind: cpu, target: service, params: {cpus: 0}}
  - {name: e, at: 1s, duration: 1s, kind: pause, target: toxiproxy}
  - {name: f, at: 1s, duration: 1s, kind: noop, params: {level: 9}}
  - {name: g, at: 1s, duration: 1s, kind: error}
  - {name: g, at: 1s, duration: 1s, kind: noop}
  - {name: h, at: 1s, duration: 1s, kind: http, params: {inject: {url: "ftp://x"}}}
  - {name: i, at: 1s, duration: 1s, kind: latency, target: db, params: {latency: 20ms, stream: sideways}}
`))
	if err != nil {
		t.Fatal(err)
	}
	links, roles := []string{"client", "db"}, []string{"service", "postgres"}
	got := Check(s, src, links, roles).Error()
	for _, want := range []string{
		`faults[0].kind: unknown fault kind "latncy" (did you mean "latency"?)`,
		`faults[1].target: no link "cache"`,
		`faults[2].params.colour: unknown parameter`,
		`faults[3].params.cpus: is required`,
		`faults[4].target: toxiproxy carries the network faults`,
		`faults[5].params.level: unknown parameter`,
		`faults[7].name: same name as faults[6]`,
		`faults[8].params.inject.url: "ftp://x" is not an http(s) URL`,
		`faults[9].params.stream: must be downstream or upstream`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
	for _, p := range Check(s, src, links, roles) {
		if p.Line < 4 {
			t.Errorf("problem placed at line %d: %s", p.Line, p)
		}
	}
}

func TestRegistry(t *testing.T) {
	kinds := List()
	if len(kinds) < 16 { // the kinds of target modules come on top (harness/target)
		t.Errorf("%d kinds registered", len(kinds))
	}
	for _, k := range kinds {
		if k.Summary == "" || k.Check == nil || k.Build == nil || k.Effect == nil || k.Family == "" {
			t.Errorf("kind %s is incomplete", k.Name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a duplicate kind did not panic")
		}
	}()
	register(noopKind)
}

// TestRegisterWantsAnEffect: a kind that says nothing of its effect on
// payments cannot be registered (the analysis would have to guess).
func TestRegisterWantsAnEffect(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a kind without an effect did not panic")
		}
	}()
	register(Kind{Name: "no-effect", Family: "harness", Summary: "x"})
}
