package traffic

import (
	"iter"
	"math"
	"math/rand/v2"

	"github.com/authquake/authquake/harness/scenario"
)

// Account is one of the scenario's accounts as authquake provisions it: its
// id in authquake's numbering, and its credit limit drawn from the scenario's
// limit distribution under the seed.
type Account struct {
	Index int    // from 0; the payment stream picks accounts by index
	ID    string // PREFIX000001 onwards
	Limit int64  // minor units
}

// Accounts are a scenario's accounts under a seed, drawn on demand: account
// i's limit is a function of the seed and i alone, so that any account can
// be had without the others and a scenario of 100 M accounts costs nothing
// until an account is asked for. The same seed gives the same limits.
// Lognormal limits have their median at the geometric mean of min and max,
// with 95% of them inside [min, max]; the rest are clamped.
type Accounts struct {
	a    scenario.Accounts
	seed uint64
}

// NewAccounts returns the accounts of a under seed.
func NewAccounts(a scenario.Accounts, seed uint64) Accounts { return Accounts{a: a, seed: seed} }

// Count is how many accounts there are.
func (as Accounts) Count() int { return as.a.Count }

// At returns account i (from 0).
func (as Accounts) At(i int) Account {
	var buf [64]byte
	return Account{Index: i, ID: AccountID(buf[:0], as.a.Prefix, i), Limit: AccountLimit(as.seed, i, as.a.Limit.Min, as.a.Limit.Max, as.a.Limit.Distribution)}
}

// All yields every account in index order, one at a time.
func (as Accounts) All() iter.Seq[Account] {
	return func(yield func(Account) bool) {
		for i := range as.a.Count {
			if !yield(as.At(i)) {
				return
			}
		}
	}
}

// AccountLimit is account i's limit under seed: drawn from a generator of
// its own, seeded with the seed and i. authsim's seed call draws the same
// (targets/authsim/server: SeedAccounts).
func AccountLimit(seed uint64, i int, lo, hi int64, dist string) int64 {
	rng := rand.New(rand.NewPCG(seed, accountStream(i)))
	if dist == "lognormal" {
		mu := (math.Log(float64(lo)) + math.Log(float64(hi))) / 2
		sigma := (math.Log(float64(hi)) - math.Log(float64(lo))) / 4
		return min(max(int64(math.Exp(mu+sigma*rng.NormFloat64())), lo), hi)
	}
	return lo + rng.Int64N(hi-lo+1)
}

// accountStream spreads account indexes over the generator's second seed
// word (splitmix64's finaliser), so that neighbours share nothing.
func accountStream(i int) uint64 {
	z := uint64(i) + 0x5eed_9e37_79b9_7f4a
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// AccountID is the id of account index i (from 0): prefix and i+1 padded to
// six digits, e.g. acct-000042. buf is scratch space.
func AccountID(buf []byte, prefix string, i int) string {
	return string(pad(append(buf, prefix...), i+1, 6))
}
