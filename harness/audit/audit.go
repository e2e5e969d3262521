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

// Result is the audit's part of summary.json.
type Result struct {
	Checked       bool          `json:"checked"`
	Keys          int           `json:"keys"`
	LedgerRecords int           `json:"ledger_records"`
	Violations    []Violation   `json:"violations"`
	Indeterminate Indeterminate `json:"indeterminate"`
	// Inconclusive is true when some payment could not be resolved, or the
	// ledger could not be read: never a pass.
	Inconclusive bool   `json:"inconclusive"`
	Note         string `json:"note,omitempty"`
	// Source is the ledger adapter the snapshot came from (authsim, sql, http).
	Source string `json:"source,omitempty"`
	// Coverage says which invariants were checked with the data given.
	Coverage Coverage `json:"coverage"`
	// Blind lists the ledger queries that saw nothing of the run while it
	// had approvals: the audit is inconclusive, with no violation counted.
	Blind []Blind `json:"blind,omitempty"`
	// Preexisting counts the run's keys the service held before the run:
	// left out of every invariant, they make the run an invalid test.
	Preexisting *Preexisting `json:"preexisting,omitempty"`
	// Excluded counts the ledger entries that are not the run's payments,
	// by why: made by setup (creates), or matched by the source's exclude
	// filter. They are left out of the payment invariants.
	Excluded map[string]int `json:"excluded,omitempty"`
}

// Violation is one broken invariant, with up to 10 concrete examples.
type Violation struct {
	Invariant string    `json:"invariant"`
	Name      string    `json:"name"`
	Count     int       `json:"count"`
	Examples  []Example `json:"examples"`
}

// Example is one concrete case: what the client was told and what the ledger holds.
type Example struct {
	Key     string `json:"key,omitempty"`
	Account string `json:"account,omitempty"`
	Amount  int64  `json:"amount,omitempty"`
	Told    string `json:"told"`
	Ledger  string `json:"ledger"`
}

// Indeterminate counts the payments whose answer the client never got (a
// timeout, a broken connection, a 5xx), resolved by the ledger.
type Indeterminate struct {
	Total     int `json:"total"`
	Committed int `json:"committed"`
	Absent    int `json:"absent"`
	Unknown   int `json:"unknown"`
}

// The invariants.
var names = map[string]string{
	"I1":  "lost approval: an approval the client received is not in the ledger once with its amount",
	"I2":  "phantom hold: a hold in the ledger for a request that was never sent",
	"I3":  "duplicate: more than one authorisation for one key, or different answers for one key",
	"I4":  "key reuse: a ledger entry whose parameters differ from those sent with its key",
	"I5":  "decline left a hold",
	"I6":  "over the limit: an account's holds exceeded the limit in force at an approval (or it was frozen)",
	"I7":  "held differs from the sum of the account's holds",
	"I8":  "indeterminate payment left unresolved",
	"I9":  "hold resolved more than once: captured or voided twice, or voided then captured",
	"I10": "captured more than the authorised amount",
	"I11": "open hold after a voided or reversed payment",
	"I12": "held plus posted over the account's limit",
	"I13": "lost capture: a capture the client saw acknowledged is not captured in the ledger",
	"I14": "void or reversal acknowledged, but the ledger still holds (or captured) the money",
	"I15": "captured amount differs from the amount the capture asked for",
}

// Invariants lists the invariant ids in order.
var Invariants = []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12", "I13", "I14", "I15"}

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

// Name returns an invariant's description.
func Name(inv string) string { return names[inv] }

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
