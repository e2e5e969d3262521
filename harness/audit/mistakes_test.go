package audit

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// approvedK are n approvals on account a, keys k1..kn.
func approvedK(keys ...string) []sent {
	var out []sent
	for _, k := range keys {
		out = append(out, sent{key: k, account: "a", amount: 100, outcome: record.Approved, code: "00"})
	}
	return out
}

// from sets where a snapshot says it read its tables.
func from(l *Snapshot, kind, payments, accounts, key string) *Snapshot {
	l.Source.Kind, l.Source.Payments, l.Source.Accounts, l.Source.KeyColumn, l.Source.AccountColumn = kind, payments, accounts, key, "id"
	return l
}

// TestBlindQuery: a ledger query that sees nothing of a run with approvals
// makes the audit inconclusive, naming the query and what to check, and
// counts no violation (never "lost approval" for every payment).
func TestBlindQuery(t *testing.T) {
	const q = "select reference, balance_id, amount, status from transactions where ledger_id = 'x'"
	const u = "http://127.0.0.1:9/recon?page={{.Page}}"
	acct := []Account{{ID: "a", LimitMinor: 1000, HeldMinor: 200}}
	setupRow := rec("fund-a", "a", 5000, "captured", 0, -30)
	setupRow.Excluded = "created by setup step fund"
	tests := []struct {
		name         string
		sent         []sent
		ledger       *Snapshot
		table        string   // the blind table, "" for none
		says         []string // in the blind's text
		hint         string
		checked      bool     // invariants still checked (the accounts case)
		unchecked    []string // invariants unchecked because of it
		inconclusive bool
	}{
		// The payments query returns no rows: not 2 lost approvals.
		{"sql no rows", approvedK("k1", "k2"), from(ledger(acct), "sql", q, "", "reference"),
			"payments", []string{"payments query returned no rows while 2 payments were approved", "ledger_id = 'x'"}, hintEmpty, false, Invariants, true},
		// The same with an http source: the URL is named.
		{"http no items", approvedK("k1"), from(ledger(acct), "http", u, "", "ref"),
			"payments", []string{"payments endpoint returned no rows", u}, hintEmpty, false, Invariants, true},
		// Rows, but none under a key the run sent: the key column is mapped wrong.
		{"wrong key column", approvedK("k1", "k2"), from(ledger(acct, rec("tx_9", "a", 100, "approved", 100, 1), rec("tx_7", "a", 100, "approved", 100, 2)), "sql", q, "", "id"),
			"payments", []string{"returned 2 rows, none under a key this run sent", `key column "id": sent "k1", read "tx_7"`}, hintKeys, false, Invariants, true},
		// Only rows setup made: all left out.
		{"only setup rows", approvedK("k1"), from(ledger(acct, setupRow), "sql", q, "", "reference"),
			"payments", []string{"returned 1 rows, all left out"}, hintLeftOut, false, Invariants, true},
		// No approval: an empty ledger is what a run of declines may leave.
		{"no approvals", []sent{{key: "k1", account: "a", amount: 100, outcome: record.Declined, code: "51"}},
			from(ledger([]Account{{ID: "a", LimitMinor: 1000}}), "sql", q, "", "reference"), "", nil, "", true, nil, false},
		// The accounts query returns nothing: the payment invariants still
		// hold, the account ones are unchecked and the audit inconclusive.
		{"accounts no rows", approvedK("k1"), from(ledger(nil, rec("k1", "a", 100, "approved", 100, 1)), "sql", q, "select * from balances where 1=0", "reference"),
			"accounts", []string{"accounts query returned no rows while 1 payments were approved", "1=0"}, hintEmpty, true, []string{"I6", "I7"}, true},
		// Accounts under the service's ids, none mapped back to authquake's.
		{"accounts unmapped", approvedK("k1"), from(ledger([]Account{{ID: "bal_1", LimitMinor: 1000, HeldMinor: 100}}, rec("k1", "a", 100, "approved", 100, 1)), "sql", q, "select * from balances", "reference"),
			"accounts", []string{"returned 1 rows, none an account this run's approvals were made on", `id column "id": sent "a", read "bal_1"`}, hintAccounts, true, []string{"I6", "I7"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(attemptsFile(t, tt.sent), tt.ledger, nil, base)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) != 0 {
				t.Errorf("violations %+v: a blind query proves nothing", res.Violations)
			}
			if res.Inconclusive != tt.inconclusive || res.Checked != tt.checked {
				t.Errorf("inconclusive %v checked %v, want %v %v", res.Inconclusive, res.Checked, tt.inconclusive, tt.checked)
			}
			if tt.table == "" {
				if len(res.Blind) != 0 {
					t.Errorf("blind %+v", res.Blind)
				}
				return
			}
			if len(res.Blind) != 1 || res.Blind[0].Table != tt.table || res.Blind[0].Hint != tt.hint {
				t.Fatalf("blind %+v, want %s with hint %q", res.Blind, tt.table, tt.hint)
			}
			for _, s := range tt.says {
				if !strings.Contains(res.Blind[0].What, s) || !strings.Contains(res.Note, s) {
					t.Errorf("blind %q / note %q do not say %q", res.Blind[0].What, res.Note, s)
				}
			}
			un := map[string]string{}
			for _, u := range res.Coverage.Unchecked {
				un[u.Invariant] = u.Reason
			}
			why := res.Blind[0].What
			if tt.table == "accounts" {
				why = accountsUnseen
			}
			for _, inv := range tt.unchecked {
				if un[inv] != why {
					t.Errorf("%s unchecked for %q, want %q", inv, un[inv], why)
				}
			}
		})
	}
}

// TestSetupEntriesLeftOut: entries setup made (marked by the source) are no
// phantom (I2), and their holds count toward no limit (I6) but toward the
// account's held total (I7).
func TestSetupEntriesLeftOut(t *testing.T) {
	fund := rec("fund-world", "world", 900, "approved", 900, -20) // a hold on the funding source, whose limit is 0
	fund.Excluded = "created by setup step fund"
	seed := rec("seed-a", "a", 900, "approved", 900, -19) // a seed hold on the run's account
	seed.Excluded = "ledger.payments.exclude: reference starts with \"seed-\""
	l := ledger([]Account{{ID: "a", LimitMinor: 1000, HeldMinor: 1100}, {ID: "world", LimitMinor: 0, HeldMinor: 900}},
		fund, seed, rec("k1", "a", 200, "approved", 200, 1))
	res, err := Check(attemptsFile(t, approvedK("k1")[:1]), l, nil, base)
	if err != nil {
		t.Fatal(err)
	}
	// k1's amount is 100 as sent; the ledger says 200: I4 and I1 are real.
	var got []string
	for _, v := range res.Violations {
		got = append(got, v.Invariant)
	}
	if strings.Join(got, " ") != "I1 I4" {
		t.Errorf("violations %v, want I1 I4 only (no I2, I6, I7): %+v", got, res.Violations)
	}
	if res.Excluded["created by setup step fund"] != 1 || len(res.Excluded) != 2 || res.Inconclusive {
		t.Errorf("excluded %v inconclusive %v", res.Excluded, res.Inconclusive)
	}
}

// TestPreexistingKeys: keys the service held before the run are counted,
// with an example, and left out of every invariant.
func TestPreexistingKeys(t *testing.T) {
	noTimes := func(recs ...Record) *Snapshot {
		return fill(NewSnapshot("http", FieldLimit, FieldHeld, FieldHold), nil, recs)
	}
	dup := sent{key: "k1", account: "a", amount: 100, outcome: record.Duplicate, status: 409}
	tests := []struct {
		name     string
		sent     []sent
		ledger   *Snapshot
		count    int
		byLedger int
		says     string
		zone     bool     // every entry older: the time zone hint
		want     []string // violations left
	}{
		// An entry under k1 made 10 s before the run, declined with a hold
		// of another amount: not I4 or I5, but a key of an earlier run.
		{"older entry", approvedK("k1", "k2"), ledger(nil, rec("k1", "a", 70, "declined", 70, -10), rec("k2", "a", 100, "approved", 100, 1)),
			1, 1, "made 10.0 s before the run began", false, nil},
		// Every entry of the run older than the run: perhaps a local time
		// read as UTC, which the reason says.
		{"every entry older", approvedK("k1"), ledger(nil, rec("k1", "a", 100, "approved", 100, -7200)), 1, 1, "7200.0 s", true, nil},
		// 1.5 s before the base time is within the clock skew: the run's own.
		{"within skew", approvedK("k1"), ledger(nil, rec("k1", "a", 100, "approved", 100, -1.5)), 0, 0, "", false, nil},
		// No creation times: a first attempt answered 409 duplicate says it.
		{"duplicate answer", []sent{dup, approvedK("k2")[0]}, noTimes(rec("k1", "a", 70, "approved", 70, 0), rec("k2", "a", 100, "approved", 100, 0)),
			1, 0, "first attempt was answered as a duplicate", false, nil},
		// A double tap whose second submission overtook the first explains it.
		{"overtaken by its tap", []sent{dup, {key: "k1", account: "a", amount: 100, outcome: record.Approved, code: "00", tap: true}},
			noTimes(rec("k1", "a", 100, "approved", 100, 0)), 0, 0, "", false, nil},
		// With creation times the ledger decides: a fresh entry is the run's,
		// and its other amount is a real I4.
		{"fresh entry, duplicate answer", []sent{dup}, ledger(nil, rec("k1", "a", 70, "approved", 70, 1)), 0, 0, "", false, []string{"I4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(attemptsFile(t, tt.sent), tt.ledger, nil, base)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range res.Violations {
				got = append(got, v.Invariant)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("violations %v, want %v: %+v", got, tt.want, res.Violations)
			}
			p := res.Preexisting
			if tt.count == 0 {
				if p != nil {
					t.Errorf("preexisting %+v", p)
				}
				return
			}
			if p == nil || p.Count != tt.count || p.ByLedger != tt.byLedger || len(p.Examples) != tt.count {
				t.Fatalf("preexisting %+v, want %d (%d by the ledger)", p, tt.count, tt.byLedger)
			}
			if r := p.Reason(); !strings.Contains(r, "1 keys were already in the ledger before the run started") || !strings.Contains(r, tt.says) ||
				strings.Contains(r, "time zone") != tt.zone {
				t.Errorf("reason %q does not say %q (or the time zone hint: %v)", r, tt.says, tt.zone)
			}
		})
	}
}

// TestSetupEntriesOfAnUnknownAccountAreNoNote: funding that setup made from
// an account of the service's own (Blnk's @world) names an account the
// provisioning did not create; left out as setup's, it is no "unknown
// account" note. An entry of the run naming one still is.
func TestSetupEntriesOfAnUnknownAccountAreNoNote(t *testing.T) {
	fund := rec("fund-a", "bln_world", 900, "captured", 0, -20)
	fund.Excluded, fund.UnknownAccount = "created by setup step fund", true
	l := ledger([]Account{{ID: "a", LimitMinor: 1000}}, fund, rec("k1", "a", 100, "approved", 100, 1))
	res, err := Check(attemptsFile(t, approvedK("k1")[:1]), l, nil, base)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Note, "did not create") {
		t.Errorf("note %q counts setup's entries", res.Note)
	}
	stray := rec("k1", "bln_x", 100, "approved", 100, 1)
	stray.UnknownAccount = true
	l = ledger([]Account{{ID: "a", LimitMinor: 1000}}, fund, stray)
	if res, _ = Check(attemptsFile(t, approvedK("k1")[:1]), l, nil, base); !strings.Contains(res.Note, "1 ledger entries name an account the provisioning did not create") {
		t.Errorf("note %q, want the run's entry of an unknown account", res.Note)
	}
}

// TestTwoIDsForOneKeyNamesThem: a double tap answered pending with a
// second id (Blnk queues a reused reference under a new id and then drops
// it) is I3, and the example names both ids, the evidence a reader needs.
func TestTwoIDsForOneKeyNamesThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), rundir.AttemptsFile)
	w, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"txn_a", "txn_b"} {
		w.Record(&record.Attempt{Seq: uint64(i), Attempt: 1, Key: "k1", Account: "a", Amount: 100, Status: 201,
			Outcome: record.Pending, Final: true, AuthID: id, Duplicate: i == 1})
	}
	w.Record(&record.Attempt{Seq: 0, Attempt: 1, Key: "k1", Account: "a", Amount: 100, Status: 200, Outcome: record.Approved, Final: true, Call: record.Status})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Check(path, full([]Account{{ID: "a", LimitMinor: 1000}}, rec("k1", "a", 100, Captured, 0, 1)), nil, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) != 1 || res.Violations[0].Invariant != "I3" || !strings.Contains(res.Violations[0].Examples[0].Told, "ids txn_a and txn_b") {
		t.Errorf("violations %+v, want I3 naming both ids", res.Violations)
	}
}
