package analysis

import (
	"math"
	"slices"
	"time"
)

// suspect is one fault, or a spike's peak, as the analysis sees it: when it
// was in force, until when damage may still be its own, and what it can do
// to payments.
type suspect struct {
	name                string
	start, end, horizon float64 // seconds since the base time
	injected, canFail   bool
}

// exposed says whether the suspect was in force at some instant of
// [from, to]: a payment sent at from and answered at to was caught by it,
// and its outcome may be the suspect's. A fault with no length (a kill whose
// revert returned at once) is in force at its instant.
func (f suspect) exposed(from, to float64) bool {
	if !f.injected {
		return false
	}
	if f.end <= f.start {
		return from <= f.start && to >= f.start
	}
	return from < f.end && to > f.start
}

// exposure appends to buf the suspects a payment sent at sched and answered
// at end was exposed to.
func exposure(sus []suspect, sched, end time.Duration, buf []int) []int {
	buf = buf[:0]
	from, to := sched.Seconds(), end.Seconds()
	for k, f := range sus {
		if f.exposed(from, to) {
			buf = append(buf, k)
		}
	}
	return buf
}

// suspects makes a suspect of every event: in force from the end of its
// inject call to the end of its revert call, its damage its own until the
// horizon (its length again after its end, at least 10 s).
func suspects(events []faultEvent, clientTimeout float64) []suspect {
	sus := make([]suspect, len(events))
	for i, e := range events {
		start, end := faultSpan(e)
		sus[i] = suspect{name: e.Name, start: start, end: end, horizon: end + math.Max(10, end-start),
			injected: e.State != "skipped" && e.State != "planned", canFail: canFail(e, clientTimeout)}
	}
	return sus
}

// firstStart is when the first injected suspect began; +Inf when none was.
func firstStart(sus []suspect) float64 {
	first := math.Inf(1)
	for _, f := range sus {
		if f.injected {
			first = math.Min(first, f.start)
		}
	}
	return first
}

// faultWindows are the before, during and after of suspect k, each as long
// as the fault: before, the payments answered in that time before it began
// (never one it caught in flight); during, the payments it caught; after,
// the payments sent in that time after its revert that no fault caught.
func faultWindows(sus []suspect, k int) []*window {
	f := sus[k]
	d := math.Max(f.end-f.start, 0)
	return []*window{
		{in: func(p *payment) bool { t := p.end.Seconds(); return t >= f.start-d && t < f.start }, acc: newAcc()},
		{in: func(p *payment) bool { return slices.Contains(p.exposed, k) }, acc: newAcc()},
		{in: func(p *payment) bool { t := p.sched.Seconds(); return t >= f.end && t < f.end+d && len(p.exposed) == 0 }, acc: newAcc()},
	}
}
