package audit

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/record"
)

// Result is the audit's part of summary.json.
type Result struct {
	Checked       bool          `json:"checked"`
	Keys          int           `json:"keys"`
	LedgerRecords int           `json:"ledger_records"`
	Violations    []Violation   `json:"violations"`
	Indeterminate Indeterminate `json:"indeterminate"`
	// Inconclusive is true when some payment could not be resolved: never a pass.
	Inconclusive bool   `json:"inconclusive"`
	Note         string `json:"note,omitempty"`
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
	"I1": "lost approval: an approval the client received is not in the ledger once with its amount",
	"I2": "phantom hold: a hold in the ledger for a request that was never sent",
	"I3": "duplicate: more than one authorisation for one key, or different answers for one key",
	"I4": "key reuse: a ledger entry whose parameters differ from those sent with its key",
	"I5": "decline left a hold",
	"I6": "over the limit: an account's holds exceeded the limit in force at an approval (or it was frozen)",
	"I7": "held differs from the sum of the account's holds",
	"I8": "indeterminate payment left unresolved",
}

// told is what the client sent and heard for one idempotency key.
type told struct {
	account   string
	amount    int64
	approved  bool
	declined  bool
	answers   map[string]bool // distinct definitive answers, "outcome code"
	ambiguous bool            // some attempt may have reached the service without an answer
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
func Check(attempts string, l *Ledger, timeline []fault.Event, base time.Time) (Result, error) {
	a := &auditor{keys: map[string]*told{}, viol: map[string]*Violation{}}
	err := record.Read(attempts, func(at *record.Attempt) error {
		t := a.keys[at.Key]
		if t == nil {
			t = &told{account: at.Account, amount: at.Amount, answers: map[string]bool{}}
			a.keys[at.Key] = t
		}
		switch {
		case at.Outcome == record.Approved:
			t.approved = true
			t.answers["approved "+at.Code] = true
		case at.Outcome == record.Declined:
			t.declined = true
			t.answers["declined "+at.Code] = true
		case at.Outcome == record.Timeout || at.Outcome == record.Error ||
			at.Outcome == record.ConnError && at.Error != "connection refused":
			t.ambiguous = true
		}
		return nil
	})
	var damaged *record.DamagedError
	if err != nil && !errors.As(err, &damaged) {
		return Result{}, err
	}
	res := Result{Checked: true, Keys: len(a.keys), LedgerRecords: l.Records}
	if damaged != nil {
		res.Note = damaged.Error() + ": keys sent after it are unknown to the audit"
	}
	a.perKey(l, &res)
	a.phantoms(l)
	a.accounts(l, timeline, base)
	if res.Indeterminate.Unknown > 0 {
		res.Inconclusive = true
		a.flag("I8", Example{Told: fmt.Sprintf("%d payments unresolved", res.Indeterminate.Unknown), Ledger: "unknown"})
	}
	for _, v := range a.viol {
		res.Violations = append(res.Violations, *v)
	}
	sort.Slice(res.Violations, func(i, j int) bool { return res.Violations[i].Invariant < res.Violations[j].Invariant })
	if res.Violations == nil {
		res.Violations = []Violation{}
	}
	return res, nil
}

// perKey checks I1, I3, I4, I5 and resolves I8 for every key sent.
func (a *auditor) perKey(l *Ledger, res *Result) {
	keys := make([]string, 0, len(a.keys))
	for k := range a.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := a.keys[k]
		recs := l.ByKey[k]
		ex := Example{Key: k, Account: t.account, Amount: t.amount, Told: toldText(t), Ledger: ledgerText(recs)}
		var holding []Record
		for _, r := range recs {
			if r.Status == "approved" || r.Status == "reversed" || r.HoldMinor > 0 {
				holding = append(holding, r)
			}
		}
		if t.approved && (len(holding) == 0 || holding[0].AmountMinor != t.amount) {
			a.flag("I1", ex)
		}
		if len(recs) > 1 || len(t.answers) > 1 {
			a.flag("I3", ex)
		}
		for _, r := range recs {
			if r.AccountID != t.account || r.AmountMinor != t.amount {
				a.flag("I4", ex)
				break
			}
		}
		for _, r := range recs {
			if r.Status == "declined" && r.HoldMinor > 0 {
				a.flag("I5", ex)
				break
			}
		}
		if t.declined && !t.approved && len(holding) > 0 && recs[0].Status != "declined" {
			a.flag("I5", ex)
		}
		if t.ambiguous && !t.approved && !t.declined {
			res.Indeterminate.Total++
			if len(holding) > 0 {
				res.Indeterminate.Committed++
			} else {
				res.Indeterminate.Absent++
			}
		}
	}
}

// phantoms checks I2: every ledger entry belongs to a key that was sent.
func (a *auditor) phantoms(l *Ledger) {
	for k, recs := range l.ByKey {
		if _, sent := a.keys[k]; sent {
			continue
		}
		for _, r := range recs {
			if r.HoldMinor > 0 {
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
	if t.ambiguous {
		parts = append(parts, "no answer")
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
		parts = append(parts, fmt.Sprintf("%s %s %d hold %d", r.ID, r.Status, r.AmountMinor, r.HoldMinor))
	}
	return strings.Join(parts, "; ")
}

// ErrorFile holds why a ledger snapshot could not be taken.
const ErrorFile = "ledger.error"

// Unresolved is the audit of a run whose ledger could not be read: every
// payment the client got no answer for stays unknown, so the audit is
// inconclusive, never a pass.
func Unresolved(attempts, why string) (Result, error) {
	res, err := Check(attempts, &Ledger{Accounts: map[string]Account{}, ByKey: map[string][]Record{}}, nil, time.Time{})
	if err != nil {
		return res, err
	}
	res.Checked, res.Note, res.Violations = false, "no ledger snapshot: "+why, []Violation{}
	res.Indeterminate.Unknown, res.Indeterminate.Committed, res.Indeterminate.Absent = res.Indeterminate.Total, 0, 0
	res.Inconclusive = res.Indeterminate.Unknown > 0
	return res, nil
}
