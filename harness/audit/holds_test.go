package audit

import (
	"reflect"
	"testing"

	"github.com/authquake/authquake/harness/record"
)

// captured is a record whose hold was captured (resolved n times).
func captured(key string, amount, capt int64, n int) Record {
	r := rec(key, "a", amount, Captured, 0, 1)
	r.CapturedMinor, r.Resolutions = capt, n
	return r
}

// TestHoldInvariants: I9-I12 and the pending and duplicate outcomes over
// hand-made ledgers from a source that gives every field.
func TestHoldInvariants(t *testing.T) {
	acct := func(held, posted int64) []Account {
		return []Account{{ID: "a", LimitMinor: 1000, HeldMinor: held, PostedMinor: posted}}
	}
	approved := []sent{{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}}
	tests := []struct {
		name       string
		sent       []sent
		ledger     *Snapshot
		want       []string
		indet      Indeterminate
		inconclude bool
	}{
		// An approval captured once for its amount, posted within the limit.
		{"captured once", approved, full(acct(0, 100), captured("k1", 100, 100, 1)), nil, Indeterminate{}, false},
		// A hold still open, held + posted within the limit.
		{"held", approved, full(acct(100, 0), rec("k1", "a", 100, Held, 100, 1)), nil, Indeterminate{}, false},
		// I9: the same hold captured twice (the source counts two captures).
		{"captured twice", approved, full(acct(0, 100), captured("k1", 100, 100, 2)), []string{"I9"}, Indeterminate{}, false},
		// I9: the key holds a void and then a capture: resolved twice.
		{"voided then captured", approved, full(acct(0, 100), rec("k1", "a", 100, Voided, 0, 1), captured("k1", 100, 100, 0)),
			[]string{"I3", "I9"}, Indeterminate{}, false},
		// I10: 150 captured from a hold of 100.
		{"capture over authorised", approved, full(acct(0, 150), captured("k1", 100, 150, 1)), []string{"I10"}, Indeterminate{}, false},
		// I11: a voided payment whose hold stayed on the account.
		{"void left hold", approved, full(acct(100, 0), rec("k1", "a", 100, Voided, 100, 1)), []string{"I11"}, Indeterminate{}, false},
		// I12: held 600 + posted 500 on a limit of 1000.
		{"held plus posted over limit", approved, full(acct(600, 500), rec("k1", "a", 100, Held, 100, 1), rec("k2", "a", 500, Held, 500, 2)),
			[]string{"I2", "I12"}, Indeterminate{}, false},
		// A pending answer the ledger shows committed is resolved like a timeout.
		{"pending committed", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Pending}},
			full(acct(100, 0), rec("k1", "a", 100, Held, 100, 1)), nil, Indeterminate{Total: 1, Committed: 1}, false},
		// A pending answer the ledger does not have: absent, not lost (the client was never told approved).
		{"pending absent", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Pending}},
			full(acct(0, 0)), nil, Indeterminate{Total: 1, Absent: 1}, false},
		// Still pending in the ledger at the end: unknown, so inconclusive.
		{"still pending", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Timeout, err: "timeout"}},
			full(acct(0, 0), rec("k1", "a", 100, Pending, 0, 1)), []string{"I8"}, Indeterminate{Total: 1, Unknown: 1}, true},
		// A duplicate answer (the service already has the key) is resolved from the ledger.
		{"duplicate committed", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Duplicate}},
			full(acct(100, 0), rec("k1", "a", 100, Held, 100, 1)), nil, Indeterminate{Total: 1, Committed: 1}, false},
		// authsim gives no posted or captured amounts: I10 and I12 are not checked, so an overdraft there is not flagged by I12.
		{"not given", approved, ledger([]Account{{ID: "a", LimitMinor: 50, HeldMinor: 0, PostedMinor: 5000}}, captured("k1", 100, 500, 1)),
			nil, Indeterminate{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkWant(t, tt.sent, tt.ledger, tt.want)
			if res.Indeterminate != tt.indet || res.Inconclusive != tt.inconclude {
				t.Errorf("indeterminate %+v inconclusive %v", res.Indeterminate, res.Inconclusive)
			}
		})
	}
}

// TestCoverage: each invariant is checked only with the fields it needs,
// and says why not otherwise.
func TestCoverage(t *testing.T) {
	tests := []struct {
		name      string
		fields    []string
		unchecked []string
	}{
		// authsim: no posted or captured amounts.
		{"authsim", authsimFields, []string{"I10", "I12", "I15"}},
		// Payments only, no accounts query.
		{"payments only", nil, []string{"I6", "I7", "I10", "I11", "I12", "I15"}},
		// Everything.
		{"full", []string{FieldLimit, FieldHeld, FieldPosted, FieldHold, FieldCaptured}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := coverage(NewSnapshot("x", tt.fields...))
			var got []string
			for _, u := range c.Unchecked {
				got = append(got, u.Invariant)
				if u.Reason == "" {
					t.Errorf("%s unchecked without a reason", u.Invariant)
				}
			}
			if !reflect.DeepEqual(got, tt.unchecked) || len(c.Checked)+len(got) != len(Invariants) {
				t.Errorf("unchecked %v, want %v (checked %v)", got, tt.unchecked, c.Checked)
			}
		})
	}
}

// TestNotConfigured: with no ledger source every invariant is listed as
// unchecked with the reason; a timeout makes it inconclusive.
func TestNotConfigured(t *testing.T) {
	clean := attemptsFile(t, []sent{{key: "k1", account: "a", amount: 1, outcome: record.Approved, code: "00"}})
	res, err := NotConfigured(clean, "no ledger source configured")
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked || res.Inconclusive || len(res.Coverage.Checked) != 0 || len(res.Coverage.Unchecked) != len(Invariants) ||
		res.Coverage.Unchecked[0].Reason != "not checked: no ledger source configured" {
		t.Errorf("%+v", res)
	}
	timeout := attemptsFile(t, []sent{{key: "k1", account: "a", amount: 1, outcome: record.Timeout, err: "timeout"}})
	if res, _ := NotConfigured(timeout, "none"); !res.Inconclusive || res.Indeterminate.Unknown != 1 {
		t.Errorf("timeout without ledger: %+v", res)
	}
}

// TestSnapshotRoundTrip: a ledger written and read back is the same, its
// source and fields included; authsim's "approved" reads as held.
func TestSnapshotRoundTrip(t *testing.T) {
	l := full([]Account{{ID: "a", LimitMinor: 1000, HeldMinor: 100, PostedMinor: 50}},
		rec("k1", "a", 100, "approved", 100, 1), captured("k2", 50, 50, 1))
	path := t.TempDir() + "/ledger.jsonl.gz"
	if err := WriteSnapshot(path, l); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ByKey["k1"][0].Status != Held {
		t.Errorf("approved read as %q", got.ByKey["k1"][0].Status)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, l)
	}
}
