package fault

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/topology"
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
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	tl.Start(ctx, time.Now())
	tl.Wait()
	tl.RevertAll()
	ev := tl.Events()
	// Never early; late only by scheduling (generous: the machine may be busy).
	near := func(got *float64, want float64) bool { return got != nil && *got >= want && *got < want+0.25 }
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

// TestLatencyOnALink injects latency on an in-process Toxiproxy link and
// checks that requests slow down while it is active and not after.
func TestLatencyOnALink(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer backend.Close()
	api, stop := topology.InProcessToxiproxy()
	defer stop()
	cli := toxiclient.NewClient(api)
	p, err := cli.CreateProxy("client", "127.0.0.1:0", strings.TrimPrefix(backend.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Toxiproxy: cli, Links: []string{"client"}}
	timed := func() time.Duration {
		start := time.Now()
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + p.Listen)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return time.Since(start)
	}
	k, _ := Lookup("latency")
	f, err := k.Build(Spec{ID: "f0", Kind: "latency", Target: "client", Params: map[string]any{"latency": "150ms"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := timed(); d < 150*time.Millisecond {
		t.Errorf("with 150ms latency a request took %s", d)
	}
	if err := f.Revert(context.Background()); err != nil {
		t.Fatal(err)
	}
	if toxics, _ := p.Toxics(); len(toxics) != 0 {
		t.Errorf("toxics left after revert: %v", toxics)
	}
	if d := timed(); d > 100*time.Millisecond {
		t.Errorf("after revert a request took %s", d)
	}
	// A second revert is harmless.
	if err := f.Revert(context.Background()); err != nil {
		t.Errorf("second revert: %v", err)
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
  - {name: f, at: 1s, duration: 1s, kind: credit_limit, params: {share: 0.1, factor: 0.5, freeze: true}}
  - {name: g, at: 1s, duration: 1s, kind: risk_strictness, params: {level: 9}}
  - {name: g, at: 1s, duration: 1s, kind: noop}
  - {name: h, at: 1s, duration: 1s, kind: http, params: {inject: {url: "ftp://x"}}}
  - {name: i, at: 1s, duration: 1s, kind: latency, target: db, params: {latency: 20ms, stream: sideways}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Check(s, src).Error()
	for _, want := range []string{
		`faults[0].kind: unknown fault kind "latncy" (did you mean "latency"?)`,
		`faults[1].target: no link "cache"`,
		`faults[2].params.colour: unknown parameter`,
		`faults[3].params.cpus: is required`,
		`faults[4].target: toxiproxy carries the network faults`,
		`faults[5].params: give exactly one of factor, limit and freeze`,
		`faults[6].params.level: is required: 0 (off) to 3`,
		`faults[7].name: same name as faults[6]`,
		`faults[8].params.inject.url: "ftp://x" is not an http(s) URL`,
		`faults[9].params.stream: must be downstream or upstream`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
	for _, p := range Check(s, src) {
		if p.Line < 4 {
			t.Errorf("problem placed at line %d: %s", p.Line, p)
		}
	}
}

func TestRegistry(t *testing.T) {
	kinds := List()
	if len(kinds) < 19 {
		t.Errorf("%d kinds registered", len(kinds))
	}
	for _, k := range kinds {
		if k.Summary == "" || k.Check == nil || k.Build == nil || k.Family == "" {
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
