package audit

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// ClockSkew is how far the service's clock may lag authquake's: a ledger
// entry under one of the run's keys made more than this before the run's
// base time (its first scheduled send) was there before the run.
const ClockSkew = 2 * time.Second

// Preexisting counts the run's keys that the service already held before
// the run began: a ledger entry under the key made more than ClockSkew
// before the run's base time or, when the ledger gives no creation times, a
// first attempt answered as a duplicate (409 or the duplicate outcome) that
// no double tap of the run explains. Their entries belong to an earlier run
// or to the service's own data: the audit leaves those keys out of every
// invariant, and the run is an invalid test (exit 1), not a broken one.
type Preexisting struct {
	Count int `json:"count"`
	// Of is how many of the run's keys the ledger holds at all.
	Of int `json:"of"`
	// ByLedger counts the keys with an entry older than the run; ByAnswer
	// those known only from a duplicate answer.
	ByLedger int       `json:"by_ledger"`
	ByAnswer int       `json:"by_answer"`
	Examples []Example `json:"examples"`
}

// Reason says what was found and what to do, for validity.invalid_reasons.
func (p *Preexisting) Reason() string {
	ex := ""
	if len(p.Examples) > 0 {
		e := p.Examples[0]
		ex = fmt.Sprintf(" (e.g. %s: %s)", e.Key, e.Ledger)
	}
	tz := ""
	if p.ByLedger == p.Of {
		tz = "; every entry of the run is older than the run: if created_at is a local time without a time zone, read it in UTC (e.g. select created_at AT TIME ZONE 'Europe/Paris')"
	}
	return fmt.Sprintf("%d keys were already in the ledger before the run started%s: the audit left them out; "+
		"leave requests.key_prefix unset so that each run sends keys of its own, or reset the service's data%s", p.Count, ex, tz)
}

// Excluded left-out entries are marked with these, besides the source's own.
const preexistingMark = "already in the ledger before the run"

// preexisting finds the keys the service held before the run, marks their
// entries left out (in a copy of l) and forgets them as sent, so that no
// invariant counts them. base is the run's base time (zero: unknown).
func (a *auditor) preexisting(l *Snapshot, base time.Time) (*Snapshot, *Preexisting) {
	known := l.Has(FieldCreatedAt) && base.UnixNano() > 0
	before := base.Add(-ClockSkew)
	p := &Preexisting{}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(a.keys)) {
		t := a.keys[k]
		recs := ofRun(l.ByKey[k])
		if len(recs) > 0 {
			p.Of++
		}
		var oldest *Record
		for i, r := range recs {
			if known && !r.CreatedAt.IsZero() && r.CreatedAt.Before(before) && (oldest == nil || r.CreatedAt.Before(oldest.CreatedAt)) {
				oldest = &recs[i]
			}
		}
		ex := Example{Key: k, Account: t.account, Amount: t.amount, Told: toldText(t)}
		switch {
		case oldest != nil:
			p.ByLedger++
			ex.Ledger = fmt.Sprintf("entry %s made %.1f s before the run began", oldest.ID, base.Sub(oldest.CreatedAt).Seconds())
		case !known && t.firstDuplicate && !t.tapped:
			p.ByAnswer++
			ex.Ledger = "its first attempt was answered as a duplicate: " + ledgerText(recs)
		default:
			continue
		}
		keys = append(keys, k)
		if len(p.Examples) < 10 {
			p.Examples = append(p.Examples, ex)
		}
	}
	if len(keys) == 0 {
		return l, nil
	}
	p.Count = len(keys)
	out := *l
	out.ByKey = maps.Clone(l.ByKey)
	for _, k := range keys {
		delete(a.keys, k)
		recs := slices.Clone(out.ByKey[k])
		for i := range recs {
			if recs[i].Excluded == "" {
				recs[i].Excluded = preexistingMark
			}
		}
		out.ByKey[k] = recs
	}
	return &out, p
}

// ofRun returns the entries that are the run's: not made by setup, not
// dropped by the source's filter, not there before the run.
func ofRun(recs []Record) []Record {
	if !slices.ContainsFunc(recs, func(r Record) bool { return r.Excluded != "" }) {
		return recs
	}
	var out []Record
	for _, r := range recs {
		if r.Excluded == "" {
			out = append(out, r)
		}
	}
	return out
}

// excluded counts the entries the source marked not the run's, by why.
func excluded(l *Snapshot) map[string]int {
	var out map[string]int
	for _, recs := range l.ByKey {
		for _, r := range recs {
			if r.Excluded != "" {
				if out == nil {
					out = map[string]int{}
				}
				out[r.Excluded]++
			}
		}
	}
	return out
}
