package live

import (
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/record"
)

// TestServeRefusesOtherMachines: the endpoint listens on this machine only,
// unless --allow-remote.
func TestServeRefusesOtherMachines(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		want   string // "" for a listener
	}{
		// Loopback, a free port: served.
		{"127.0.0.1:0", false, ""},
		// localhost by name: served.
		{"localhost:0", false, ""},
		// Every interface: refused without --allow-remote.
		{":0", false, "every interface"},
		// Another machine's address: refused without --allow-remote.
		{"192.0.2.1:9464", false, "--allow-remote"},
		// No port: refused with an example.
		{"127.0.0.1", false, "e.g. 127.0.0.1:9464"},
	}
	for _, tt := range tests {
		s, err := Serve(tt.addr, tt.remote, New())
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.addr, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one saying %q", tt.addr, err, tt.want)
		}
		if s != nil {
			s.Close()
		}
	}
}

// BenchmarkRecord is the exporter's cost per attempt on the load's hot
// path, from many goroutines as vegeta's workers call it.
func BenchmarkRecord(b *testing.B) {
	e := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		a := record.Attempt{Attempt: 1, Final: true, Outcome: record.Approved, Scheduled: time.Second,
			Sent: time.Second + time.Millisecond, Latency: 30 * time.Millisecond}
		for pb.Next() {
			e.Sent(a.Sent)
			e.Record(&a)
		}
	})
}

// BenchmarkRecordRetry adds a retried payment: two attempts, one lookup of
// the first schedule.
func BenchmarkRecordRetry(b *testing.B) {
	e := New()
	b.ReportAllocs()
	for i := range b.N {
		first := record.Attempt{Seq: uint64(i), Attempt: 1, Outcome: record.Shed, Latency: time.Millisecond}
		retry := record.Attempt{Seq: uint64(i), Attempt: 2, Final: true, Outcome: record.Approved, Latency: time.Millisecond}
		e.Sent(0)
		e.Record(&first)
		e.Record(&retry)
	}
}
