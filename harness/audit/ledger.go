// Package audit checks, after every run, that the money stayed right while
// the service was hammered: no approval lost or doubled, no phantom or
// leftover hold, no account over the limit in force, every hold resolved at
// most once and never over its amount, and every payment whose answer was
// lost in a timeout found to have happened exactly once or not at all.
// Anchors: Jepsen's bank and set checks (lost / unexpected / duplicated,
// indeterminate operations resolved by a final read), TigerBeetle's ledger
// invariants, Stripe's idempotency keys.
//
// The check is a pure function of the run directory and a neutral ledger
// snapshot saved into it (ledger.jsonl.gz), whatever service and adapter
// (harness/ledger) it came from, so `authquake report DIR` recomputes it.
package audit

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// A snapshot file (rundir.LedgerFile in a run directory) is gzip-compressed
// JSON lines, an optional {"source": …} first, then one {"account": …} or
// {"authorization": …} each. authsim's /admin/ledger is already this format.

// States of a payment in the neutral ledger. A source maps its own words to
// these; authsim's "approved" reads as held.
const (
	Held     = "held"     // authorised, the amount is held on the account
	Captured = "captured" // the hold was turned into a posted amount
	Voided   = "voided"   // the hold was released without capture
	Declined = "declined" // refused: nothing may be held
	Pending  = "pending"  // accepted, not yet decided
	Reversed = "reversed" // authorised, then reversed (the hold released)
)

// States lists the neutral states.
var States = []string{Held, Captured, Voided, Declined, Pending, Reversed}

// Account is an account as the ledger holds it at the end of the run.
type Account struct {
	ID         string `json:"id"`
	LimitMinor int64  `json:"limit_minor"`
	HeldMinor  int64  `json:"held_minor"`
	// PostedMinor is what was captured and posted (only if the source says).
	PostedMinor int64 `json:"posted_minor,omitempty"`
	Frozen      bool  `json:"frozen"`
}

// Record is one authorisation in the ledger, with its current state.
type Record struct {
	ID             string `json:"id"`
	IdempotencyKey string `json:"idempotency_key"`
	AccountID      string `json:"account_id"`
	// UnknownAccount: the source's account ref had no authquake account id.
	UnknownAccount bool   `json:"unknown_account,omitempty"`
	AmountMinor    int64  `json:"amount_minor"`
	Status         string `json:"status"` // one of States
	Code           string `json:"code"`
	HoldMinor      int64  `json:"hold_minor"`
	// CapturedMinor is the amount captured from this hold.
	CapturedMinor int64 `json:"captured_minor,omitempty"`
	// Resolutions counts how often the hold was captured or voided, when
	// the source counts them; 0 means "as the state says" (one for
	// captured, voided and reversed).
	Resolutions int       `json:"resolutions,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Excluded says why the entry is not one of the run's payments: made by
	// the scenario's setup ("created by setup step fund") or dropped by the
	// source's exclude filter. The audit leaves it out of the payment
	// invariants; account totals (I7) still count its hold.
	Excluded string `json:"excluded,omitempty"`
}

// resolutions is how often the record's hold was captured or voided.
func (r Record) resolutions() int {
	if r.Resolutions > 0 {
		return r.Resolutions
	}
	switch r.Status {
	case Captured, Voided, Reversed:
		return 1
	}
	return 0
}

// Fields a source may give. The audit checks an invariant only when the
// fields it needs were given (see Coverage).
const (
	FieldLimit       = "limit"       // accounts' limits
	FieldHeld        = "held"        // accounts' held totals
	FieldPosted      = "posted"      // accounts' posted totals
	FieldFrozen      = "frozen"      // accounts' freeze
	FieldHold        = "hold"        // each payment's own hold amount
	FieldCaptured    = "captured"    // each payment's captured amount
	FieldResolutions = "resolutions" // how often each hold was resolved
	FieldCreatedAt   = "created_at"  // when each payment was made
)

// authsimFields are what authsim's /admin/ledger gives: snapshots without
// a source line are authsim's.
var authsimFields = []string{FieldLimit, FieldHeld, FieldFrozen, FieldHold, FieldCreatedAt}

// SourceInfo is the snapshot's first line: where the ledger came from and
// which fields it holds.
type SourceInfo struct {
	Kind   string   `json:"kind"`
	Fields []string `json:"fields"`
	// Payments and Accounts are what was read: the query (sql) or the URL
	// (http); "" when the source has no such table (accounts) or is authsim.
	Payments string `json:"payments,omitempty"`
	Accounts string `json:"accounts,omitempty"`
	// KeyColumn is the column (sql) or item path (http) keys were read from.
	KeyColumn string `json:"key_column,omitempty"`
	// AccountColumn is where accounts' ids were read from.
	AccountColumn string `json:"account_column,omitempty"`
}

// Snapshot is a ledger as a source read it at the end of a run: the neutral
// model the audit checks, whatever service it came from.
type Snapshot struct {
	Source   SourceInfo
	Accounts map[string]Account
	ByKey    map[string][]Record
	Records  int
	// UnknownAccounts counts records whose account the source could not map.
	UnknownAccounts int
}

// NewSnapshot returns an empty snapshot from a source giving fields.
func NewSnapshot(kind string, fields ...string) *Snapshot {
	return &Snapshot{Source: SourceInfo{Kind: kind, Fields: fields}, Accounts: map[string]Account{}, ByKey: map[string][]Record{}}
}

// Has reports whether the source gave a field.
func (l *Snapshot) Has(field string) bool { return slices.Contains(l.Source.Fields, field) }

// Add adds a record, reading authsim's "approved" as held.
func (l *Snapshot) Add(r Record) {
	if r.Status == "approved" {
		r.Status = Held
	}
	if r.UnknownAccount {
		l.UnknownAccounts++
	}
	l.ByKey[r.IdempotencyKey] = append(l.ByKey[r.IdempotencyKey], r)
	l.Records++
}

// ReadLedger reads a ledger snapshot file (rundir.LedgerFile in a run directory).
func ReadLedger(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return DecodeSnapshot(gz, path)
}

// DecodeSnapshot reads snapshot lines (uncompressed) from r; name places
// errors. authsim's /admin/ledger answers in this format.
func DecodeSnapshot(r io.Reader, name string) (*Snapshot, error) {
	l := NewSnapshot("authsim", authsimFields...)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var row struct {
			Source        *SourceInfo `json:"source"`
			Account       *Account    `json:"account"`
			Authorization *Record     `json:"authorization"`
			Error         string      `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		switch {
		case row.Error != "":
			return nil, fmt.Errorf("%s:%d: snapshot cut short: %s", name, line, row.Error)
		case row.Source != nil:
			l.Source = *row.Source
		case row.Account != nil:
			l.Accounts[row.Account.ID] = *row.Account
		case row.Authorization != nil:
			l.Add(*row.Authorization)
		}
	}
	return l, sc.Err()
}
