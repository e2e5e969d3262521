package record

import (
	"bufio"
	"compress/gzip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Writer appends attempts to a file. It is safe for concurrent use.
type Writer struct {
	mu        sync.Mutex
	f         *os.File
	gz        *gzip.Writer
	bw        *bufio.Writer
	line      []byte
	lastFlush time.Time
	n         int64
	err       error
}

// Create starts an attempts file at path, header first.
func Create(path string) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	w := &Writer{f: f, gz: gz, bw: bufio.NewWriterSize(gz, 64<<10), lastFlush: time.Now()}
	w.bw.WriteString(strings.Join(Columns, ",") + "\n")
	return w, nil
}

// Record appends one attempt. A write error is kept and returned by Close:
// the load goes on.
func (w *Writer) Record(a *Attempt) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.line[:0]
	b = strconv.AppendUint(b, a.Seq, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Attempt), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Scheduled), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Sent), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Latency), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, ',')
	b = append(b, a.Outcome...)
	for _, s := range []string{a.Code, a.Reason, a.Error, a.Key, a.Account} {
		b = append(b, ',')
		b = appendField(b, s)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, a.Amount, 10)
	b = append(b, ',')
	b = appendField(b, a.Merchant)
	b = append(b, ',')
	b = appendBool(b, a.Duplicate)
	b = append(b, ',')
	b = appendBool(b, a.Final)
	b = append(b, ',')
	b = appendField(b, a.RetryAfter)
	b = append(b, ',')
	if a.Call == "" {
		b = append(b, Authorize...)
	} else {
		b = append(b, a.Call...)
	}
	b = append(b, ',')
	b = appendField(b, a.AuthID)
	b = append(b, '\n')
	w.line = b
	if _, err := w.bw.Write(b); err != nil && w.err == nil {
		w.err = err
	}
	w.n++
	if time.Since(w.lastFlush) > time.Second {
		w.flush()
	}
}

// flush pushes buffered lines through gzip to the file (a sync block), so
// that a killed run leaves a readable file.
func (w *Writer) flush() {
	w.lastFlush = time.Now()
	if err := w.bw.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	if err := w.gz.Flush(); err != nil && w.err == nil {
		w.err = err
	}
}

// Count is how many attempts were recorded.
func (w *Writer) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Close flushes and closes the file and returns the first error seen.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flush()
	if err := w.gz.Close(); err != nil && w.err == nil {
		w.err = err
	}
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, '1')
	}
	return append(b, '0')
}

// appendField appends s, quoted as CSV requires when it holds a comma, a
// quote or a line break.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}
