// Package audit checks, after every run, that the money stayed right while
// the service was hammered: no approval lost or doubled, no phantom or
// leftover hold, no account over the limit in force, and every payment whose
// answer was lost in a timeout found to have happened exactly once or not at
// all. Anchors: Jepsen's bank and set checks (lost / unexpected / duplicated,
// indeterminate operations resolved by a final read), TigerBeetle's ledger
// invariants, Stripe's idempotency keys.
//
// The check is a pure function of the run directory and a ledger snapshot
// saved into it (ledger.jsonl), so `authquake report DIR` recomputes it.
package audit

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// SnapshotFile is the ledger snapshot in a run directory: gzip-compressed
// JSON lines, one {"account": …} or {"authorization": …} each (authsim's
// /admin/ledger).
const SnapshotFile = "ledger.jsonl.gz"

// Account is an account as the ledger holds it at the end of the run.
type Account struct {
	ID         string `json:"id"`
	LimitMinor int64  `json:"limit_minor"`
	HeldMinor  int64  `json:"held_minor"`
	Frozen     bool   `json:"frozen"`
}

// Record is one authorisation in the ledger.
type Record struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotency_key"`
	AccountID      string    `json:"account_id"`
	AmountMinor    int64     `json:"amount_minor"`
	Status         string    `json:"status"` // approved, declined, reversed
	Code           string    `json:"code"`
	HoldMinor      int64     `json:"hold_minor"`
	CreatedAt      time.Time `json:"created_at"`
}

// Ledger is a snapshot.
type Ledger struct {
	Accounts map[string]Account
	ByKey    map[string][]Record
	Records  int
}

// ReadLedger reads a snapshot file.
func ReadLedger(path string) (*Ledger, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	l := &Ledger{Accounts: map[string]Account{}, ByKey: map[string][]Record{}}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var row struct {
			Account       *Account `json:"account"`
			Authorization *Record  `json:"authorization"`
			Error         string   `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		switch {
		case row.Error != "":
			return nil, fmt.Errorf("%s:%d: snapshot cut short: %s", path, line, row.Error)
		case row.Account != nil:
			l.Accounts[row.Account.ID] = *row.Account
		case row.Authorization != nil:
			r := *row.Authorization
			l.ByKey[r.IdempotencyKey] = append(l.ByKey[r.IdempotencyKey], r)
			l.Records++
		}
	}
	return l, sc.Err()
}
