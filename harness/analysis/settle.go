package analysis

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/authquake/authquake/harness/record"
)

// Settle is how the payments answered pending reached their final state,
// told by webhook or by polling (target.webhooks, target.status): the time
// from the pending answer to the first final state, and what never came
// within target.settle.
type Settle struct {
	// LimitS is target.settle: a final state later than this is unsettled.
	LimitS float64 `json:"limit_s"`
	// Pending counts the payments whose final answer was pending; Settled
	// those whose final state came within the limit, Unsettled the others
	// (no final state, or too late): a failure of their own kind.
	Pending   int `json:"pending"`
	Settled   int `json:"settled"`
	Unsettled int `json:"unsettled"`
	// Outcomes are the final states of the settled payments.
	Outcomes Outcomes `json:"outcomes"`
	// LatencyMS runs from the pending answer to the first final state.
	LatencyMS Latency `json:"settle_ms"`
	// Notifications and Polls count the calls that told states;
	// Duplicates the final states told again alike (harmless when
	// idempotent), a final answer confirmed by a notification too;
	// Contradictions those told again otherwise (approved, then declined).
	Notifications  int `json:"notifications"`
	Polls          int `json:"polls"`
	Duplicates     int `json:"duplicates"`
	Contradictions int `json:"contradictions"`
	// Unknown counts notifications that named no payment of this run (run.json webhooks).
	Unknown int64 `json:"unknown_notifications"`
	// Phases and Faults split the payments answered pending by the phase
	// they were scheduled in and by the fault in force when they were
	// answered: the unsettled of a fault are final states lost to it.
	Phases []SettleWindow `json:"phases"`
	Faults []SettleWindow `json:"faults,omitempty"`
}

// SettleWindow is Settle's count and latency for one phase or fault.
type SettleWindow struct {
	Name      string  `json:"name"`
	Pending   int     `json:"pending"`
	Settled   int     `json:"settled"`
	Unsettled int     `json:"unsettled"`
	LatencyMS Latency `json:"settle_ms"`
}

// settleAcc gathers, in the one pass over the attempts, the pending answers
// and the final states told of them.
type settleAcc struct {
	pending map[uint64]pendingAnswer
	final   map[uint64]told
	// asked holds, per payment, when the latest poll that still told it
	// pending was sent: its decision was made after that.
	asked                    map[uint64]time.Duration
	notifies, polls          int
	duplicates, contradicted int
	// answers holds, by sequence number, the outcome of payments whose
	// answer was final at once (1 approved, 2 declined, 0 other): a
	// notification of one confirms or contradicts that answer. A byte a
	// payment, kept only when the target tells final states later.
	answers []uint8
}

// maxAnswerSeq bounds answers: a sequence number past it (a damaged file)
// is not kept.
const maxAnswerSeq = 1 << 28

// answerFinal takes a payment whose final answer was approved or declined.
func (s *settleAcc) answerFinal(a *record.Attempt) {
	if a.Seq >= maxAnswerSeq {
		return
	}
	if int(a.Seq) >= len(s.answers) {
		s.answers = append(s.answers, make([]uint8, int(a.Seq)+1-len(s.answers))...)
	}
	s.answers[a.Seq] = answerCode(a.Outcome)
}

func answerCode(o record.Outcome) uint8 {
	switch o {
	case record.Approved:
		return 1
	case record.Declined:
		return 2
	}
	return 0
}

// confirmations counts, among the payments answered final at once, the
// first final state told later that says the same (a duplicate) or
// otherwise (a contradiction); told again after it, add counted already.
func (s *settleAcc) confirmations() (same, other int) {
	for seq, f := range s.final {
		if _, ok := s.pending[seq]; ok || seq >= uint64(len(s.answers)) || s.answers[seq] == 0 {
			continue
		}
		if s.answers[seq] == answerCode(f.outcome) {
			same++
		} else {
			other++
		}
	}
	return same, other
}

type pendingAnswer struct{ scheduled, answered time.Duration }
type told struct {
	at      time.Duration
	outcome record.Outcome
	polled  bool // told by a poll, not a notification
}

func (s *settleAcc) answer(a *record.Attempt) {
	s.init()
	s.pending[a.Seq] = pendingAnswer{scheduled: a.Scheduled, answered: a.End()}
}

func (s *settleAcc) init() {
	if s.pending == nil {
		s.pending, s.final, s.asked = map[uint64]pendingAnswer{}, map[uint64]told{}, map[uint64]time.Duration{}
	}
}

func (s *settleAcc) add(a *record.Attempt) {
	s.init()
	if a.Call == record.Notify {
		s.notifies++
	} else {
		s.polls++
	}
	if a.Call == record.Status && a.Outcome == record.Pending && a.Sent > s.asked[a.Seq] {
		s.asked[a.Seq] = a.Sent
	}
	if a.Outcome == record.Pending || a.Status != 0 && (a.Status < 200 || a.Status > 299) || a.Outcome == "" || a.Outcome == record.NotSent ||
		a.Outcome == record.Timeout || a.Outcome == record.ConnError {
		return // an intermediate state, or a poll that got no state
	}
	if f, ok := s.final[a.Seq]; ok {
		if f.outcome == a.Outcome {
			s.duplicates++
		} else {
			s.contradicted++
		}
		if a.End() >= f.at {
			return
		}
	}
	s.final[a.Seq] = told{at: a.End(), outcome: a.Outcome, polled: a.Call == record.Status}
}

// settleWin accumulates one window.
type settleWin struct {
	w    SettleWindow
	hist *hdrhistogram.Histogram
}

func (w *settleWin) add(d time.Duration, settled bool) {
	w.w.Pending++
	if !settled {
		w.w.Unsettled++
		return
	}
	w.w.Settled++
	w.hist.RecordValue(min(max(d.Microseconds(), 1), maxLatencyUS))
}

func (w *settleWin) done() SettleWindow {
	if w.w.Settled > 0 {
		w.w.LatencyMS = percentiles(w.hist)
	}
	return w.w
}

func newSettleWin(name string) *settleWin {
	return &settleWin{w: SettleWindow{Name: name}, hist: hdrhistogram.New(1, maxLatencyUS, 3)}
}

// stats summarises the pass; nil when the run has no final states to
// wait for (no webhooks, no polling).
func (s *settleAcc) stats(r *Run, events []faultEvent) *Settle {
	if !r.Scenario.Target.Async() {
		return nil
	}
	limit := r.Scenario.Target.SettleTime()
	same, other := s.confirmations()
	out := &Settle{LimitS: limit.Seconds(), Notifications: s.notifies, Polls: s.polls, Duplicates: s.duplicates + same, Contradictions: s.contradicted + other}
	if w := r.Meta.Webhooks; w != nil {
		out.Unknown = w.Unknown
	}
	all := newSettleWin("")
	spans := r.Plan.Spans()
	phases := make([]*settleWin, len(spans))
	for i, sp := range spans {
		phases[i] = newSettleWin(sp.Name)
	}
	faults := make([]*settleWin, len(events))
	for i, e := range events {
		faults[i] = newSettleWin(e.Name)
	}
	for seq, p := range s.pending {
		f, ok := s.final[seq]
		d := f.at - p.answered
		settled := ok && d <= limit
		all.add(d, settled)
		if settled {
			out.Outcomes.add(f.outcome)
		}
		for i, sp := range spans {
			if p.scheduled >= sp.Start && (p.scheduled < sp.End || i == len(spans)-1) {
				phases[i].add(d, settled)
				break
			}
		}
		for i, e := range events {
			start, end := faultSpan(e)
			if at := p.answered.Seconds(); at >= start && at < end {
				faults[i].add(d, settled)
			}
		}
	}
	a := all.done()
	out.Pending, out.Settled, out.Unsettled, out.LatencyMS = a.Pending, a.Settled, a.Unsettled, a.LatencyMS
	for _, w := range phases {
		out.Phases = append(out.Phases, w.done())
	}
	for _, w := range faults {
		if w.w.Pending > 0 {
			out.Faults = append(out.Faults, w.done())
		}
	}
	return out
}
