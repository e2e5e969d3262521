package load

import (
	"fmt"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/valyala/fasthttp"
)

// flows schedules and sends the follow-ups of a run.
type flows struct {
	s                       *sender
	seed                    uint64
	capture, void, reverse  *callTemplate
	captureShare, voidShare float64
	ids                     *idReader // the approval's id; nil when nothing is captured or voided
	mu                      sync.Mutex
	pending                 map[*followUp]struct{} // timers not yet fired
	stopped                 bool
	wg                      sync.WaitGroup // follow-ups scheduled and not yet recorded
}

// followUp is one scheduled call of a payment's flow.
type followUp struct {
	tmpl   *callTemplate
	p      traffic.Payment
	authID string
	due    time.Duration // since the base time
	timer  *time.Timer
}

// after is called with an authorisation's final attempt: it schedules the
// payment's follow-up, if any. A double submission starts no flow of its
// own: the first submission's does.
func (f *flows) after(p *traffic.Payment, final *record.Attempt, began time.Time) {
	if p.Duplicate {
		return
	}
	var t *callTemplate
	switch final.Outcome {
	case record.Approved:
		t = f.pick(p.Seq)
	case record.Timeout, record.ConnError, record.Error:
		t = f.reverse
	}
	if t == nil {
		return
	}
	fu := &followUp{tmpl: t, p: *p, authID: final.AuthID, due: f.s.pacer.Scheduled(p.Seq) + t.after}
	if t.call != record.Reverse && fu.authID == "" {
		f.notSent(fu, "the approval has no authorisation id at target.response.auth_id")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		f.notSent(fu, "the run stopped before it was due")
		return
	}
	f.wg.Add(1)
	f.pending[fu] = struct{}{}
	// A follow-up already due (its answer came late) fires at once.
	fu.timer = time.AfterFunc(time.Until(began.Add(fu.due)), func() { f.fire(fu, began) })
}

// fire sends a follow-up that is due, in the timer's own goroutine.
func (f *flows) fire(fu *followUp, began time.Time) {
	defer f.wg.Done()
	f.mu.Lock()
	delete(f.pending, fu)
	stopped := f.stopped
	f.mu.Unlock()
	if stopped { // fired as Stop came: Stop left it to us
		f.notSent(fu, "the run stopped before it was due")
		return
	}
	due := fu.due
	backoff := f.s.client.Retries.Backoff.D()
	for attempt := 1; ; attempt++ {
		a := record.Attempt{Seq: fu.p.Seq, Attempt: attempt, Scheduled: due, Key: fu.p.IdempotencyKey, Account: fu.p.AccountID,
			Amount: fu.p.AmountMinor, Merchant: fu.p.MerchantID, Call: fu.tmpl.call, AuthID: fu.authID}
		if err := f.send(fu, &a, began); err != nil { // nothing was sent: a harness problem
			f.s.fail(fmt.Errorf("payment %d %s: %w", fu.p.Seq, fu.tmpl.call, err))
			a.Outcome, a.Error, a.Final = record.NotSent, err.Error(), true
			f.record(&a)
			return
		}
		last := attempt >= f.s.client.Retries.MaxAttempts || !f.s.retryable(&a)
		if !last {
			select {
			case <-f.s.stopping:
				last = true
			case <-time.After(f.s.jitter(fu.p.Seq, attempt, backoff)):
			}
			due = time.Since(began)
			backoff = min(2*backoff, f.s.client.Retries.MaxBackoff.D())
		}
		a.Final = last
		f.record(&a)
		if last {
			return
		}
	}
}

// send makes one attempt of a follow-up, bounded by the client's timeout.
func (f *flows) send(fu *followUp, a *record.Attempt, began time.Time) error {
	t := fu.tmpl
	body, err := t.body.renderFor(nil, &fu.p, fu.authID)
	if err != nil {
		return err
	}
	u, err := t.path.renderFor([]byte(f.s.base), &fu.p, fu.authID)
	if err != nil {
		return err
	}
	req := newRequest(t.method, u)
	defer fasthttp.ReleaseRequest(req)
	req.SetBodyRaw(body)
	for _, h := range t.headers {
		v, err := h.val.renderFor(nil, &fu.p, fu.authID)
		if err != nil {
			return err
		}
		req.Header.SetBytesV(h.name, v)
	}
	start := time.Now()
	a.Sent = start.Sub(began)
	if !f.s.authorize(req, a, body, start) {
		return nil
	}
	if resp := f.s.exchangeWith(t.classify, req, a, start); resp != nil {
		fasthttp.ReleaseResponse(resp)
	}
	return nil
}

// stop cancels every follow-up not yet due: each is recorded as not sent.
// Those already sending finish within the client's timeout.
func (f *flows) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	for fu := range f.pending {
		if fu.timer.Stop() { // else it is firing, and fire records it
			delete(f.pending, fu)
			f.notSent(fu, "the run stopped before it was due")
			f.wg.Done()
		}
	}
}

// wait returns when every follow-up scheduled has been sent or recorded as
// not sent.
func (f *flows) wait() { f.wg.Wait() }

func (f *flows) notSent(fu *followUp, why string) {
	a := record.Attempt{Seq: fu.p.Seq, Attempt: 1, Scheduled: fu.due, Key: fu.p.IdempotencyKey, Account: fu.p.AccountID,
		Amount: fu.p.AmountMinor, Merchant: fu.p.MerchantID, Call: fu.tmpl.call, AuthID: fu.authID,
		Outcome: record.NotSent, Error: why, Final: true}
	f.record(&a)
}

func (f *flows) record(a *record.Attempt) {
	for _, sink := range f.s.sinks {
		sink.Record(a)
	}
}
