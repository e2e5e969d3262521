package load

import (
	"fmt"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// poller asks a status endpoint for the final state of each payment
// answered pending: every Every from its answer, on the open-model timeline
// (a timer per payment, never a worker waiting), until a final state, a
// notification that settled it, Until after its answer, or the run's end.
type poller struct {
	sd         *sender
	st         *Settlement
	method     string
	path       *text
	headers    []header
	state      *stateReader
	every, max time.Duration
	mu         sync.Mutex
	timers     map[*time.Timer]struct{}
	stopped    bool
	wg         sync.WaitGroup
}

func newPoller(c *scenario.StatusPoll, sd *sender, st *Settlement) (*poller, error) {
	p := &poller{sd: sd, st: st, method: c.Method, every: c.Every.D(), max: c.Until.D(), timers: map[*time.Timer]struct{}{},
		state: newStateReader("", c.Status, c.Reason, c.Rules)}
	var err error
	if p.path, err = compile("status path", c.Path); err != nil {
		return nil, err
	}
	if p.headers, err = compileHeaders(c.Headers); err != nil {
		return nil, err
	}
	return p, nil
}

// start schedules the first poll of a payment answered pending.
func (p *poller) start(w *awaited) { p.after(w, 1, w.answered+p.every) }

// after schedules poll n of w at due (since the base time), unless the run
// is stopping or the payment's polling time is over.
func (p *poller) after(w *awaited, n int, due time.Duration) {
	if due > w.answered+p.max {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(time.Until(p.sd.pacer.Began().Add(due)), func() {
		defer p.wg.Done()
		p.mu.Lock()
		delete(p.timers, t)
		stopped := p.stopped
		p.mu.Unlock()
		if !stopped && p.st.isWaiting(w.p.Seq) {
			p.poll(w, n, due)
		}
	})
	p.timers[t] = struct{}{}
}

// poll sends poll n and records it; a state that is not final schedules
// the next.
func (p *poller) poll(w *awaited, n int, due time.Duration) {
	began := p.sd.pacer.Began()
	a := record.Attempt{Seq: w.p.Seq, Attempt: n, Scheduled: due, Key: w.p.IdempotencyKey, Account: w.p.AccountID,
		Amount: w.p.AmountMinor, Merchant: w.p.MerchantID, Call: record.Status, AuthID: w.authID}
	u, err := p.path.renderFor([]byte(p.sd.base), &w.p, w.authID)
	if err != nil {
		p.sd.fail(fmt.Errorf("payment %d status: %w", w.p.Seq, err))
		return
	}
	req := newRequest(p.method, u)
	defer fasthttp.ReleaseRequest(req)
	for _, h := range p.headers {
		v, err := h.val.renderFor(nil, &w.p, w.authID)
		if err != nil {
			p.sd.fail(fmt.Errorf("payment %d status: %w", w.p.Seq, err))
			return
		}
		req.Header.SetBytesV(h.name, v)
	}
	start := time.Now()
	a.Sent = start.Sub(began)
	if p.sd.authorize(req, &a, nil, start) {
		if resp := p.sd.exchange(req, &a, start); resp != nil {
			if a.Status >= 200 && a.Status < 300 {
				// What the answer says at target.status.status, and only that:
				// the payment's response rules (a 200 is an approval) do not
				// read a status answer. Without a state it is still pending.
				a.Outcome, a.Code, a.Reason = record.Pending, "", ""
				if _, o, state, reason, ok := p.state.read(resp.Body()); ok {
					a.Outcome, a.Code, a.Reason = o, state, reason
				}
			}
			fasthttp.ReleaseResponse(resp)
		}
	}
	final := a.Status >= 200 && a.Status < 300 && a.Outcome != record.Pending && a.Outcome != ""
	a.Final = final || a.End()+p.every > w.answered+p.max
	p.sd.record(&a)
	if final {
		p.st.settled(w.p.Seq)
		return
	}
	p.after(w, n+1, max(due+p.every, a.End()))
}

// stop cancels every poll not yet due and waits for those under way.
func (p *poller) stop() {
	p.mu.Lock()
	p.stopped = true
	for t := range p.timers {
		if t.Stop() {
			delete(p.timers, t)
			p.wg.Done()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}
