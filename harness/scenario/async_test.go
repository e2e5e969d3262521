package scenario

import (
	"strings"
	"testing"
)

// TestAsyncValidation: every problem of target.webhooks, target.status and
// slo.settle_p99 is reported at its place in the file.
func TestAsyncValidation(t *testing.T) {
	head := "name: s\ntarget:\n  kind: url\n  url: \"http://127.0.0.1:1\"\n"
	tail := "traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	rules := "rules: [{equals: SUCCEEDED, outcome: approved}]"
	for _, tc := range []struct {
		name, block, want string
	}{
		// A webhook endpoint on this machine only (or every interface, for a container).
		{"listen", "  webhooks: {listen: \"10.0.0.5:9000\", key: ref, status: st, " + rules + "}", `target.webhooks.listen: "10.0.0.5" is neither loopback nor 0.0.0.0`},
		{"listen port", "  webhooks: {listen: localhost, key: ref, status: st, " + rules + "}", `target.webhooks.listen: "localhost" is not host:port`},
		{"path", "  webhooks: {path: notify, key: ref, status: st, " + rules + "}", "target.webhooks.path: must start with /"},
		{"match", "  webhooks: {match: reference, key: ref, status: st, " + rules + "}", `target.webhooks.match: must be key or id, not "reference"`},
		{"key", "  webhooks: {key: 'a..b', status: st, " + rules + "}", `target.webhooks.key: "a..b" is not a JSON path`},
		// Rules need a final state, and each one value or a list.
		{"no final", "  webhooks: {key: ref, status: st, rules: [{equals: WORKING, outcome: pending}]}", "target.webhooks.rules: needs a rule for a final state"},
		{"rule values", "  webhooks: {key: ref, status: st, rules: [{outcome: approved}]}", "target.webhooks.rules[0]: give equals or in"},
		{"rule outcome", "  webhooks: {key: ref, status: st, rules: [{equals: X, outcome: shed}]}", `target.webhooks.rules[0].outcome: unknown outcome "shed"`},
		{"signature", "  webhooks: {key: ref, status: st, " + rules + ", signature: {}}", "target.webhooks.signature: give exactly one of key and key_env"},
		// Polling is bounded.
		{"every", "  status: {path: '/p/{{.AuthID}}', every: 1ms, status: st, " + rules + "}", "target.status.every: must be at least 10ms"},
		{"until", "  status: {path: '/p/{{.AuthID}}', every: 1s, until: 500ms, status: st, " + rules + "}", "target.status.until: must be from every (1s) to 24h"},
		{"status path", "  status: {path: 'p/{{.AuthID}}', status: st, " + rules + "}", "target.status.path: must start with /"},
		{"unknown field", "  status: {path: /p, status: st, " + rules + ", interval: 1s}", `unknown field "interval"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("s.yaml", []byte(head+tc.block+"\n"+tail))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	// settle_p99 needs final states told later.
	_, _, err := Parse("s.yaml", []byte(head+tail+"slo: {settle_p99: 2s}\n"))
	if err == nil || !strings.Contains(err.Error(), "slo.settle_p99: needs final states told later") {
		t.Errorf("settle_p99 without webhooks or status: %v", err)
	}
	s, _, err := Parse("s.yaml", []byte(head+"  webhooks: {key: data.id, match: id, status: data.status, "+rules+"}\n  status: {path: '/p/{{.AuthID}}', status: st, "+rules+"}\n  settle: 20s\n"+tail))
	if err != nil {
		t.Fatal(err)
	}
	w, p := s.Target.Webhooks, s.Target.Status
	if w.Listen != "127.0.0.1:0" || w.Path != "/notify" || p.Every.D().String() != "500ms" || p.Until.D().String() != "20s" || s.Target.Response.AuthID != DefaultAuthID {
		t.Errorf("defaults: %+v %+v auth_id %q", w, p, s.Target.Response.AuthID)
	}
}
