package audit

import (
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// TestChangesByShape: limit changes are read from any fault that records
// rundir.LimitChanges, whatever its kind, as saved (a JSON map) or in memory;
// other details and faults that never went in are not limit changes.
func TestChangesByShape(t *testing.T) {
	at := func(s float64) *float64 { return &s }
	before := int64(1000)
	lowered := rundir.LimitChanges{Field: rundir.LimitField, Accounts: []rundir.LimitChange{{ID: "acct-1", LimitBefore: &before, LimitAfter: 500}}}
	for _, c := range []struct {
		name string
		ev   rundir.Event
		want int // changes of acct-1
	}{
		// authsim's credit_limit, as the timeline holds it in memory.
		{"credit_limit", rundir.Event{Kind: "credit_limit", InjectS: at(1), Details: lowered}, 1},
		// Another module's kind with the same details counts the same.
		{"another kind", rundir.Event{Kind: "my_limit_switch", InjectS: at(1), Details: lowered}, 1},
		// Read back from timeline.json: a map, frozen.
		{"saved freeze", rundir.Event{Kind: "credit_limit", InjectS: at(1), Details: map[string]any{"field": "frozen",
			"accounts": []any{map[string]any{"id": "acct-1", "frozen_after": true}}}}, 1},
		// An http fault's declared freeze (no limit before known) counts too.
		{"declared", rundir.Event{Kind: "http", InjectS: at(1), Details: rundir.LimitChanges{Field: rundir.FrozenField, Declared: true,
			Accounts: []rundir.LimitChange{{ID: "acct-1", FrozenAfter: true}}}}, 1},
		// Details of another shape are not limit changes.
		{"other details", rundir.Event{Kind: "x", InjectS: at(1), Details: map[string]any{"accounts": []any{map[string]any{"id": "acct-1"}}}}, 0},
		// A fault that was never injected changed nothing.
		{"not injected", rundir.Event{Kind: "credit_limit", Details: lowered}, 0},
	} {
		if got := len(changes([]rundir.Event{c.ev})["acct-1"]); got != c.want {
			t.Errorf("%s: %d changes, want %d", c.name, got, c.want)
		}
	}
}
