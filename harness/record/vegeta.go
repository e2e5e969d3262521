package record

import (
	"errors"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Vegeta converts an attempts file into vegeta results, in send order with
// consecutive sequence numbers (vegeta plot drops everything after a gap),
// and hands each to enc: `vegeta report` and `vegeta plot` then read a run.
// Mind that vegeta counts every status outside 200-399 as an error, so its
// success ratio counts declines (402) as failures; authquake's report does not.
func Vegeta(path string, base time.Time, url, name string, enc vegeta.Encoder) error {
	var rs []vegeta.Result
	err := Read(path, func(a *Attempt) error {
		if a.Outcome == NotSent { // a follow-up the run stopped before: no request
			return nil
		}
		r := vegeta.Result{Attack: name, Timestamp: base.Add(a.Sent), Latency: a.Latency, Code: uint16(a.Status),
			Error: a.Error, Method: "POST", URL: url}
		if a.Error == "" && a.Outcome != Approved && a.Outcome != Declined {
			r.Error = string(a.Outcome)
		}
		rs = append(rs, r)
		return nil
	})
	if err != nil && !errors.Is(err, ErrTruncated) {
		return err
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Timestamp.Before(rs[j].Timestamp) })
	for i := range rs {
		rs[i].Seq = uint64(i)
		if err := enc.Encode(&rs[i]); err != nil {
			return err
		}
	}
	return err
}
