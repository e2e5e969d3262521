package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/authquake/authquake/harness/record"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// generators are authquake's (this binary's gen role) and vegeta's CLI, both
// at the same rate against the same server.
func generators(self, vegetaBin, url, dir string) [2]gen {
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, []byte(`{"account_id":"acct-000001","amount_minor":2500,"currency":"EUR","merchant_id":"mrc-0001"}`), 0o644)
	targets := filepath.Join(dir, "targets.txt")
	os.WriteFile(targets, []byte(fmt.Sprintf("POST %s/v1/authorizations\nContent-Type: application/json\nIdempotency-Key: k\n@%s\n", url, body)), 0o644)
	return [2]gen{
		{name: "authquake",
			cmd: func(rate float64, dur time.Duration, out string) *exec.Cmd {
				return exec.Command(self, "gen", url, fmt.Sprint(rate), dur.String(), out)
			},
			read: func(out string, rate float64) (int, time.Duration, error) {
				var lags []time.Duration
				err := record.Read(out, func(a *record.Attempt) error {
					if a.Attempt == 1 {
						lags = append(lags, a.Sent-a.Scheduled)
					}
					return nil
				})
				return len(lags), tailP99(lags), err
			}},
		{name: "vegeta",
			cmd: func(rate float64, dur time.Duration, out string) *exec.Cmd {
				return exec.Command(vegetaBin, "attack", "-rate", fmt.Sprintf("%.0f/s", rate), "-duration", dur.String(),
					"-targets", targets, "-output", out, "-timeout", "5s")
			},
			read: func(out string, rate float64) (int, time.Duration, error) {
				f, err := os.Open(out)
				if err != nil {
					return 0, 0, err
				}
				defer f.Close()
				dec := vegeta.NewDecoder(f)
				var rs []vegeta.Result
				for {
					var r vegeta.Result
					if err := dec.Decode(&r); err != nil {
						break
					}
					rs = append(rs, r)
				}
				sort.Slice(rs, func(i, j int) bool { return rs[i].Seq < rs[j].Seq })
				lags := make([]time.Duration, len(rs))
				for i, r := range rs {
					due := rs[0].Timestamp.Add(time.Duration(float64(r.Seq) / rate * float64(time.Second)))
					lags[i] = r.Timestamp.Sub(due)
				}
				return len(rs), tailP99(lags), nil
			}},
	}
}

// tailP99 is the 99th percentile of the last fifth of the lags: a lag that
// grows shows there.
func tailP99(lags []time.Duration) time.Duration {
	if len(lags) == 0 {
		return time.Hour
	}
	tail := append([]time.Duration(nil), lags[len(lags)*4/5:]...)
	sort.Slice(tail, func(i, j int) bool { return tail[i] < tail[j] })
	return tail[len(tail)*99/100]
}
