package record

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRecord is the per-attempt cost of saving an attempt.
func BenchmarkRecord(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), "attempts.csv.gz"))
	if err != nil {
		b.Fatal(err)
	}
	a := Attempt{Seq: 1, Attempt: 1, Scheduled: time.Second, Sent: time.Second + 300*time.Microsecond, Latency: 4 * time.Millisecond,
		Status: 201, Outcome: Approved, Code: "00", Key: "aq-1-123456", Account: "acct-000042", Amount: 2500, Merchant: "mrc-0042", Final: true}
	b.ReportAllocs()
	for i := range b.N {
		a.Seq = uint64(i)
		w.Record(&a)
	}
	w.Close()
}
