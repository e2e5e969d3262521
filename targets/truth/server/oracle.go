package server

import "math"

// Window is one stay of a switch: its mode, in force from On to Off
// (seconds on any one clock).
type Window struct {
	Mode    Mode
	On, Off float64
	Extra   float64 // slow: seconds added
	Share   float64 // partial: the share that fails
}

// Answer is what the truth service does to one payment, as a pure
// function of its rules: what the HTTP server does with real timers, the
// oracle the matrix checks authquake's analysis against.
type Answer struct {
	Fail bool
	// Latency is from arrival to the answer, or to the client's timeout.
	Latency  float64
	TimedOut bool
}

// Oracle answers the payment arriving at arrive (seconds) on a service whose
// answers are due base after arrival, with the switches' windows, for a
// client that gives up after timeout. nth counts, per partial window, the
// answers it judged before this one (the server's counter).
func Oracle(base, arrive, timeout float64, ws []Window, nth func(w int) uint64) Answer {
	t := arrive + base
	for held := true; held; { // a stall holds until no stall is on
		held = false
		for _, w := range ws {
			if w.Mode == Stall && t >= w.On && t < w.Off {
				t, held = w.Off, true
			}
		}
	}
	var a Answer
	extra := 0.0
	for i, w := range ws {
		if t < w.On || t >= w.Off {
			continue
		}
		switch w.Mode {
		case Fail:
			a.Fail = true
		case Partial:
			n := nth(i) + 1
			a.Fail = a.Fail || uint64(float64(n)*w.Share) > uint64(float64(n-1)*w.Share)
		case Slow:
			extra = math.Max(extra, w.Extra)
		}
	}
	if !a.Fail {
		t += extra
	}
	a.Latency = t - arrive
	if a.Latency >= timeout {
		a.Latency, a.TimedOut, a.Fail = timeout, true, true
	}
	return a
}
