package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// trials reruns one cell of the benchmark by hand: n alternating trials of
// authquake and vegeta at one rate, each against a fresh server once
// TIME_WAIT has drained, printing what each sent, its send lag, its CPU per
// request and whether it kept the schedule.
//
//	bench trials RATE DURATION N
func trials(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: bench trials RATE DURATION N")
	}
	rate, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		return fmt.Errorf("RATE %q: %w", args[0], err)
	}
	dur, err := time.ParseDuration(args[1])
	if err != nil {
		return fmt.Errorf("DURATION %q: %w", args[1], err)
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 1 {
		return fmt.Errorf("N %q: want a count of trials, at least 1", args[2])
	}
	b, err := build()
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)
	for k := 1; k <= n; k++ {
		for i := range 2 {
			drainTimeWait(time.Minute)
			r, err := measure(b, i, rate, dur)
			if err != nil {
				return err
			}
			fmt.Printf("%-9s %6.0f/s trial %d: sent %7d, lag p99 %9s, CPU %5.1f µs/request, peak RSS %5.1f MB, kept the schedule: %v\n",
				names[i], rate, k, r.sent, r.lagP99.Round(time.Microsecond), us(r.cpu)/float64(max(r.sent, 1)), mb(r.peakRSS), sustains(r, rate, dur))
		}
	}
	return nil
}
