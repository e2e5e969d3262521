package record

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attempts.csv.gz")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Attempt{
		{Seq: 0, Attempt: 1, Scheduled: 0, Sent: 120 * time.Microsecond, Latency: 3 * time.Millisecond, Status: 201,
			Outcome: Approved, Code: "00", Key: "aq-1-0", Account: "acct-000001", Amount: 2500, Merchant: "mrc-0001", Final: true, Call: Authorize, AuthID: "auth_1"},
		// Commas, quotes and a line break in text fields survive.
		{Seq: 2, Attempt: 1, Status: 503, Outcome: Shed, Code: "91", Reason: "maintenance", RetryAfter: "30", Call: Authorize},
		// A capture of an authorisation by its id, and a follow-up the run stopped before.
		{Seq: 3, Attempt: 1, Status: 200, Outcome: Approved, Key: "aq-1-3", Amount: 700, Call: Capture, AuthID: "auth,3", Final: true},
		{Seq: 4, Attempt: 1, Outcome: NotSent, Key: "aq-1-4", Call: Reverse, Final: true},
		{Seq: 1, Attempt: 2, Scheduled: time.Second, Sent: time.Second + 5, Latency: 2 * time.Second, Outcome: Timeout,
			Error: `read tcp: i/o timeout, "again"` + "\nx", Key: "k,1", Account: "a", Amount: 1, Merchant: "m", Duplicate: true, Call: Authorize},
	}
	var wg sync.WaitGroup
	for i := range want {
		wg.Add(1)
		go func() { defer wg.Done(); w.Record(&want[i]) }()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[uint64]Attempt{}
	if err := Read(path, func(a *Attempt) error { got[a.Seq] = *a; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, a := range want {
		if got[a.Seq] != a {
			t.Errorf("seq %d: read %+v, wrote %+v", a.Seq, got[a.Seq], a)
		}
	}
}

// TestTruncatedFileKeepsWhatItHolds: a run killed mid-write leaves a file
// whose flushed attempts are all readable.
func TestTruncatedFileKeepsWhatItHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attempts.csv.gz")
	w, _ := Create(path)
	for i := range 1000 {
		w.Record(&Attempt{Seq: uint64(i), Attempt: 1, Outcome: Approved, Status: 201, Final: true})
	}
	w.mu.Lock()
	w.flush() // what the once-a-second flush does
	w.mu.Unlock()
	data, _ := os.ReadFile(path)
	cut := filepath.Join(t.TempDir(), "cut.csv.gz")
	os.WriteFile(cut, data, 0o644) // no gzip trailer: as if SIGKILLed
	n := 0
	err := Read(cut, func(*Attempt) error { n++; return nil })
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("err = %v, want ErrTruncated", err)
	}
	if n != 1000 {
		t.Errorf("read %d of 1000 flushed attempts", n)
	}
	w.Close()
}

func TestFailureAndIndeterminate(t *testing.T) {
	for _, o := range []Outcome{Approved, Declined, Rejected} {
		if o.Failure() || o.Indeterminate() {
			t.Errorf("%s counted as failure or indeterminate", o)
		}
	}
	for _, o := range []Outcome{Shed, Error, Timeout, ConnError} {
		if !o.Failure() {
			t.Errorf("%s not a failure", o)
		}
	}
	if !Timeout.Indeterminate() || !ConnError.Indeterminate() || Shed.Indeterminate() || Error.Indeterminate() {
		t.Error("indeterminate: only timeouts and connection errors")
	}
}

// TestVegetaExport: vegeta's own report reads an exported run.
func TestVegetaExport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "attempts.csv.gz")
	w, _ := Create(path)
	for i := range 100 {
		a := Attempt{Seq: uint64(i), Attempt: 1, Sent: time.Duration(99-i) * 10 * time.Millisecond, Latency: 5 * time.Millisecond,
			Status: 201, Outcome: Approved, Final: true}
		if i%10 == 0 {
			a.Status, a.Outcome, a.Error = 0, Timeout, "timeout"
		}
		w.Record(&a)
	}
	w.Close()
	var buf bytes.Buffer
	if err := Vegeta(path, time.Unix(1000, 0), "http://127.0.0.1:1/v1/authorizations", "t", vegeta.NewJSONEncoder(&buf)); err != nil {
		t.Fatal(err)
	}
	var m vegeta.Metrics
	dec := vegeta.NewJSONDecoder(&buf)
	var last time.Time
	for seq := uint64(0); ; seq++ {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		if r.Seq != seq || r.Timestamp.Before(last) {
			t.Fatalf("result %d: seq %d at %s after %s", seq, r.Seq, r.Timestamp, last)
		}
		last = r.Timestamp
		m.Add(&r)
	}
	m.Close()
	if m.Requests != 100 || m.Success != 0.9 {
		t.Errorf("vegeta read %d requests, success %.2f; want 100 and 0.90", m.Requests, m.Success)
	}
}

// TestOlderFilesRead: files written before retry_after (v1) and before call
// and auth_id (v2) still read, every attempt an authorisation.
func TestOlderFilesRead(t *testing.T) {
	tests := []struct {
		name, head, line string
		retryAfter       string
	}{
		// v1: no retry_after.
		{"v1", strings.Join(Columns[:v1Columns], ","), "0,1,0,5,7,201,approved,00,,,k,a,2500,m,0,1", ""},
		// v2: retry_after, no call.
		{"v2", strings.Join(Columns[:v2Columns], ","), "0,1,0,5,7,503,shed,91,,,k,a,2500,m,0,1,30", "30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "attempts.csv.gz")
			f, _ := os.Create(path)
			gz := gzip.NewWriter(f)
			gz.Write([]byte(tt.head + "\n" + tt.line + "\n"))
			gz.Close()
			f.Close()
			var got []Attempt
			if err := Read(path, func(a *Attempt) error { got = append(got, *a); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Call != Authorize || got[0].FollowUp() || got[0].RetryAfter != tt.retryAfter || got[0].Amount != 2500 {
				t.Errorf("read %+v", got)
			}
		})
	}
}
