package ledger

import (
	"context"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
)

// marked is a source whose entries made by the scenario's setup (its steps'
// creates, from created.json) are marked not the run's: the audit leaves
// them out of the payment invariants instead of counting them phantoms.
type marked struct {
	Source
	byField map[string]map[string]string // key or id -> value -> step
}

func markCreated(src Source, created []rundir.Created) Source {
	if len(created) == 0 {
		return src
	}
	m := marked{Source: src, byField: map[string]map[string]string{}}
	for _, c := range created {
		if m.byField[c.Field] == nil {
			m.byField[c.Field] = map[string]string{}
		}
		m.byField[c.Field][c.Value] = c.Step
	}
	return m
}

func (m marked) Read(ctx context.Context) (*audit.Snapshot, error) {
	l, err := m.Source.Read(ctx)
	if err != nil {
		return l, err
	}
	for _, recs := range l.ByKey {
		for i := range recs {
			r := &recs[i]
			step, ok := m.byField["key"][r.IdempotencyKey]
			if !ok && r.ID != "" {
				step, ok = m.byField["id"][r.ID]
			}
			if ok && r.Excluded == "" {
				r.Excluded = "created by setup step " + step
			}
		}
	}
	return l, nil
}
