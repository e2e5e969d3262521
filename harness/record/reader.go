package record

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrTruncated reports that the file ended mid-stream (the run was killed):
// every attempt before the cut was read. Read returns it wrapped in a
// *DamagedError that says how far the file was read.
var ErrTruncated = errors.New("attempts file truncated: the run was cut short; what was read is complete up to the cut")

// DamagedError is an attempts file that could not be read to its end: cut
// short, or corrupt (bad gzip, a line that does not parse). The attempts
// before it were read and handed on.
type DamagedError struct {
	Path     string
	Attempts int   // how many attempts were read before the damage
	Line     int   // the CSV line where reading stopped (1 is the header)
	Err      error // ErrTruncated for a cut, else what was wrong
}

func (e *DamagedError) Error() string {
	if e.Err == ErrTruncated {
		return fmt.Sprintf("%s: cut short at line %d: read %d attempts", e.Path, e.Line, e.Attempts)
	}
	return fmt.Sprintf("%s: damaged at line %d: read %d attempts: %v", e.Path, e.Line, e.Attempts, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Read calls fn for every attempt in the file at path, in file order. A file
// cut short by a killed run, or corrupt, yields what it holds up to the
// damage and then a *DamagedError (ErrTruncated for a cut); an error of fn
// is returned as it is.
func Read(path string, fn func(*Attempt) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n := 0
	damaged := func(line int, err error) error {
		var perr *csv.ParseError
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &perr) && errors.Is(perr.Err, csv.ErrFieldCount) {
			err = ErrTruncated // a half-written last line
		}
		return &DamagedError{Path: path, Attempts: n, Line: line, Err: err}
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		return damaged(1, err)
	}
	r := csv.NewReader(&lineLimit{r: gz})
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return damaged(1, err)
	}
	switch strings.Join(head, ",") {
	case strings.Join(Columns, ","), strings.Join(Columns[:v2Columns], ","), strings.Join(Columns[:v1Columns], ","):
	default:
		return damaged(1, fmt.Errorf("unknown columns %.200q", strings.Join(head, ",")))
	}
	r.FieldsPerRecord = len(head)
	var a Attempt
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return damaged(line, err)
		}
		if err := parse(rec, &a); err != nil {
			return damaged(line, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
		n++
	}
}

func parse(rec []string, a *Attempt) error {
	var errs [7]error
	var n [6]int64
	a.Seq, errs[0] = strconv.ParseUint(rec[0], 10, 64)
	for i, col := range []int{1, 2, 3, 4, 5, 12} {
		n[i], errs[i+1] = strconv.ParseInt(rec[col], 10, 64)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	a.Attempt, a.Scheduled, a.Sent, a.Latency, a.Status = int(n[0]), time.Duration(n[1]), time.Duration(n[2]), time.Duration(n[3]), int(n[4])
	a.Amount = n[5]
	a.Outcome = Outcome(rec[6])
	a.Code, a.Reason, a.Error, a.Key, a.Account = rec[7], rec[8], rec[9], rec[10], rec[11]
	a.Merchant = rec[13]
	a.Duplicate, a.Final = rec[14] == "1", rec[15] == "1"
	a.RetryAfter, a.Call, a.AuthID = "", Authorize, ""
	if len(rec) > v1Columns {
		a.RetryAfter = rec[16]
	}
	if len(rec) > v2Columns {
		a.Call, a.AuthID = call(rec[17]), rec[18]
	}
	return nil
}

// MaxLineBytes is the longest line an attempts file may hold: a corrupt or
// hostile file cannot make the reader hold more than this of one line.
const MaxLineBytes = 1 << 20

var errLineTooLong = fmt.Errorf("a line longer than %d bytes", MaxLineBytes)

// lineLimit fails a read once a line grows past MaxLineBytes.
type lineLimit struct {
	r    io.Reader
	line int // bytes since the last newline
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
		l.line = n - 1 - i
	} else {
		l.line += n
	}
	if l.line > MaxLineBytes {
		return 0, errLineTooLong
	}
	return n, err
}

// call returns the constant for a call's name (no string kept per line).
func call(s string) Call {
	for _, c := range Calls {
		if string(c) == s {
			return c
		}
	}
	return Call(s)
}
