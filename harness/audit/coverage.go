package audit

import "time"

// Coverage says which invariants the audit checked with the data the ledger
// source gave, and why it could not check the others: never a silent pass.
type Coverage struct {
	Checked   []string    `json:"checked"`
	Unchecked []Unchecked `json:"unchecked,omitempty"`
}

// Unchecked is an invariant the audit could not check, and why.
type Unchecked struct {
	Invariant string `json:"invariant"`
	Reason    string `json:"reason"`
}

// needs lists, per invariant, the fields it needs beyond the payments'
// keys, accounts, amounts and states (which every source gives).
var needs = map[string][]struct{ field, why string }{
	"I6":  {{FieldLimit, "the ledger source gives no account limits"}},
	"I7":  {{FieldHeld, "the ledger source gives no account held totals"}},
	"I10": {{FieldCaptured, "the ledger source gives no captured amounts"}},
	"I11": {{FieldHold, "the ledger source gives no per-payment hold amounts"}},
	"I12": {{FieldLimit, "the ledger source gives no account limits"}, {FieldPosted, "the ledger source gives no posted amounts"}},
	"I15": {{FieldCaptured, "the ledger source gives no captured amounts"}},
}

// coverage is what a ledger from this source lets the audit check.
func coverage(l *Snapshot) Coverage {
	c := Coverage{Checked: []string{}}
	for _, inv := range Invariants {
		reason := ""
		for _, n := range needs[inv] {
			if !l.Has(n.field) {
				reason = n.why
				break
			}
		}
		if reason == "" {
			c.Checked = append(c.Checked, inv)
		} else {
			c.Unchecked = append(c.Unchecked, Unchecked{Invariant: inv, Reason: reason})
		}
	}
	return c
}

// unchecked drops the violations of invariants the data could not support
// (their checks ran over zeros).
func (a *auditor) unchecked(c Coverage) {
	for _, u := range c.Unchecked {
		delete(a.viol, u.Invariant)
	}
}

// Unresolved is the audit of a run whose ledger could not be read: every
// payment the client got no answer for stays unknown and every invariant
// unchecked, so the audit is inconclusive, never a pass.
func Unresolved(attempts, why string) (Result, error) {
	res, err := withoutLedger(attempts, "no ledger snapshot: "+why)
	res.Inconclusive = true
	return res, err
}

// NotConfigured is the audit of a run whose scenario names no ledger
// source: nothing is checked, and the result says so for each invariant.
// Payments without an answer stay unknown, which makes it inconclusive.
func NotConfigured(attempts, why string) (Result, error) {
	res, err := withoutLedger(attempts, "not checked: "+why)
	res.Inconclusive = res.Indeterminate.Unknown > 0
	return res, err
}

func withoutLedger(attempts, why string) (Result, error) {
	res, err := Check(attempts, NewSnapshot(""), nil, time.Time{})
	if err != nil {
		return res, err
	}
	res.Note = why
	unresolved(&res, why)
	return res, nil
}

// unresolved makes res an audit that checked nothing, for why: no violation,
// every invariant unchecked, every payment without an answer unknown.
func unresolved(res *Result, why string) {
	res.Checked, res.Violations = false, []Violation{}
	res.Indeterminate.Unknown, res.Indeterminate.Committed, res.Indeterminate.Absent = res.Indeterminate.Total, 0, 0
	res.Coverage = Coverage{Checked: []string{}}
	for _, inv := range Invariants {
		res.Coverage.Unchecked = append(res.Coverage.Unchecked, Unchecked{Invariant: inv, Reason: why})
	}
	res.Inconclusive = true
}
