package scenario

import (
	"fmt"
	"math"
	"time"
)

// The request and response shape of authsim, the default target.
const (
	DefaultBody = `{"account_id":"{{.AccountID}}","amount_minor":{{.AmountMinor}},"currency":"{{.Currency}}","merchant_id":"{{.MerchantID}}"}`
	DefaultPath = "/v1/authorizations"
)

// Defaults fills every unset field with its documented default.
func (s *Scenario) Defaults() {
	t := &s.Target
	def(&t.Kind, TargetAuthsim)
	if t.Kind == TargetAuthsim && t.Authsim == nil {
		t.Authsim = &AuthsimTarget{}
	}
	def(&t.Request.Method, "POST")
	def(&t.Request.Path, DefaultPath)
	def(&t.Request.Body, DefaultBody)
	if t.Request.Headers == nil {
		t.Request.Headers = map[string]string{"Content-Type": "application/json", "Idempotency-Key": "{{.IdempotencyKey}}"}
	}
	if t.Auth != nil {
		t.Auth.defaults()
	}
	if t.Request.Sign != nil {
		t.Request.Sign.defaults()
	}
	t.Response.defaults()
	for _, call := range []*RequestTemplate{t.Capture, t.Void, t.Reverse} {
		if call != nil && call.Response != nil {
			call.Response.defaults()
		}
	}
	a := &s.Accounts
	def(&a.Count, 1000)
	def(&a.Prefix, "acct-")
	def(&a.Limit.Min, 10_000)
	def(&a.Limit.Max, max(500_000, a.Limit.Min))
	def(&a.Limit.Distribution, "lognormal")
	q := &s.Requests
	def(&q.Amount.Distribution, "lognormal")
	def(&q.Amount.Min, 100)
	def(&q.Amount.Max, max(50_000, q.Amount.Min))
	def(&q.Amount.Median, min(max(2_500, q.Amount.Min), q.Amount.Max))
	def(&q.Currency, "EUR")
	def(&q.Merchants.Count, 200)
	c := &q.Client
	def(&c.Timeout, Duration(2*time.Second))
	def(&c.MaxAnswerBytes, DefaultMaxAnswerBytes)
	def(&c.Retries.MaxAttempts, 1)
	def(&c.Retries.Backoff, Duration(100*time.Millisecond))
	def(&c.Retries.MaxBackoff, Duration(2*time.Second))
	if c.Retries.On == nil {
		c.Retries.On = []string{RetryTimeout, RetryConnError, RetryShed}
	}
	for i := range s.Traffic.Phases {
		def(&s.Traffic.Phases[i].Name, fmt.Sprintf("phase-%d", i+1))
	}
	for i := range s.Faults {
		f := &s.Faults[i]
		def(&f.Name, fmt.Sprintf("%s@%s", f.Kind, f.At.D()))
	}
	if s.Setup != nil {
		s.Setup.defaults()
	}
	s.ledgerDefaults()
	s.flowDefaults()
	s.asyncDefaults()
	def(&s.SLO.RecoveredAfter, Duration(3*time.Second))
	for i := range s.StopWhen {
		def(&s.StopWhen[i].For, Duration(5*time.Second))
	}
}

// defaults fills a response block: authsim's statuses, code and reason
// paths, and the replay contract.
func (r *ResponseRules) defaults() {
	if r.Approved == nil {
		r.Approved = []int{200, 201}
	}
	if r.Declined == nil {
		r.Declined = []int{402}
	}
	def(&r.Code, r.CodeField) // the older spelling, if given
	def(&r.Reason, r.ReasonField)
	def(&r.Code, "code")
	def(&r.Reason, "reason")
	if r.DuplicateKey == nil {
		r.DuplicateKey = DuplicateContract{DuplicateReplay}
	}
	if r.Generic == nil {
		r.Generic = []string{"error", "internal_error", "unknown", "failed", "try_again_later"}
	}
}

func def[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// Duration returns the length of the whole traffic timeline.
func (t Traffic) Duration() time.Duration {
	var d time.Duration
	for _, p := range t.Phases {
		d += p.Duration.D()
	}
	return d
}

// Scale multiplies every phase length and every fault offset and duration by
// f (--duration-scale), so that CI can run a scenario in seconds. With
// accounts.scale_with_duration the account count scales too (at least 1),
// so that each account receives as many payments as unscaled. SLOs and stop
// conditions are about the service, not the scenario, and keep their
// lengths. ScaleWarning says when a scaled run misses what the scenario is for.
func (s *Scenario) Scale(f float64) {
	if f == 1 || f <= 0 {
		return
	}
	if s.Accounts.ScaleWithDuration {
		s.Accounts.Count = max(1, int(math.Round(float64(s.Accounts.Count)*f)))
	}
	sc := func(d *Duration) { *d = Duration(float64(*d) * f) }
	for i := range s.Traffic.Phases {
		p := &s.Traffic.Phases[i]
		sc(&p.Duration)
		sc(&p.Rise)
		sc(&p.Hold)
		sc(&p.Period)
	}
	for i := range s.Faults {
		sc(&s.Faults[i].At)
		sc(&s.Faults[i].Duration)
	}
}
