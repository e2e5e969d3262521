package scenario

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	namePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9/_.-]*$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// validator collects value problems with their paths.
type validator struct {
	src   *Source
	probs Problems
	// module checks the target module's own block (Hooks.Check); nil
	// checks only what every kind shares.
	module func(*Scenario, *Source) Problems
}

func (v *validator) errf(path, hint, format string, args ...any) {
	v.probs = append(v.probs, v.src.Errorf(path, hint, format, args...))
}

// ValidName says whether name is a valid scenario or container name: lower
// case letters, digits and / _ . -, starting with a letter or digit.
func ValidName(name string) bool { return namePattern.MatchString(name) }

func (v *validator) share(path string, x float64) {
	if x < 0 || x > 1 {
		v.errf(path, "a share is a number from 0 to 1, e.g. 0.05 for 5%", "must be from 0 to 1, not %g", x)
	}
}

// Validate checks values and their combinations after decoding and
// defaults, as far as every target kind shares them; the target module's
// own checks come with ParseWith.
func (s *Scenario) Validate(src *Source) Problems { return s.validate(src, nil) }

func (s *Scenario) validate(src *Source, module func(*Scenario, *Source) Problems) Problems {
	v := &validator{src: src, module: module}
	if s.Name == "" {
		v.errf("$.name", "e.g. name: promo/midnight-spike", "is required")
	} else if !namePattern.MatchString(s.Name) {
		v.errf("$.name", "use lower case letters, digits and / _ . -", "%q is not a valid name", s.Name)
	}
	s.validateTarget(v)
	s.validateMetrics(v)
	s.validateTraffic(v)
	s.validateRequests(v)
	s.validateSetup(v)
	s.validateLedger(v)
	s.validateFlow(v)
	a := s.Accounts
	if a.Count < 1 {
		v.errf("$.accounts.count", "", "must be at least 1")
	}
	if a.Limit.Min < 1 || a.Limit.Max < a.Limit.Min {
		v.errf("$.accounts.limit", "", "need 1 <= min <= max, got min %d, max %d", a.Limit.Min, a.Limit.Max)
	}
	if !slices.Contains([]string{"uniform", "lognormal"}, a.Limit.Distribution) {
		v.errf("$.accounts.limit.distribution", "", "must be uniform or lognormal, not %q", a.Limit.Distribution)
	}
	v.share("$.accounts.hot_share", a.HotShare)
	v.share("$.accounts.hot_traffic", a.HotTraffic)
	if a.HotTraffic > 0 && a.HotShare == 0 {
		v.errf("$.accounts.hot_traffic", "set hot_share too, e.g. 0.01", "needs hot_share: which accounts are hot")
	}
	total := s.Traffic.Duration()
	for i, f := range s.Faults {
		p := fmt.Sprintf("$.faults[%d]", i)
		if f.Kind == "" {
			v.errf(p+".kind", "authquake list shows the fault kinds", "is required")
		}
		if f.Duration <= 0 {
			v.errf(p+".duration", "e.g. duration: 30s", "must be more than 0")
		}
		if total > 0 && f.At.D() >= total {
			v.errf(p+".at", "faults happen while the load runs", "%s is at or after the end of the traffic (%s)", f.At.D(), total)
		}
	}
	if r := s.SLO.FailureRatio; r != nil {
		v.share("$.slo.failure_ratio", *r)
	}
	if r := s.SLO.AchievedRate; r != nil && (*r <= 0 || *r > 1) {
		v.errf("$.slo.achieved_rate", "the share of the offered rate that must be sent, e.g. 0.98", "must be more than 0 and at most 1")
	}
	if r := s.SLO.MaxRejectedRatio; r != nil && (*r <= 0 || *r > 1) {
		v.errf("$.slo.max_rejected_ratio", "the share of rejected or unmapped answers past which the run is an invalid test, e.g. 0.05",
			"must be more than 0 and at most 1, not %g", *r)
	}
	seen := map[string]int{} // each condition is a label of the live metrics: two alike would make every scrape fail
	for i, c := range s.StopWhen {
		p := fmt.Sprintf("$.stop_when[%d]", i)
		if (c.FailureRatio == nil) == (c.P99 == nil) {
			v.errf(p, "e.g. {failure_ratio: 0.5, for: 10s}", "give exactly one of failure_ratio and p99")
		}
		key := fmt.Sprint(deref(c.FailureRatio), deref(c.P99), c.For)
		if j, dup := seen[key]; dup {
			v.errf(p, "remove one of them", "the same condition as stop_when[%d]", j)
		} else {
			seen[key] = i
		}
		if c.FailureRatio != nil {
			v.share(p+".failure_ratio", *c.FailureRatio)
		}
	}
	s.validateLimits(v)
	return v.probs
}

// deref is *p, or "-" for nil.
func deref[T any](p *T) any {
	if p == nil {
		return "-"
	}
	return *p
}

func (s *Scenario) validateTarget(v *validator) {
	t := s.Target
	kinds := []string{TargetAuthsim, TargetContainers, TargetURL}
	if !slices.Contains(kinds, t.Kind) {
		v.errf("$.target.kind", "", "must be one of %s, not %q", strings.Join(kinds, ", "), t.Kind)
	}
	only := func(set bool, field, kind string) {
		if set && t.Kind != kind {
			v.errf("$.target."+field, "remove it or set kind: "+kind, "applies to kind %s only", kind)
		}
	}
	only(t.Authsim != nil, "authsim", TargetAuthsim)
	only(t.Containers != nil, "containers", TargetContainers)
	only(t.URL != "", "url", TargetURL)
	if v.module != nil {
		v.probs = append(v.probs, v.module(s, v.src)...)
	}
	rq := t.Request
	if !strings.HasPrefix(rq.Path, "/") {
		v.errf("$.target.request.path", "", "must start with /")
	}
	for name, text := range map[string]string{"path": rq.Path, "body": rq.Body} {
		if _, err := ParseTemplate(name, text); err != nil {
			v.errf("$.target.request."+name, "fields: .AccountID .AmountMinor .Currency .MerchantID .IdempotencyKey", "bad template: %v", err)
		}
	}
	for k, text := range rq.Headers {
		if _, err := ParseTemplate(k, text); err != nil {
			v.errf("$.target.request.headers."+k, "", "bad template: %v", err)
		}
	}
	v.headerCount("$.target.request.headers", rq.Headers)
	for call, rq := range map[string]*RequestTemplate{"capture": t.Capture, "void": t.Void, "reverse": t.Reverse} {
		if rq != nil {
			v.headerCount("$.target."+call+".headers", rq.Headers)
		}
		if rq != nil && rq.Sign != nil {
			v.errf("$.target."+call+".sign", "give sign in target.request: it signs every call of the load", "only target.request has a sign block")
		}
	}
	s.validateAuth(v)
	s.validateSign(v)
	s.validateAsync(v)
	s.validateResponse(v)
}
