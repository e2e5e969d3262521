package traffic

import (
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

// Accounts returns every account of scenario s under seed. The same seed
// gives the same limits. Lognormal limits have their median at the geometric
// mean of min and max, with 95% of them inside [min, max]; the rest are
// clamped.
func Accounts(s *scenario.Scenario, seed uint64) []Account {
	a := s.Accounts
	lo, hi := a.Limit.Min, a.Limit.Max
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	mu := (math.Log(float64(lo)) + math.Log(float64(hi))) / 2
	sigma := (math.Log(float64(hi)) - math.Log(float64(lo))) / 4
	out := make([]Account, a.Count)
	var buf [64]byte
	for i := range out {
		out[i] = Account{Index: i, ID: AccountID(buf[:0], a.Prefix, i)}
		if a.Limit.Distribution == "lognormal" {
			out[i].Limit = min(max(int64(math.Exp(mu+sigma*rng.NormFloat64())), lo), hi)
		} else {
			out[i].Limit = lo + rng.Int64N(hi-lo+1)
		}
	}
	return out
}

// AccountID is the id of account index i (from 0): prefix and i+1 padded to
// six digits, e.g. acct-000042. buf is scratch space.
func AccountID(buf []byte, prefix string, i int) string {
	return string(pad(append(buf, prefix...), i+1, 6))
}
