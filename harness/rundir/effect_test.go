package rundir

import (
	"testing"
	"time"
)

// TestEffectOn: the effect the run recorded is the fault's; an event saved
// before events carried one is judged by its kind's name, as it was then.
func TestEffectOn(t *testing.T) {
	for _, tt := range []struct {
		name string
		ev   Event
		want Effect
	}{
		// Recorded: taken as it is, whatever the kind's name says.
		{"recorded delays", Event{Kind: "dns", Effect: Delays}, Delays},
		{"recorded declines", Event{Kind: "latency", Target: "db", Effect: Declines}, Declines},
		// Not a known effect: judged by the kind.
		{"recorded nonsense", Event{Kind: "risk_strictness", Effect: "maybe"}, Declines},
		// Older timelines, by the kind's name.
		{"latency under the timeout", Event{Kind: "latency", Target: "client", Params: map[string]any{"latency": "1500ms", "jitter": "499ms"}}, Delays},
		{"latency reaching the timeout", Event{Kind: "latency", Target: "client", Params: map[string]any{"latency": "1500ms", "jitter": "500ms"}}, Fails},
		{"latency behind the service", Event{Kind: "latency", Target: "db", Params: map[string]any{"latency": "5ms"}}, Fails},
		{"latency unreadable", Event{Kind: "latency", Target: "client", Params: map[string]any{"latency": []int{1}}}, Delays},
		{"slow close on the client link", Event{Kind: "slow_close", Target: "client"}, Delays},
		{"credit limit", Event{Kind: "credit_limit"}, Declines},
		{"http declared delays", Event{Kind: "http", Params: map[string]any{"effect": "delays"}}, Delays},
		{"http declaring nothing", Event{Kind: "http"}, Fails},
		{"a traffic spike", Event{Kind: "spike", Family: "traffic"}, Fails},
		{"an unknown kind", Event{Kind: "dns", Target: "client"}, Fails},
	} {
		if got := tt.ev.EffectOn(2 * time.Second); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
