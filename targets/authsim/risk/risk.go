// Package risk holds authsim's risk rules: velocity (authorisations per account
// in a window), the amount relative to the credit limit, and a merchant risk
// list. One knob, Strictness, tightens all three; at the higher levels normal
// payments get declined, which is the "I have credit but cannot pay" failure.
package risk

import (
	"fmt"
	"strings"
	"time"
)

// Strictness selects a Policy. Higher is stricter.
type Strictness int

// The strictness levels.
const (
	Off      Strictness = 0
	Normal   Strictness = 1 // the default
	Strict   Strictness = 2
	Paranoid Strictness = 3
)

// Rule names, carried in a decline so a report can break false declines down.
const (
	RuleVelocity = "velocity"
	RuleAmount   = "amount"
	RuleMerchant = "merchant"
)

// Policy is the set of thresholds in force at one strictness.
type Policy struct {
	// VelocityMax authorisations per account within VelocityWindow are allowed;
	// the next one is declined. 0 disables the rule.
	VelocityMax    int
	VelocityWindow time.Duration
	// AmountShare declines a payment above this share of the credit limit.
	// 0 disables the rule.
	AmountShare float64
	// HighRisk also declines merchants on the high-risk list (blocked
	// merchants are declined at every level but Off).
	HighRisk bool
	// Merchants says which merchants are blocked or high risk.
	Merchants MerchantList
}

// MerchantList matches merchant ids by prefix.
type MerchantList struct {
	Blocked  []string
	HighRisk []string
}

// DefaultMerchants is the list authsim starts with.
var DefaultMerchants = MerchantList{Blocked: []string{"mrc-blocked-"}, HighRisk: []string{"mrc-hr-"}}

// PolicyFor returns the Policy for a strictness level.
func PolicyFor(s Strictness, m MerchantList) (Policy, error) {
	p := Policy{VelocityWindow: time.Minute, Merchants: m}
	switch s {
	case Off:
		p.Merchants = MerchantList{}
	case Normal:
		p.VelocityMax = 30
	case Strict:
		p.VelocityMax, p.AmountShare, p.HighRisk = 10, 0.5, true
	case Paranoid:
		p.VelocityMax, p.AmountShare, p.HighRisk = 3, 0.2, true
	default:
		return Policy{}, fmt.Errorf("strictness %d: want 0 (off) to 3 (paranoid)", s)
	}
	return p, nil
}

// Input is what the rules look at for one payment.
type Input struct {
	AmountMinor int64
	LimitMinor  int64
	// Recent is how many authorisations the account had within the window,
	// not counting this one.
	Recent     int
	MerchantID string
}

// Evaluate returns the rule that declines the payment, or "" to let it pass.
// Rules are checked in a fixed order: merchant, velocity, amount.
func (p Policy) Evaluate(in Input) string {
	switch {
	case hasPrefix(in.MerchantID, p.Merchants.Blocked):
		return RuleMerchant
	case p.HighRisk && hasPrefix(in.MerchantID, p.Merchants.HighRisk):
		return RuleMerchant
	case p.VelocityMax > 0 && in.Recent >= p.VelocityMax:
		return RuleVelocity
	case p.AmountShare > 0 && float64(in.AmountMinor) > p.AmountShare*float64(in.LimitMinor):
		return RuleAmount
	}
	return ""
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
