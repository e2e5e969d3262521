package analysis

import (
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// BenchmarkAggregate is the per-payment cost of bucket aggregation.
func BenchmarkAggregate(b *testing.B) {
	buckets := make([]*acc, 60)
	for i := range buckets {
		buckets[i] = newAcc()
	}
	b.ReportAllocs()
	for i := range b.N {
		buckets[i%60].add(record.Approved, time.Duration(i%5000)*time.Microsecond, "00")
	}
}

// BenchmarkAnalyze reads and analyses a 20 s run of 2,000 payments.
func BenchmarkAnalyze(b *testing.B) {
	t := &testing.T{}
	dir := synth(t, synthScenario, ok)
	b.ResetTimer()
	for range b.N {
		r, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Analyze(r, time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
