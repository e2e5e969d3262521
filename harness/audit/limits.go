package audit

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"encoding/json"

	"github.com/authquake/authquake/harness/rundir"
)

// change is a fault's change to one account's limit or freeze, with when it
// was surely in force (from, to) and when it may have been (edges).
type change struct {
	freeze      bool // the change freezes; otherwise it changes the limit
	limit       int64
	frozen      bool
	before      int64
	frozeBefore bool
	from, to    float64 // surely in force
	edgeFrom    float64 // may be in force from (the inject call started)
	edgeTo      float64 // may be in force until (the revert call ended)
}

// changes reads the limit changes of faults from the timeline: the details
// of any fault that records rundir.LimitChanges (authsim's credit_limit).
func changes(timeline []rundir.Event) map[string][]change {
	out := map[string][]change{}
	for _, e := range timeline {
		if e.Details == nil || e.InjectS == nil {
			continue
		}
		b, _ := json.Marshal(e.Details)
		var d rundir.LimitChanges
		if json.Unmarshal(b, &d) != nil || d.Field != rundir.LimitField && d.Field != rundir.FrozenField {
			continue
		}
		c := change{from: val(e.ActiveS, e.PlannedStartS), to: val(e.RevertS, 1e18), edgeFrom: *e.InjectS, edgeTo: val(e.RevertedS, 1e18)}
		for _, acct := range d.Accounts {
			cc := c
			cc.freeze = d.Field == rundir.FrozenField
			cc.limit, cc.frozen, cc.frozeBefore = acct.LimitAfter, acct.FrozenAfter, acct.FrozenBefore
			cc.before = math.MaxInt64 // near the edges an unknown limit before is the lenient one
			if acct.LimitBefore != nil {
				cc.before = *acct.LimitBefore
			}
			out[acct.ID] = append(out[acct.ID], cc)
		}
	}
	return out
}

func val(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// inForce returns the limit and freeze surely in force at t. Each change
// sets only its own field (a limit change or a freeze); near a change's edges
// the more lenient of before and after applies.
func inForce(base int64, baseFrozen bool, cs []change, t float64) (int64, bool) {
	limit, frozen := base, baseFrozen
	for _, c := range cs {
		in, edge := t >= c.from && t < c.to, t >= c.edgeFrom && t < c.edgeTo
		switch {
		case c.freeze && in:
			frozen = c.frozen
		case c.freeze && edge:
			frozen = frozen && c.frozeBefore
		case in:
			limit = min(limit, c.limit)
		case edge:
			limit = min(limit, max(c.limit, c.before))
		}
	}
	return limit, frozen
}

// accounts checks I6 (no approval over the limit in force, none on a frozen
// account) and I7 (held equals the sum of holds) per account.
func (a *auditor) accounts(l *Snapshot, timeline []rundir.Event, base time.Time) {
	byAccount := map[string][]Record{}
	for _, recs := range l.ByKey {
		for _, r := range recs {
			byAccount[r.AccountID] = append(byAccount[r.AccountID], r)
		}
	}
	chg := changes(timeline)
	ids := slices.Sorted(maps.Keys(l.Accounts))
	for _, id := range ids {
		acct := l.Accounts[id]
		recs := byAccount[id]
		sort.Slice(recs, func(i, j int) bool { return recs[i].CreatedAt.Before(recs[j].CreatedAt) })
		var held, sum int64
		flagged := false
		for _, r := range recs {
			sum += r.HoldMinor // the account's held counts every entry, the run's or not
			if r.HoldMinor <= 0 || r.Status == "declined" || r.Excluded != "" {
				continue
			}
			held += r.HoldMinor
			t := r.CreatedAt.Sub(base).Seconds()
			limit, frozen := inForce(acct.LimitMinor, false, chg[id], t)
			if !flagged && (held > limit || frozen) {
				what := fmt.Sprintf("holds %d over limit %d", held, limit)
				if frozen {
					what = "approved while frozen"
				}
				a.flag("I6", Example{Key: r.IdempotencyKey, Account: id, Amount: r.AmountMinor, Told: "approved",
					Ledger: fmt.Sprintf("%s at %.3fs", what, t)})
				flagged = true // one example per account
			}
		}
		if sum != acct.HeldMinor {
			a.flag("I7", Example{Account: id, Told: fmt.Sprintf("sum of holds %d", sum), Ledger: fmt.Sprintf("held %d", acct.HeldMinor)})
		}
	}
}
