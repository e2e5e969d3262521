package audit

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

var base = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// sent is one attempt the client made.
type sent struct {
	key, account string
	amount       int64
	outcome      record.Outcome
	code, err    string
	call         record.Call // "" for the authorisation
	status       int
	tap          bool // a double tap's second submission
}

func attemptsFile(t *testing.T, as []sent) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), rundir.AttemptsFile)
	w, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range as {
		w.Record(&record.Attempt{Seq: uint64(i), Attempt: 1, Key: s.key, Account: s.account, Amount: s.amount,
			Outcome: s.outcome, Code: s.code, Error: s.err, Final: true, Call: s.call, Status: s.status, Duplicate: s.tap})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func rec(key, account string, amount int64, status string, hold int64, at float64) Record {
	return Record{ID: "auth_" + key, IdempotencyKey: key, AccountID: account, AmountMinor: amount, Status: status,
		HoldMinor: hold, CreatedAt: base.Add(time.Duration(at * float64(time.Second)))}
}

// ledger is a ledger as authsim gives it (no posted or captured amounts).
func ledger(accounts []Account, recs ...Record) *Snapshot {
	return fill(NewSnapshot("authsim", authsimFields...), accounts, recs)
}

// full is a ledger from a source that gives every field.
func full(accounts []Account, recs ...Record) *Snapshot {
	return fill(NewSnapshot("sql", append(authsimFields, FieldPosted, FieldCaptured, FieldResolutions)...), accounts, recs)
}

func fill(l *Snapshot, accounts []Account, recs []Record) *Snapshot {
	for _, a := range accounts {
		l.Accounts[a.ID] = a
	}
	for _, r := range recs {
		l.Add(r)
	}
	return l
}

func TestInvariants(t *testing.T) {
	acct := func(held int64) []Account { return []Account{{ID: "a", LimitMinor: 1000, HeldMinor: held}} }
	tests := []struct {
		name       string
		sent       []sent
		ledger     *Snapshot
		timeline   []rundir.Event
		want       []string // invariants broken
		indet      Indeterminate
		inconclude bool
	}{
		// An approval that is in the ledger once with its amount, held right.
		{"clean", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}},
			ledger(acct(100), rec("k1", "a", 100, "approved", 100, 1)), nil, nil, Indeterminate{}, false},
		// I1: the client was told approved, the ledger has nothing under
		// its key (but sees the run: it holds the decline of k2).
		{"lost approval", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"},
			{key: "k2", account: "a", amount: 100, outcome: record.Declined, code: "51"}},
			ledger(acct(0), rec("k2", "a", 100, "declined", 0, 1)), nil, []string{"I1"}, Indeterminate{}, false},
		// I2: a hold for a key that was never sent.
		{"phantom", nil, ledger(acct(100), rec("ghost", "a", 100, "approved", 100, 1)), nil, []string{"I2"}, Indeterminate{}, false},
		// I3: two holds under one key.
		{"duplicate", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}},
			ledger(acct(200), rec("k1", "a", 100, "approved", 100, 1), Record{ID: "auth_2", IdempotencyKey: "k1", AccountID: "a", AmountMinor: 100, Status: "approved", HoldMinor: 100, CreatedAt: base.Add(time.Second)}),
			nil, []string{"I3"}, Indeterminate{}, false},
		// I3: the same key answered approved once and declined once.
		{"answers differ", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}, {key: "k1", account: "a", amount: 100, outcome: record.Declined, code: "51"}},
			ledger(acct(100), rec("k1", "a", 100, "approved", 100, 1)), nil, []string{"I3"}, Indeterminate{}, false},
		// I4: the ledger holds other parameters under the key.
		{"key reuse", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Declined, code: "51"}},
			ledger(acct(0), rec("k1", "a", 999, "declined", 0, 1)), nil, []string{"I4"}, Indeterminate{}, false},
		// I5: a decline that left its hold (held agrees, so I7 holds).
		{"decline hold", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Declined, code: "05"}},
			ledger(acct(100), rec("k1", "a", 100, "declined", 100, 1)), nil, []string{"I5"}, Indeterminate{}, false},
		// I6: two approvals of 600 on a limit of 1000.
		{"over limit", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}, {key: "k2", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(1200), rec("k1", "a", 600, "approved", 600, 1), rec("k2", "a", 600, "approved", 600, 2)), nil, []string{"I6"}, Indeterminate{}, false},
		// I6: an approval while a fault froze the account.
		{"frozen", []sent{{key: "k1", account: "a", amount: 10, outcome: record.Approved, code: "00"}},
			ledger(acct(10), rec("k1", "a", 10, "approved", 10, 5)), []rundir.Event{freeze(4, 8)}, []string{"I6"}, Indeterminate{}, false},
		// The same approval after the freeze was lifted is fine.
		{"after freeze", []sent{{key: "k1", account: "a", amount: 10, outcome: record.Approved, code: "00"}},
			ledger(acct(10), rec("k1", "a", 10, "approved", 10, 9)), []rundir.Event{freeze(4, 8)}, nil, Indeterminate{}, false},
		// Overlapping faults: a limit cut (3-9 s) and a freeze (4.5-6 s). After
		// the freeze ends the cut limit still holds; after 9 s the original.
		{"overlap cut", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(600), rec("k1", "a", 600, "approved", 600, 7)), []rundir.Event{cut(3, 9, 500), freezeAt(4.5, 6)}, []string{"I6"}, Indeterminate{}, false},
		{"overlap after", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(600), rec("k1", "a", 600, "approved", 600, 9.5)), []rundir.Event{cut(3, 9, 500), freezeAt(4.5, 6)}, nil, Indeterminate{}, false},
		// I6: an approval while an http fault's declared freeze was in force.
		{"declared freeze", []sent{{key: "k1", account: "a", amount: 10, outcome: record.Approved, code: "00"}},
			ledger(acct(10), rec("k1", "a", 10, "approved", 10, 5)), []rundir.Event{declared(4, 4, 8, true, 0)}, []string{"I6"}, Indeterminate{}, false},
		// I6: over a declared limit of 500 while it was surely in force.
		{"declared limit", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(600), rec("k1", "a", 600, "approved", 600, 5)), []rundir.Event{declared(3, 3.5, 8, false, 500)}, []string{"I6"}, Indeterminate{}, false},
		// While the inject call was under way the limit before (unknown to
		// authquake) may still have held: no violation.
		{"declared limit edge", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(600), rec("k1", "a", 600, "approved", 600, 3.2)), []rundir.Event{declared(3, 3.5, 8, false, 500)}, nil, Indeterminate{}, false},
		// An http fault that declares nothing changes no limit.
		{"http undeclared", []sent{{key: "k1", account: "a", amount: 600, outcome: record.Approved, code: "00"}},
			ledger(acct(600), rec("k1", "a", 600, "approved", 600, 5)), []rundir.Event{{Kind: "http", InjectS: ptr(3.0), ActiveS: ptr(3.0)}}, nil, Indeterminate{}, false},
		// I7: held does not match the holds.
		{"held drift", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}},
			ledger(acct(250), rec("k1", "a", 100, "approved", 100, 1)), nil, []string{"I7"}, Indeterminate{}, false},
		// I8: a timeout that turns out committed, one absent, and a refused connection (never reached the service).
		{"indeterminate resolved", []sent{
			{key: "k1", account: "a", amount: 100, outcome: record.Timeout, err: "timeout"},
			{key: "k2", account: "a", amount: 100, outcome: record.ConnError, err: "connection reset"},
			{key: "k3", account: "a", amount: 100, outcome: record.ConnError, err: "connection refused"}},
			ledger(acct(100), rec("k1", "a", 100, "approved", 100, 1)), nil, nil, Indeterminate{Total: 2, Committed: 1, Absent: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(attemptsFile(t, tt.sent), tt.ledger, tt.timeline, base)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range res.Violations {
				got = append(got, v.Invariant)
				if v.Count < 1 || len(v.Examples) == 0 {
					t.Errorf("%s without count or example", v.Invariant)
				}
			}
			if len(got) != len(tt.want) || len(got) > 0 && got[0] != tt.want[0] {
				t.Errorf("violations %v, want %v: %+v", got, tt.want, res.Violations)
			}
			if res.Indeterminate != tt.indet || res.Inconclusive != tt.inconclude {
				t.Errorf("indeterminate %+v inconclusive %v", res.Indeterminate, res.Inconclusive)
			}
		})
	}
}

func freeze(from, to float64) rundir.Event {
	return rundir.Event{Kind: "credit_limit", InjectS: &from, ActiveS: &from, RevertS: &to, RevertedS: &to,
		Details: map[string]any{"field": "frozen", "accounts": []map[string]any{{"id": "a", "limit_before": 1000, "limit_after": 1000, "frozen_before": false, "frozen_after": true}}}}
}

// TestUnresolvedWithoutLedger: with no snapshot, a timeout stays unknown and
// the audit is inconclusive, never a pass.
func TestUnresolvedWithoutLedger(t *testing.T) {
	path := attemptsFile(t, []sent{{key: "k1", account: "a", amount: 1, outcome: record.Timeout, err: "timeout"},
		{key: "k2", account: "a", amount: 1, outcome: record.Approved, code: "00"}})
	res, err := Unresolved(path, "admin API down")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Inconclusive || res.Indeterminate.Unknown != 1 || res.Checked || len(res.Violations) != 0 {
		t.Errorf("%+v", res)
	}
}

func cut(from, to float64, limit int64) rundir.Event {
	return rundir.Event{Kind: "credit_limit", InjectS: &from, ActiveS: &from, RevertS: &to, RevertedS: &to,
		Details: map[string]any{"field": "limit", "accounts": []map[string]any{{"id": "a", "limit_before": 1000, "limit_after": limit, "frozen_before": false, "frozen_after": false}}}}
}

func freezeAt(from, to float64) rundir.Event {
	e := freeze(from, to)
	e.Details.(map[string]any)["accounts"].([]map[string]any)[0]["limit_before"] = 500
	e.Details.(map[string]any)["accounts"].([]map[string]any)[0]["limit_after"] = 500
	return e
}

func ptr(f float64) *float64 { return &f }

// declared is an http fault's timeline event with its declared accounts
// (as fault.httpFault's Details: no limit before).
func declared(inject, active, revert float64, frozen bool, limit int64) rundir.Event {
	field := "limit"
	if frozen {
		field = "frozen"
	}
	return rundir.Event{Kind: "http", InjectS: &inject, ActiveS: &active, RevertS: &revert, RevertedS: ptr(revert + 0.5),
		Details: map[string]any{"field": field, "declared": true, "accounts": []map[string]any{{"id": "a", "limit_after": limit, "frozen_after": frozen}}}}
}
