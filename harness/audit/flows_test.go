package audit

import (
	"reflect"
	"testing"

	"github.com/authquake/authquake/harness/record"
)

// TestFlowInvariants: I13-I15, what the client was told about captures,
// voids and reversals against hand-made ledgers.
func TestFlowInvariants(t *testing.T) {
	acct := []Account{{ID: "a", LimitMinor: 1000}}
	holding := []Account{{ID: "a", LimitMinor: 1000, HeldMinor: 100}} // the account of a payment still held
	auth := sent{key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00"}
	ack := func(c record.Call) sent {
		return sent{key: "k1", account: "a", amount: 100, outcome: record.Approved, call: c}
	}
	timeout := sent{key: "k1", account: "a", amount: 100, outcome: record.Timeout, err: "timeout"}
	tests := []struct {
		name   string
		sent   []sent
		ledger *Snapshot
		want   []string
	}{
		// A capture acknowledged and captured for its amount.
		{"captured", []sent{auth, ack(record.Capture)}, full(acct, captured("k1", 100, 100, 1)), nil},
		// I13: the capture was acknowledged, the ledger still holds the money.
		{"lost capture", []sent{auth, ack(record.Capture)}, full(holding, rec("k1", "a", 100, Held, 100, 1)), []string{"I13"}},
		// I13: acknowledged, but the ledger voided it instead.
		{"capture became a void", []sent{auth, ack(record.Capture)}, full(acct, rec("k1", "a", 100, Voided, 0, 1)), []string{"I13"}},
		// A capture the service refused promised nothing: the hold may stay.
		{"capture refused", []sent{auth, {key: "k1", account: "a", amount: 100, outcome: record.Rejected, call: record.Capture}},
			full(holding, rec("k1", "a", 100, Held, 100, 1)), nil},
		// A capture never sent (the run stopped) promised nothing either.
		{"capture not sent", []sent{auth, {key: "k1", account: "a", amount: 100, outcome: record.NotSent, call: record.Capture}},
			full(holding, rec("k1", "a", 100, Held, 100, 1)), nil},
		// I15: captured 60 where the capture asked for 100.
		{"captured other amount", []sent{auth, ack(record.Capture)}, full(acct, captured("k1", 100, 60, 1)), []string{"I15"}},
		// A void acknowledged and voided.
		{"voided", []sent{auth, ack(record.Void)}, full(acct, rec("k1", "a", 100, Voided, 0, 1)), nil},
		// I14: the void was acknowledged, the ledger still holds the money.
		{"void left held", []sent{auth, ack(record.Void)}, full(holding, rec("k1", "a", 100, Held, 100, 1)), []string{"I14"}},
		// I14: acknowledged void, but the ledger captured the money.
		{"void became a capture", []sent{auth, ack(record.Void)}, full(acct, captured("k1", 100, 100, 1)), []string{"I14"}},
		// A reversal of an authorisation without an answer, reversed in the ledger.
		{"reversed", []sent{timeout, ack(record.Reverse)}, full(acct, rec("k1", "a", 100, Reversed, 0, 1)), nil},
		// A reversal acknowledged for a payment the service never took: nothing held.
		{"reversed nothing", []sent{timeout, ack(record.Reverse)}, full(acct), nil},
		// I14: the reversal was acknowledged, the hold is still there.
		{"reversal left held", []sent{timeout, ack(record.Reverse)}, full(holding, rec("k1", "a", 100, Held, 100, 1)), []string{"I14"}},
		// authsim gives no captured amounts: I15 is not checked, I13 is (it needs the state only).
		{"authsim", []sent{auth, ack(record.Capture)}, ledger(acct, captured("k1", 100, 60, 1)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkWant(t, tt.sent, tt.ledger, tt.want)
			if res.Keys != 1 {
				t.Errorf("%d keys: a follow-up counted as a payment of its own", res.Keys)
			}
		})
	}
}

// checkWant audits sent against l and wants exactly the invariants want broken.
func checkWant(t *testing.T, sent []sent, l *Snapshot, want []string) Result {
	t.Helper()
	res, err := Check(attemptsFile(t, sent), l, nil, base)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range res.Violations {
		got = append(got, v.Invariant)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v: %+v", got, want, res.Violations)
	}
	return res
}
