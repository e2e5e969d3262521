package risk

import "testing"

func TestEvaluate(t *testing.T) {
	pol := func(s Strictness) Policy {
		p, err := PolicyFor(s, DefaultMerchants)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		s    Strictness
		in   Input
		want string
	}{
		// An ordinary payment passes at normal strictness.
		{"normal ok", Normal, Input{AmountMinor: 5000, LimitMinor: 10000, Recent: 2, MerchantID: "mrc-0001"}, ""},
		// The same payment is declined for its amount when strict (over half the limit).
		{"strict amount", Strict, Input{AmountMinor: 5001, LimitMinor: 10000, MerchantID: "mrc-0001"}, RuleAmount},
		// Exactly half the limit is still allowed when strict.
		{"strict amount boundary", Strict, Input{AmountMinor: 5000, LimitMinor: 10000, MerchantID: "mrc-0001"}, ""},
		// A blocked merchant is declined at normal strictness.
		{"blocked merchant", Normal, Input{AmountMinor: 1, LimitMinor: 10000, MerchantID: "mrc-blocked-7"}, RuleMerchant},
		// A high-risk merchant passes at normal strictness...
		{"high risk normal", Normal, Input{AmountMinor: 1, LimitMinor: 10000, MerchantID: "mrc-hr-3"}, ""},
		// ...and is declined when strict.
		{"high risk strict", Strict, Input{AmountMinor: 1, LimitMinor: 10000, MerchantID: "mrc-hr-3"}, RuleMerchant},
		// The 30th payment in the window is declined at normal strictness.
		{"velocity normal", Normal, Input{AmountMinor: 1, LimitMinor: 10000, Recent: 30, MerchantID: "mrc-1"}, RuleVelocity},
		// The 29th is not.
		{"velocity normal under", Normal, Input{AmountMinor: 1, LimitMinor: 10000, Recent: 29, MerchantID: "mrc-1"}, ""},
		// Paranoid declines a fourth payment a minute: a normal shopper's burst.
		{"velocity paranoid", Paranoid, Input{AmountMinor: 1, LimitMinor: 10000, Recent: 3, MerchantID: "mrc-1"}, RuleVelocity},
		// Off lets even a blocked merchant through.
		{"off", Off, Input{AmountMinor: 99999, LimitMinor: 1, Recent: 1000, MerchantID: "mrc-blocked-1"}, ""},
		// Merchant is checked before velocity.
		{"order", Strict, Input{AmountMinor: 9000, LimitMinor: 10000, Recent: 100, MerchantID: "mrc-hr-1"}, RuleMerchant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pol(tt.s).Evaluate(tt.in); got != tt.want {
				t.Errorf("Evaluate(%+v) at %d = %q, want %q", tt.in, tt.s, got, tt.want)
			}
		})
	}
}

func TestPolicyForRejectsUnknownLevel(t *testing.T) {
	for _, s := range []Strictness{-1, 4} {
		if _, err := PolicyFor(s, DefaultMerchants); err == nil {
			t.Errorf("PolicyFor(%d): want error", s)
		}
	}
}
