package ledger

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/rundir"
)

// decides is a source whose payment is pending for its first reads, then held.
type decides struct{ reads, pendingFor int }

func (d *decides) Read(context.Context) (*audit.Snapshot, error) {
	d.reads++
	st := audit.Held
	if d.reads <= d.pendingFor {
		st = audit.Pending
	}
	return &audit.Snapshot{Accounts: map[string]audit.Account{}, Records: 1,
		ByKey: map[string][]audit.Record{"k": {{IdempotencyKey: "k", Status: st}}}}, nil
}

// TestSettleRereadsWhilePending: a ledger that still holds a pending payment
// is read again until it has decided, within the settle time; with none, the
// pending entry is saved as it is (and the audit says it is unresolved).
func TestSettleRereadsWhilePending(t *testing.T) {
	for _, tt := range []struct {
		name       string
		pendingFor int
		wait       time.Duration
		reads      int
		want       string
	}{
		// Decided on the second read, within the settle time.
		{"settles", 1, 5 * time.Second, 2, audit.Held},
		// No settle time: read once, pending saved as pending.
		{"no wait", 1, 0, 1, audit.Pending},
		// Nothing pending: one read.
		{"decided", 0, 5 * time.Second, 1, audit.Held},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, dir := &decides{pendingFor: tt.pendingFor}, t.TempDir()
			if err := settle(context.Background(), src, dir, tt.wait, nil); err != nil {
				t.Fatal(err)
			}
			l, err := audit.ReadLedger(filepath.Join(dir, rundir.LedgerFile))
			if err != nil {
				t.Fatal(err)
			}
			if src.reads != tt.reads || l.ByKey["k"][0].Status != tt.want {
				t.Errorf("%d reads, status %s; want %d and %s", src.reads, l.ByKey["k"][0].Status, tt.reads, tt.want)
			}
		})
	}
}
