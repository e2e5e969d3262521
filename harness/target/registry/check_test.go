package registry

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/scenario"
)

// parse decodes a scenario with the modules' hooks, then checks its faults
// against its target's links, as run.Load does; it returns the scenario
// (nil when invalid) and every problem as one string.
func parse(t *testing.T, target, faults string) (*scenario.Scenario, string) {
	t.Helper()
	data := "name: t\ntarget: " + target + "\ntraffic: {phases: [{duration: 60s, shape: constant, rate: 1/s}]}\n"
	if faults != "" {
		data += "faults:\n" + faults
	}
	s, src, err := scenario.ParseWith("t.yaml", []byte(data), Hooks)
	if err != nil {
		return nil, err.Error()
	}
	links, roles := Links(s.Target)
	if probs := fault.Check(s, src, links, roles); len(probs) > 0 {
		return s, probs.Error()
	}
	return s, ""
}

// TestModuleChecks: each module checks its own block and its own faults,
// with the problem at its place in the file.
func TestModuleChecks(t *testing.T) {
	for _, c := range []struct {
		name, target, faults string
		want                 []string // substrings of the problems; none: valid
	}{
		// authsim knows its bugs, and says which there are.
		{"unknown bug", "{kind: authsim, authsim: {bugs: [limit-race, no-such-bug]}}", "",
			[]string{`t.yaml:2:54: target.authsim.bugs[1]: unknown bug "no-such-bug"`, "known bugs: ack-before-commit,"}},
		// A known bug passes.
		{"known bug", "{kind: authsim, authsim: {bugs: [limit-race]}}", "", nil},
		// authsim's own faults are checked by their parameters.
		{"authsim fault params", "{kind: authsim}", "  - {at: 1s, duration: 1s, kind: credit_limit, params: {share: 0.1, factor: 0.5, freeze: true}}\n" +
			"  - {at: 1s, duration: 1s, kind: risk_strictness, params: {level: 9}}\n",
			[]string{"faults[0].params: give exactly one of factor, limit and freeze", "faults[1].params.level: is required: 0 (off) to 3"}},
		// An authsim-only fault on another kind is refused, with the way out.
		{"credit_limit on url", "{kind: url, url: 'http://127.0.0.1:8080'}", "  - {at: 1s, duration: 1s, kind: credit_limit, params: {share: 0.1, freeze: true}}\n",
			[]string{"t.yaml:5:28: faults[0].kind: credit_limit needs target kind authsim (hint: for your own service use kind http)"}},
		// The same on your own containers.
		{"maintenance on containers", "{kind: containers, containers: {service: {image: 'mine:dev', port: 8080}}}", "  - {at: 1s, duration: 1s, kind: maintenance}\n",
			[]string{"maintenance needs target kind authsim"}},
		// The generic http fault is every kind's.
		{"http on url", "{kind: url, url: 'http://127.0.0.1:8080'}", "  - {at: 1s, duration: 1s, kind: http, params: {inject: {url: 'http://127.0.0.1:8080/off'}}}\n", nil},
		// Postgres settings: names as Postgres spells them, one-line values.
		{"postgres settings", "{kind: containers, containers: {service: {image: 'mine:dev', port: 8080}, postgres: {settings: {track_commit_timestamp: 'on', 'pg_stat_statements.max': '100', 'x; DROP': '1', work_mem: \"1\\n2\"}}}}", "",
			[]string{`target.containers.postgres.settings.x; DROP: "x; DROP" is not a setting name`, "settings.work_mem: the value holds a newline"}},
		{"postgres settings named well", "{kind: containers, containers: {service: {image: 'mine:dev', port: 8080}, postgres: {settings: {track_commit_timestamp: 'on', 'pg_stat_statements.max': '100', TimeZone: UTC}}}}", "", nil},
		// A containers target has the links of its dependencies.
		{"dependency link", "{kind: containers, containers: {service: {image: 'mine:dev', port: 8080}, dependencies: [{name: redis, image: 'redis:7', port: 6379}]}}",
			"  - {at: 1s, duration: 1s, kind: latency, target: redis, params: {latency: 10ms}}\n  - {at: 1s, duration: 1s, kind: latency, target: db, params: {latency: 10ms}}\n",
			[]string{`faults[1].target: no link "db"`}},
		// An endpoint already running has no container to pause.
		{"pause on url", "{kind: url, url: 'http://127.0.0.1:8080'}", "  - {at: 1s, duration: 1s, kind: pause, target: service}\n",
			[]string{`faults[0].target: no container "service" (hint: target kind url has no containers)`}},
		// The containers module checks its block.
		{"container port", "{kind: containers, containers: {service: {image: 'mine:dev', port: 0}}}", "",
			[]string{"t.yaml:2:70: target.containers.service.port: must be from 1 to 65535"}},
		// The url module refuses https, with the reason.
		{"https url", "{kind: url, url: 'https://127.0.0.1:8443'}", "", []string{"https is not supported"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, got := parse(t, c.target, c.faults)
			if len(c.want) == 0 && got != "" {
				t.Fatalf("unexpected problems:\n%s", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("no problem says %q in:\n%s", w, got)
				}
			}
		})
	}
}

// TestLedgerDefault: authsim's ledger is read unless the scenario names
// another source; other kinds read none unless the scenario says.
func TestLedgerDefault(t *testing.T) {
	for _, c := range []struct{ target, want string }{
		{"{kind: authsim}", scenario.LedgerAuthsim},                        // the module's own source
		{"{kind: url, url: 'http://127.0.0.1:8080'}", scenario.LedgerNone}, // none: the audit says what it could not check
		{"{kind: containers, containers: {service: {image: 'mine:dev', port: 8080}}}", scenario.LedgerNone},
	} {
		s, probs := parse(t, c.target, "")
		if s == nil || s.Ledger.Kind != c.want {
			t.Errorf("%s: ledger %v, want %s (%s)", c.target, s, c.want, probs)
		}
	}
	// Without the hooks, scenario's own decoding sets no module default.
	s, _, err := scenario.Parse("t.yaml", []byte("name: t\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"))
	if err != nil || s.Ledger.Kind != scenario.LedgerNone {
		t.Errorf("plain Parse: ledger %q, %v", s.Ledger.Kind, err)
	}
}
