package record

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzRead: no attempts file, gzipped or raw, makes the reader panic, hang
// or hold a line longer than MaxLineBytes; it returns nil, a *DamagedError
// saying how far it read, or a Go error for a file it could not open.
func FuzzRead(f *testing.F) {
	var good bytes.Buffer
	path := filepath.Join(f.TempDir(), "attempts.csv.gz")
	w, err := Create(path)
	if err != nil {
		f.Fatal(err)
	}
	w.Record(&Attempt{Seq: 1, Attempt: 1, Sent: time.Millisecond, Latency: 3 * time.Millisecond, Status: 201, Outcome: Approved,
		Code: "00", Key: "k", Account: "a", Amount: 1, Merchant: "m", Final: true})
	w.Record(&Attempt{Seq: 2, Attempt: 2, Outcome: Timeout, Error: "i/o timeout, \"again\"\nx", RetryAfter: "3"})
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	gz, _ := os.ReadFile(path)
	zr, _ := gzip.NewReader(bytes.NewReader(gz))
	good.ReadFrom(zr)
	f.Add(good.Bytes(), false)
	f.Add(good.Bytes()[:good.Len()/2], false)
	f.Add(gz, true)
	f.Add(gz[:len(gz)-9], true)
	f.Add([]byte(strings.Join(Columns[:v1Columns], ",")+"\n1,1,0,0,0,201,approved,,,,k,a,1,m,0,1\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		file := filepath.Join(t.TempDir(), "attempts.csv.gz")
		if !raw {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(data)
			zw.Close()
			data = b.Bytes()
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		n := 0
		err := Read(file, func(a *Attempt) error {
			n++
			if len(a.Error)+len(a.Key)+len(a.Reason) > MaxLineBytes {
				t.Fatalf("a field of %d bytes", len(a.Error))
			}
			return nil
		})
		var d *DamagedError
		if errors.As(err, &d) && (d.Attempts != n || d.Path != file || d.Line < 1) {
			t.Fatalf("damage %+v after %d attempts", d, n)
		}
		if err != nil && d == nil {
			t.Fatalf("an error that says not how far it read: %v", err)
		}
	})
}
