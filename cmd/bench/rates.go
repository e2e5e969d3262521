package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// trial is one run of one generator at one rate.
type trial struct {
	rate   float64
	sent   int
	lagP99 time.Duration
	ok     bool
	steal  float64 // percent of the CPU time the hypervisor took
}

// ladder holds the trials of both generators at each rate, in order.
type ladder []struct {
	rate   float64
	trials [2][]trial
}

// highest is each generator's highest rate of the ladder sustained by a
// majority of its trials, below which every rate was sustained too.
func (l ladder) highest(trials int) [2]float64 {
	var best [2]float64
	var failed [2]bool
	for _, step := range l {
		for i := range 2 {
			if failed[i] || len(step.trials[i]) == 0 {
				failed[i] = true
				continue
			}
			if passes(step.trials[i])*2 > trials {
				best[i] = step.rate
			} else {
				failed[i] = true
			}
		}
	}
	return best
}

func passes(ts []trial) int {
	n := 0
	for _, t := range ts {
		if t.ok {
			n++
		}
	}
	return n
}

// medianLag is the median of the trials' send-lag p99.
func medianLag(ts []trial) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	l := make([]time.Duration, len(ts))
	for i, t := range ts {
		l[i] = t.lagP99
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[len(l)/2]
}

// rateLadder climbs the ladder of rates with c.trials alternating trials of
// each generator per rate (authquake, vegeta, authquake, ...), each against a
// fresh server once the previous run's TIME_WAIT sockets are gone. A
// generator leaves the ladder at the first rate most of its trials failed.
func rateLadder(b *bins, c config) (ladder, error) {
	var l ladder
	var out [2]bool
	for _, rate := range c.ladder {
		if out[0] && out[1] {
			break
		}
		step := struct {
			rate   float64
			trials [2][]trial
		}{rate: rate}
		for k := 0; k < c.trials; k++ {
			for i := range 2 {
				if out[i] {
					continue
				}
				drainTimeWait(time.Minute)
				r, err := measure(b, i, rate, c.probe)
				if err != nil {
					return l, err
				}
				t := trial{rate: rate, sent: r.sent, lagP99: r.lagP99, ok: sustains(r, rate, c.probe), steal: r.steal}
				step.trials[i] = append(step.trials[i], t)
				fmt.Printf("  %-9s %6.0f/s trial %d: sent %7d, lag p99 %9s  %v\n", names[i], rate, k+1, t.sent, t.lagP99.Round(time.Microsecond), t.ok)
			}
		}
		for i := range 2 {
			if !out[i] && passes(step.trials[i])*2 <= c.trials {
				out[i] = true
			}
		}
		l = append(l, step)
	}
	return l, nil
}

// confirm runs authquake n times at rate.
func confirm(b *bins, c config, rate float64) ([]trial, error) {
	var ts []trial
	for k := 0; k < c.confirm; k++ {
		drainTimeWait(time.Minute)
		r, err := measure(b, 0, rate, c.probe)
		if err != nil {
			return ts, err
		}
		t := trial{rate: rate, sent: r.sent, lagP99: r.lagP99, ok: sustains(r, rate, c.probe), steal: r.steal}
		fmt.Printf("  authquake %6.0f/s trial %d: sent %7d, lag p99 %9s  %v\n", rate, k+1, t.sent, t.lagP99.Round(time.Microsecond), t.ok)
		ts = append(ts, t)
	}
	return ts, nil
}

var names = [2]string{"authquake", "vegeta"}

// drainTimeWait waits, up to max, until fewer than 1,000 TCP sockets are in
// TIME_WAIT: a run that follows an overloaded one must not start short of
// ports or with the kernel still busy with the last one's connections.
func drainTimeWait(max time.Duration) {
	deadline := time.Now().Add(max)
	for timeWait() >= 1000 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
}

// timeWait counts IPv4 and IPv6 sockets in TIME_WAIT (state 06).
func timeWait() int {
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) > 3 && fields[3] == "06" {
				n++
			}
		}
		fh.Close()
	}
	return n
}
