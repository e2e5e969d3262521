package fault

import (
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

// TestEffectOf: what each registered kind does to payments, by its target
// and parameters, for a client that gives up after 2 s.
func TestEffectOf(t *testing.T) {
	for _, tt := range []struct {
		kind, target string
		params       map[string]any
		want         Effect
	}{
		// A little latency on the client link only slows answers.
		{"latency", "client", map[string]any{"latency": "50ms"}, Delays},
		// Latency past the client's timeout fails them.
		{"latency", "client", map[string]any{"latency": "3s"}, Fails},
		// Jitter counts: 1.5 s plus up to 0.5 s reaches a 2 s timeout.
		{"latency", "client", map[string]any{"latency": "1500ms", "jitter": "500ms"}, Fails},
		// Just under the timeout still only delays.
		{"latency", "client", map[string]any{"latency": "1500ms", "jitter": "499ms"}, Delays},
		// Latency behind the service can make it fail.
		{"latency", "db", map[string]any{"latency": "50ms"}, Fails},
		// Bandwidth and a slow close on the client link delay answers.
		{"bandwidth", "client", map[string]any{"rate": 1}, Delays},
		{"slow_close", "client", map[string]any{"delay": "5s"}, Delays},
		// Behind the service they can make it fail.
		{"bandwidth", "db", map[string]any{"rate": 1}, Fails},
		// A blackhole, a reset, a cut and a link down fail.
		{"timeout", "client", nil, Fails},
		{"reset_peer", "client", nil, Fails},
		{"limit_data", "client", map[string]any{"bytes": 10}, Fails},
		{"down", "client", nil, Fails},
		// Container faults fail.
		{"pause", "service", nil, Fails},
		{"cpu", "service", map[string]any{"cpus": 0.5}, Fails},
		// The service's own switch is taken to fail.
		{"http", "", nil, Fails},
		// A kind nobody registered is not known to be milder.
		{"dns", "client", nil, Fails},
	} {
		if got := EffectOf(tt.kind, tt.target, tt.params, 2*time.Second); got != tt.want {
			t.Errorf("%s on %s %v: %s, want %s", tt.kind, tt.target, tt.params, got, tt.want)
		}
		// A timeline saved before events recorded their effect is judged
		// by the kind's name, the same.
		old := rundir.Event{Kind: tt.kind, Target: tt.target, Params: tt.params}
		if got := old.EffectOn(2 * time.Second); got != tt.want {
			t.Errorf("%s on %s %v, read from an older timeline: %s, want %s", tt.kind, tt.target, tt.params, got, tt.want)
		}
	}
}

// TestTimelineRecordsEffect: each fault's effect, for the run's client
// timeout, is in the saved timeline, so that the analysis reads it there
// rather than asking a registry of kinds.
func TestTimelineRecordsEffect(t *testing.T) {
	tl, err := NewTimeline([]scenario.Fault{
		{Name: "slow", Kind: "latency", Target: "client", Params: map[string]any{"latency": "50ms"}},
		{Name: "too-slow", Kind: "latency", Target: "client", Params: map[string]any{"latency": "3s"}},
		{Name: "thin-db", Kind: "bandwidth", Target: "db", Params: map[string]any{"rate": 1}},
		{Name: "nothing", Kind: "noop"},
	}, Env{Toxiproxy: toxiclient.NewClient("127.0.0.1:1"), Links: []string{"client", "db"}, ClientTimeout: 2 * time.Second}, nil) // built, never injected
	if err != nil {
		t.Fatal(err)
	}
	want := []Effect{Delays, Fails, Fails, Fails}
	for i, ev := range tl.Events() {
		if ev.Effect != want[i] {
			t.Errorf("%s: effect %q recorded, want %s", ev.Name, ev.Effect, want[i])
		}
	}
}
