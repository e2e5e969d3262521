package traffic

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
)

func stream(t *testing.T, yaml string, seed uint64) *Stream {
	t.Helper()
	s, _, err := scenario.Parse("t.yaml", []byte("name: t\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return NewStream(s, seed)
}

func TestSameSeedSamePayments(t *testing.T) {
	a := stream(t, "requests: {client: {duplicate_share: 0.1}}", 7)
	b := stream(t, "requests: {client: {duplicate_share: 0.1}}", 7)
	c := stream(t, "requests: {client: {duplicate_share: 0.1}}", 8)
	differ := 0
	// Generated out of order on purpose: a payment depends on seed and seq only.
	for seq := uint64(999); seq < 1000; seq-- {
		pa, pb := a.Payment(seq), b.Payment(seq)
		if pa != pb {
			t.Fatalf("seq %d: %+v vs %+v", seq, pa, pb)
		}
		if pa.AccountID != c.Payment(seq).AccountID {
			differ++
		}
	}
	if differ < 900 {
		t.Errorf("another seed changed only %d of 1000 accounts", differ)
	}
}

func TestStreamDistributions(t *testing.T) {
	st := stream(t, `accounts: {count: 1000, hot_share: 0.01, hot_traffic: 0.5}
requests:
  amount: {distribution: lognormal, min: 100, max: 100000, median: 2000}
  merchants: {count: 100, high_risk_share: 0.1}
  client: {duplicate_share: 0.05}
`, 1)
	const n = 20000
	var hot, highRisk, dups, below int
	keys := map[string]int{}
	for seq := uint64(0); seq < n; seq++ {
		p := st.Payment(seq)
		if p.AmountMinor < 100 || p.AmountMinor > 100000 {
			t.Fatalf("amount %d outside min..max", p.AmountMinor)
		}
		if p.AmountMinor < 2000 {
			below++
		}
		if p.AccountID <= "acct-000010" {
			hot++
		}
		if strings.HasPrefix(p.MerchantID, "mrc-hr-") {
			highRisk++
		}
		if p.Duplicate {
			dups++
			if p.Of >= p.Seq || st.Payment(p.Of).IdempotencyKey != p.IdempotencyKey || st.Payment(p.Of).Duplicate {
				t.Fatalf("duplicate %+v does not repeat an earlier original", p)
			}
		}
		keys[p.IdempotencyKey]++
	}
	within := func(name string, got int, want, tol float64) {
		if f := float64(got) / n; f < want-tol || f > want+tol {
			t.Errorf("%s: %.3f, want %.3f±%.3f", name, f, want, tol)
		}
	}
	within("hot accounts' share", hot, 0.5+0.5*0.01, 0.02)
	within("high-risk merchants' share", highRisk, 0.1, 0.01)
	within("duplicates", dups, 0.05, 0.01)
	within("amounts below the median", below, 0.5, 0.02)
	if len(keys) != n-dups {
		t.Errorf("%d distinct keys for %d payments with %d duplicates", len(keys), n, dups)
	}
}

func TestKeyPrefix(t *testing.T) {
	tests := []struct {
		yaml, want string
	}{
		// Unset: the default prefix (a run replaces it with one of its own).
		{"", "aq-5-3"},
		// Pinned by the scenario.
		{"requests: {key_prefix: shop}", "shop-5-3"},
	}
	for _, tt := range tests {
		if got := stream(t, tt.yaml, 5).Payment(3).IdempotencyKey; got != tt.want {
			t.Errorf("%q: key %s, want %s", tt.yaml, got, tt.want)
		}
	}
	// Two nonces, two prefixes: a rerun with the same seed sends other keys.
	if a, b := UniqueKeyPrefix(1), UniqueKeyPrefix(2); a == b || !strings.HasPrefix(a, DefaultKeyPrefix+"-") {
		t.Errorf("prefixes %s and %s", a, b)
	}
}
