package record

import (
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
// every attempt before the cut was read.
var ErrTruncated = errors.New("attempts file truncated: the run was cut short; what was read is complete up to the cut")

// Read calls fn for every attempt in the file at path, in file order. A file
// cut short by a killed run yields what it holds and then ErrTruncated.
func Read(path string, fn func(*Attempt) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	r := csv.NewReader(gz)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return truncated(path, err)
	}
	switch strings.Join(head, ",") {
	case strings.Join(Columns, ","), strings.Join(Columns[:v2Columns], ","), strings.Join(Columns[:v1Columns], ","):
	default:
		return fmt.Errorf("%s: unknown columns %v", path, head)
	}
	r.FieldsPerRecord = len(head)
	var a Attempt
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return truncated(path, err)
		}
		if err := parse(rec, &a); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
}

func truncated(path string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ErrTruncated
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return ErrTruncated // a half-written last line
	}
	return fmt.Errorf("%s: %w", path, err)
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

// call returns the constant for a call's name (no string kept per line).
func call(s string) Call {
	for _, c := range Calls {
		if string(c) == s {
			return c
		}
	}
	return Call(s)
}
