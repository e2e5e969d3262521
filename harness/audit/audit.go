package audit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// unknownAccounts counts the run's ledger entries whose account the source
// could not map; those left out as not the run's (setup's funding from an
// account of the service's own) are not.
func unknownAccounts(l *Snapshot) int {
	n := 0
	for _, recs := range l.ByKey {
		for _, r := range recs {
			if r.UnknownAccount && r.Excluded == "" {
				n++
			}
		}
	}
	return n
}

// told is what the client sent and heard for one idempotency key.
type told struct {
	account   string
	amount    int64
	approved  bool
	declined  bool
	answers   map[string]bool // distinct definitive answers, "outcome code"
	ambiguous bool            // some attempt may have reached the service without a definite answer
	// why it is ambiguous, as the client heard it: no answer (timeout, 5xx,
	// broken connection), accepted for later (pending), "already have it" (duplicate).
	noAnswer, pending, duplicate bool
	// Follow-ups the service acknowledged, and the amount the capture asked for.
	captured, voided, reversed bool
	captureAmount              int64
	// firstDuplicate: the first attempt was answered as a duplicate (409 or
	// the duplicate outcome); tapped: the payment was double-tapped, which
	// explains that.
	firstDuplicate, tapped bool
	// finals are the final states told later (notify, status); ids the
	// service's ids its answers gave the key (pending ones too).
	finals map[record.Outcome]bool
	ids    map[string]bool
}

type auditor struct {
	keys map[string]*told
	viol map[string]*Violation
}

func (a *auditor) flag(inv string, ex Example) {
	v := a.viol[inv]
	if v == nil {
		v = &Violation{Invariant: inv, Name: names[inv]}
		a.viol[inv] = v
	}
	v.Count++
	if len(v.Examples) < 10 {
		v.Examples = append(v.Examples, ex)
	}
}

// Check audits the attempts file against the ledger snapshot. base is the
// run's base time (timeline offsets are from it); timeline gives the limits
// that faults changed.
func Check(attempts string, l *Snapshot, timeline []rundir.Event, base time.Time) (Result, error) {
	a := &auditor{keys: map[string]*told{}, viol: map[string]*Violation{}}
	err := record.Read(attempts, func(at *record.Attempt) error {
		t := a.keys[at.Key]
		if t == nil {
			t = &told{account: at.Account, amount: at.Amount, answers: map[string]bool{}}
			a.keys[at.Key] = t
		}
		if at.Settles() {
			t.finalState(at)
			return nil
		}
		if at.FollowUp() {
			t.followUp(at)
			return nil
		}
		t.tapped = t.tapped || at.Duplicate
		if at.Attempt == 1 && !at.Duplicate && (at.Status == 409 || at.Outcome == record.Duplicate) {
			t.firstDuplicate = true
		}
		if at.AuthID != "" {
			if t.ids == nil {
				t.ids = map[string]bool{}
			}
			t.ids[at.AuthID] = true
		}
		switch {
		case at.Outcome == record.Approved:
			t.approved = true
			t.answers["approved "+at.Code] = true
		case at.Outcome == record.Declined:
			t.declined = true
			t.answers["declined "+at.Code] = true
		case at.Outcome == record.Pending:
			t.ambiguous, t.pending = true, true
		case at.Outcome == record.Duplicate:
			t.ambiguous, t.duplicate = true, true
		case at.Outcome == record.Timeout || at.Outcome == record.Error ||
			at.Outcome == record.ConnError && at.Error != "connection refused":
			t.ambiguous, t.noAnswer = true, true
		}
		return nil
	})
	var damaged *record.DamagedError
	if err != nil && !errors.As(err, &damaged) {
		return Result{}, err
	}
	res := Result{Checked: true, Keys: len(a.keys), LedgerRecords: l.Records, Source: l.Source.Kind, Coverage: coverage(l)}
	var notes []string
	if damaged != nil {
		notes = append(notes, damaged.Error()+": keys sent after it are unknown to the audit")
	}
	if n := unknownAccounts(l); n > 0 {
		notes = append(notes, fmt.Sprintf("%d ledger entries name an account the provisioning did not create", n))
	}
	res.Excluded = excluded(l)
	if b := a.blindPayments(l); b != nil {
		res.Blind = []Blind{*b}
		notes = append(notes, b.String())
		res.Note = strings.Join(notes, "; ")
		a.perKey(NewSnapshot(""), &res)
		unresolved(&res, b.What)
		return res, nil
	}
	l, res.Preexisting = a.preexisting(l, base)
	res.Note = strings.Join(notes, "; ")
	a.perKey(l, &res)
	a.phantoms(l)
	a.accounts(l, timeline, base)
	a.holds(l)
	a.flows(l)
	if b := a.blindAccounts(l); b != nil {
		res.Blind = append(res.Blind, *b)
		res.Note = strings.Join(append(notes, b.String()), "; ")
		for _, inv := range accountInvariants {
			res.Coverage.uncheck(inv, accountsUnseen)
		}
		res.Inconclusive = true
	}
	a.unchecked(res.Coverage)
	if res.Indeterminate.Unknown > 0 {
		res.Inconclusive = true
	}
	for _, v := range a.viol {
		res.Violations = append(res.Violations, *v)
	}
	sort.Slice(res.Violations, func(i, j int) bool { // I2 before I10
		return slices.Index(Invariants, res.Violations[i].Invariant) < slices.Index(Invariants, res.Violations[j].Invariant)
	})
	if res.Violations == nil {
		res.Violations = []Violation{}
	}
	return res, nil
}

// perKey checks I1, I3, I4, I5 and resolves I8 for every key sent.
func (a *auditor) perKey(l *Snapshot, res *Result) {
	keys := slices.Sorted(maps.Keys(a.keys))
	for _, k := range keys {
		t := a.keys[k]
		recs := ofRun(l.ByKey[k])
		ex := Example{Key: k, Account: t.account, Amount: t.amount, Told: toldText(t), Ledger: ledgerText(recs)}
		var holding []Record
		pending := false
		for _, r := range recs {
			if r.Status != Declined && r.Status != Pending || r.HoldMinor > 0 {
				holding = append(holding, r)
			}
			pending = pending || r.Status == Pending
		}
		if t.approved && (len(holding) == 0 || holding[0].AmountMinor != t.amount) {
			a.flag("I1", ex)
		}
		if len(recs) > 1 || len(t.answers) > 1 || len(t.ids) > 1 || t.contradicted() {
			a.flag("I3", ex)
		}
		for _, r := range recs {
			if r.AccountID != t.account || r.AmountMinor != t.amount {
				a.flag("I4", ex)
				break
			}
		}
		for _, r := range recs {
			if r.Status == Declined && r.HoldMinor > 0 {
				a.flag("I5", ex)
				break
			}
		}
		if t.declined && !t.approved && len(holding) > 0 && recs[0].Status != Declined {
			a.flag("I5", ex)
		}
		if t.ambiguous && !t.approved && !t.declined {
			res.Indeterminate.Total++
			switch {
			case len(holding) > 0:
				res.Indeterminate.Committed++
			case pending: // the service has not decided yet: neither committed nor absent
				res.Indeterminate.Unknown++
				a.flag("I8", ex)
			default:
				res.Indeterminate.Absent++
			}
		}
	}
}

// phantoms checks I2: every ledger entry belongs to a key that was sent.
func (a *auditor) phantoms(l *Snapshot) {
	for k, recs := range l.ByKey {
		if _, sent := a.keys[k]; sent {
			continue
		}
		recs = ofRun(recs)
		for _, r := range recs {
			if r.HoldMinor > 0 || r.CapturedMinor > 0 {
				a.flag("I2", Example{Key: k, Account: r.AccountID, Amount: r.AmountMinor, Told: "never sent", Ledger: ledgerText(recs)})
				break
			}
		}
	}
}

func toldText(t *told) string {
	var parts []string
	for ans := range t.answers {
		parts = append(parts, ans)
	}
	sort.Strings(parts)
	for _, h := range []struct {
		heard bool
		text  string
	}{{t.noAnswer, "no answer"}, {t.pending, "pending"}, {t.duplicate, "duplicate"}} {
		if h.heard {
			parts = append(parts, h.text)
		}
	}
	for _, f := range []struct {
		ack  bool
		text string
	}{{t.captured, "capture acknowledged"}, {t.voided, "void acknowledged"}, {t.reversed, "reversal acknowledged"}} {
		if f.ack {
			parts = append(parts, f.text)
		}
	}
	if len(t.ids) > 1 { // I3's "two ids for one key": name them
		parts = append(parts, "ids "+strings.Join(slices.Sorted(maps.Keys(t.ids)), " and "))
	}
	if len(parts) == 0 {
		return "nothing definite"
	}
	return strings.Join(parts, ", ")
}

func ledgerText(recs []Record) string {
	if len(recs) == 0 {
		return "nothing"
	}
	var parts []string
	for _, r := range recs {
		p := fmt.Sprintf("%s %s %d hold %d", r.ID, r.Status, r.AmountMinor, r.HoldMinor)
		if r.CapturedMinor > 0 {
			p += fmt.Sprintf(" captured %d", r.CapturedMinor)
		}
		if r.resolutions() > 1 {
			p += fmt.Sprintf(" resolved %d times", r.resolutions())
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
