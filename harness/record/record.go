// Package record saves every attempt of every payment to the run directory as
// it happens: gzip-compressed CSV, one line per attempt, flushed every second
// so that an interrupted run keeps what it measured. Memory stays flat
// however long the run. A failed request is data here: its outcome and error
// are columns, never a Go error.
package record

import "time"

// Outcome classifies an answer (or its absence) from the client's side.
type Outcome string

// The outcomes. Only Shed, Error, Timeout and ConnError are failures: a
// decline is a business answer and a rejection is the client's own fault.
//
// Pending is an asynchronous answer: the service took the payment and will
// decide later. The client knows its request arrived, so it is not
// Indeterminate, but only the ledger audit can say how it ended.
//
// Duplicate is an answer saying "I already have this key", from a service
// whose duplicate-key contract is reject (scenario duplicate_key: reject). To
// a retry or a double tap it is the service keeping its contract, neither a
// failure nor a decline; to the first attempt of a fresh payment it means two
// payments collided on one key.
const (
	Approved  Outcome = "approved"   // the payment was authorised
	Declined  Outcome = "declined"   // a business decline (insufficient credit, risk, frozen)
	Rejected  Outcome = "rejected"   // 4xx: the request was refused as malformed or conflicting
	Shed      Outcome = "shed"       // 503: explicit, fast refusal (overloaded, maintenance)
	Error     Outcome = "error"      // 5xx other than 503
	Timeout   Outcome = "timeout"    // no answer within the client's timeout
	ConnError Outcome = "conn_error" // refused, reset, EOF
	Pending   Outcome = "pending"    // accepted for later processing: confirmed only by the ledger
	Duplicate Outcome = "duplicate"  // the service already has this key (its duplicate-key contract is reject)
	// NotSent is a follow-up (capture, void, reversal) that was scheduled
	// but never sent because the run stopped first, or an attempt not sent
	// because the harness held no valid token (target.auth): recorded so
	// that nothing is lost silently.
	NotSent Outcome = "not_sent"
)

// Call is which request of a payment's flow an attempt is.
type Call string

// The calls. An attempt file older than flows holds authorisations only.
const (
	Authorize Call = "authorize" // the payment itself
	Capture   Call = "capture"   // capture of an approved authorisation
	Void      Call = "void"      // void of an approved authorisation
	Reverse   Call = "reverse"   // reversal of an authorisation that got no answer
	// Notify is a notification of a payment's state that the service sent
	// to the run's webhook receiver (target.webhooks); Status a poll of its
	// status endpoint (target.status). Neither is a follow-up: they say how
	// an authorisation answered pending ended.
	Notify Call = "notify"
	Status Call = "status"
)

// Calls lists the calls in the order reports show them.
var Calls = []Call{Authorize, Capture, Void, Reverse}

// Done reports whether a follow-up call was carried out as far as the
// client can tell: approved, or answered duplicate to a retry (a retried
// capture answered 409 "already captured": its first attempt went through,
// and the service keeps its duplicate contract).
func (a *Attempt) Done() bool {
	return a.Outcome == Approved || a.Outcome == Duplicate && a.Attempt > 1
}

// Failure reports whether the outcome counts as a failed payment.
func (o Outcome) Failure() bool {
	return o == Shed || o == Error || o == Timeout || o == ConnError
}

// Indeterminate reports whether the request may have reached the service
// without the client learning what happened: the audit must resolve it.
func (o Outcome) Indeterminate() bool { return o == Timeout || o == ConnError }

// Attempt is one HTTP attempt of one payment.
type Attempt struct {
	// Seq is the hit's sequence number: the payment it carries is a function
	// of the seed and Seq.
	Seq uint64
	// Attempt counts from 1; retries reuse the idempotency key.
	Attempt int
	// Scheduled is when the attempt was due, Sent when it was sent, both
	// since the run's base time. For a first attempt Scheduled is the open
	// model's schedule; for a retry, the end of its backoff.
	Scheduled, Sent time.Duration
	Latency         time.Duration
	Status          int
	Outcome         Outcome
	// Code and Reason are the decline or error code and reason from the body.
	Code, Reason string
	// Error describes a transport failure (timeout, connection refused...).
	Error     string
	Key       string
	Account   string
	Amount    int64
	Merchant  string
	Duplicate bool
	// Final marks the payment's last attempt: its outcome is what the user saw.
	Final bool
	// RetryAfter is the answer's Retry-After header, if any.
	RetryAfter string
	// Call is which request of the payment's flow this is; "" reads as
	// Authorize. Every figure about payments counts authorisations only.
	Call Call
	// AuthID is the service's id of the authorisation: read from an
	// approval when the flow captures or voids, and the id a capture or void
	// was sent for.
	AuthID string
}

// FollowUp reports whether the attempt is any call but the authorisation
// itself: a capture, void or reversal, or a notification or status poll
// (Settles). None of them counts as a payment.
func (a *Attempt) FollowUp() bool { return a.Call != "" && a.Call != Authorize }

// Settles reports whether the attempt tells the final state of a payment
// answered pending: a notification or a status poll.
func (a *Attempt) Settles() bool { return a.Call == Notify || a.Call == Status }

// End is when the attempt's answer (or failure) came, since the base time.
func (a *Attempt) End() time.Duration { return a.Sent + a.Latency }

// Columns is the CSV header of the attempts file.
var Columns = []string{"seq", "attempt", "scheduled_ns", "sent_ns", "latency_ns", "status", "outcome", "code",
	"reason", "error", "key", "account", "amount", "merchant", "duplicate", "final", "retry_after", "call", "auth_id"}

// Earlier versions of the header, still read: v1 without retry_after, v2
// without call and auth_id (every attempt an authorisation).
var v1Columns, v2Columns = len(Columns) - 3, len(Columns) - 2
