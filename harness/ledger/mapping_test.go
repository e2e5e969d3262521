package ledger

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/scenario"
)

var payments = &scenario.LedgerTable{
	Columns: map[string]string{"key": "reference", "account": "balance_id", "amount": "amount", "state": "status", "captured": "captured", "created_at": "at"},
	States:  map[string]string{"APPLIED": "captured", "PENDING": "held", "VOIDED": "voided", "REJECTED": "declined"},
}

// values is a row by column name.
func values(cols map[string]string, v map[string]any) row {
	return func(field string) (any, bool) {
		c, ok := cols[field]
		if !ok {
			return nil, false
		}
		return v[c], true
	}
}

// TestToRecord: the column and state mapping, derived holds, account refs.
func TestToRecord(t *testing.T) {
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	refs := map[string]string{"bal_1": "acct-000001"}
	tests := []struct {
		name string
		refs map[string]string
		row  map[string]any
		want audit.Record
		err  string
	}{
		// A pending transaction is a hold of its amount (no hold column), its ref mapped back.
		{"held", refs, map[string]any{"reference": "k1", "balance_id": "bal_1", "amount": int64(500), "status": "PENDING", "captured": nil, "at": at},
			audit.Record{IdempotencyKey: "k1", AccountID: "acct-000001", AmountMinor: 500, Status: "held", Code: "PENDING", HoldMinor: 500, CreatedAt: at}, ""},
		// An applied one is captured, nothing held; numbers may come as float or numeric text.
		{"captured", refs, map[string]any{"reference": "k2", "balance_id": "bal_1", "amount": float64(500), "status": "APPLIED", "captured": "500", "at": "2026-11-30T00:00:00Z"},
			audit.Record{IdempotencyKey: "k2", AccountID: "acct-000001", AmountMinor: 500, Status: "captured", Code: "APPLIED", CapturedMinor: 500, CreatedAt: at}, ""},
		// A ref provisioning never created: kept, and flagged.
		{"unknown account", refs, map[string]any{"reference": "k3", "balance_id": "bal_9", "amount": int64(1), "status": "VOIDED"},
			audit.Record{IdempotencyKey: "k3", AccountID: "bal_9", UnknownAccount: true, AmountMinor: 1, Status: "voided", Code: "VOIDED"}, ""},
		// No accounts file: the service's ids are authquake's; a neutral state needs no mapping.
		{"no refs", nil, map[string]any{"reference": "k4", "balance_id": "acct-000002", "amount": int64(7), "status": "declined"},
			audit.Record{IdempotencyKey: "k4", AccountID: "acct-000002", AmountMinor: 7, Status: "declined", Code: "declined"}, ""},
		// A state neither mapped nor neutral: an error, never a guess.
		{"unmapped state", nil, map[string]any{"reference": "k5", "balance_id": "a", "amount": int64(7), "status": "SETTLED"}, audit.Record{}, `state "SETTLED"`},
		// A fractional amount is not in minor units.
		{"fraction", nil, map[string]any{"reference": "k6", "balance_id": "a", "amount": 1.5, "status": "PENDING"}, audit.Record{}, "whole amount"},
		// No key: the row cannot be audited.
		{"no key", nil, map[string]any{"reference": "", "balance_id": "a", "amount": int64(1), "status": "PENDING"}, audit.Record{}, "key: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapping{payments: payments, refs: tt.refs}
			got, err := m.toRecord(values(payments.Columns, tt.row))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

// TestToAccountAndFields: account columns, and the fields a mapping gives.
func TestToAccountAndFields(t *testing.T) {
	accounts := &scenario.LedgerTable{Columns: map[string]string{"id": "id", "limit": "credit_limit", "held": "held", "posted": "posted", "frozen": "frozen"}}
	m := mapping{accounts: accounts, payments: payments, refs: map[string]string{"bal_1": "acct-000001"}}
	got, err := m.toAccount(values(accounts.Columns, map[string]any{"id": "bal_1", "credit_limit": int32(1000), "held": int64(200), "posted": "300", "frozen": "true"}))
	want := audit.Account{ID: "acct-000001", LimitMinor: 1000, HeldMinor: 200, PostedMinor: 300, Frozen: true}
	if err != nil || got != want {
		t.Errorf("account %+v, %v; want %+v", got, err, want)
	}
	fields := []string{audit.FieldLimit, audit.FieldHeld, audit.FieldPosted, audit.FieldFrozen, audit.FieldCaptured, audit.FieldCreatedAt}
	if !reflect.DeepEqual(m.fields(), fields) {
		t.Errorf("fields %v, want %v", m.fields(), fields)
	}
	// Without an accounts query, no account field is given.
	if f := (mapping{payments: payments}).fields(); len(f) != 2 {
		t.Errorf("payments only: fields %v", f)
	}
}

// TestStatesAgree: the scenario validates against the audit's states.
func TestStatesAgree(t *testing.T) {
	if !reflect.DeepEqual(scenario.LedgerStates, audit.States) {
		t.Errorf("scenario.LedgerStates %v != audit.States %v", scenario.LedgerStates, audit.States)
	}
}
