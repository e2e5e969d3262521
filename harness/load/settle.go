package load

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// Settlement follows the payments a service answered pending until their
// final state comes, by webhook (Notify) or by polling (poll.go), and
// records each notification or poll as a call of its payment (notify,
// status) in the attempts file:
//
//	authorise ──pending──> answered() ──> waiting ──Notify / poll: approved, declined, error──> final
//	                                         └──── settle passes ──> unsettled (the analysis counts it)
//
// A notification is matched by the idempotency key it names (which says
// the payment's sequence number, so a notification that overtakes its
// answer is matched too), or by the service's id for the payment, read from
// pending answers at target.response.auth_id.
type Settlement struct {
	sd      *sender
	hook    *stateReader // nil without webhooks
	byID    bool
	poll    *poller // nil without polling
	settle  time.Duration
	prefix  string // of the run's idempotency keys: "PREFIX-SEED-"
	mu      sync.Mutex
	waiting map[uint64]*awaited // answered pending, not yet final
	ids     map[string]uint64   // the service's ids of pending payments
	notes   map[uint64]int      // notifications recorded, by payment
	early   map[string][][]byte // notifications naming an id no answer has given yet
	last    time.Time           // the last pending answer
	stats   NotifyStats
}

// NotifyStats count the notifications that reached the run, as run.json
// records them.
type NotifyStats = rundir.NotifyStats

type awaited struct {
	p        traffic.Payment
	authID   string
	answered time.Duration
}

func newSettlement(s *scenario.Scenario, sd *sender) (*Settlement, error) {
	t := s.Target
	if !t.Async() {
		return nil, nil
	}
	st := &Settlement{sd: sd, settle: t.SettleTime(), waiting: map[uint64]*awaited{}, ids: map[string]uint64{},
		notes: map[uint64]int{}, early: map[string][][]byte{},
		prefix: s.Requests.KeyPrefix + "-" + strconv.FormatUint(sd.seed, 10) + "-"}
	if w := t.Webhooks; w != nil {
		st.hook = newStateReader(w.Key, w.Status, w.Reason, w.Rules)
		st.byID = w.Match == "id"
	}
	if t.Status != nil {
		p, err := newPoller(t.Status, sd, st)
		if err != nil {
			return nil, err
		}
		st.poll = p
	}
	return st, nil
}

// answered takes a payment whose final attempt was answered pending.
func (st *Settlement) answered(p *traffic.Payment, a *record.Attempt) {
	w := &awaited{p: *p, authID: a.AuthID, answered: a.End()}
	st.mu.Lock()
	st.waiting[p.Seq] = w
	st.last = time.Now()
	var early [][]byte
	if a.AuthID != "" {
		st.ids[a.AuthID] = p.Seq
		early = st.early[a.AuthID]
		delete(st.early, a.AuthID)
	}
	st.mu.Unlock()
	for _, body := range early {
		st.Notify(body, time.Now())
	}
	if st.poll != nil {
		st.poll.start(w)
	}
}

// byIDFinal says whether an answer with this final outcome keeps its id:
// notifications are matched by id, and a service may notify of a payment
// it approved or declined at once (confirming its answer).
func (st *Settlement) byIDFinal(o record.Outcome) bool {
	return st != nil && st.byID && (o == record.Approved || o == record.Declined)
}

// answeredFinal takes the id of a payment whose final answer was final, so
// that a notification naming it is matched (and counted by the analysis as
// confirming or contradicting its answer), not unknown.
func (st *Settlement) answeredFinal(seq uint64, id string) {
	st.mu.Lock()
	st.ids[id] = seq
	early := st.early[id]
	delete(st.early, id)
	st.mu.Unlock()
	for _, body := range early {
		st.Notify(body, time.Now())
	}
}

// Notify records a notification that arrived at at; it reports whether
// the notification named a payment of this run.
func (st *Settlement) Notify(body []byte, at time.Time) bool {
	name, o, state, reason, ok := st.hook.read(body)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.stats.Received++
	if !ok || name == "" {
		st.stats.Unreadable++
		return false
	}
	seq, known := st.find(name)
	if !known {
		if st.byID && len(st.early) < 100_000 { // its answer may still be on its way
			st.early[name] = append(st.early[name], body)
			st.stats.Received--
			return true
		}
		st.stats.Unknown++
		return false
	}
	st.stats.Matched++
	p, authID := st.sd.stream.Payment(seq), ""
	if st.byID {
		authID = name
	}
	if w := st.waiting[seq]; w != nil {
		p, authID = w.p, w.authID
		if o != record.Pending {
			delete(st.waiting, seq)
		}
	}
	st.notes[seq]++
	since := at.Sub(st.sd.pacer.Began())
	a := record.Attempt{Seq: seq, Attempt: st.notes[seq], Scheduled: since, Sent: since, Outcome: o, Code: state, Reason: reason,
		Key: p.IdempotencyKey, Account: p.AccountID, Amount: p.AmountMinor, Merchant: p.MerchantID,
		Final: true, Call: record.Notify, AuthID: authID}
	st.sd.record(&a)
	return true
}

// find names the payment: by the id a pending answer gave, or by the
// sequence number its idempotency key carries.
func (st *Settlement) find(name string) (uint64, bool) {
	if st.byID {
		seq, ok := st.ids[name]
		return seq, ok
	}
	n, ok := strings.CutPrefix(name, st.prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil
}

// settled marks a payment final (a poll said so).
func (st *Settlement) settled(seq uint64) {
	st.mu.Lock()
	delete(st.waiting, seq)
	st.mu.Unlock()
}

// isWaiting says whether the payment is still waiting for its final state.
func (st *Settlement) isWaiting(seq uint64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.waiting[seq] != nil
}

// Wait returns when every payment answered pending has its final state,
// or settle after the last pending answer, or when ctx ends; then it stops
// polling.
func (st *Settlement) Wait(ctx context.Context) {
	if st == nil {
		return
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st.mu.Lock()
		open, deadline := len(st.waiting), st.last.Add(st.settle)
		st.mu.Unlock()
		if open == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	if st.poll != nil {
		st.poll.stop()
	}
}

// Stats says what notifications came; early ones are the receiver's count.
func (st *Settlement) Stats() NotifyStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.stats
	for _, bodies := range st.early { // ids no pending answer ever gave
		s.Received += int64(len(bodies))
		s.Unknown += int64(len(bodies))
	}
	return s
}

// record hands an attempt to every sink.
func (s *sender) record(a *record.Attempt) {
	for _, sink := range s.sinks {
		sink.Record(a)
	}
}
