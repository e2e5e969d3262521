package traffic

import (
	"math"
	"strconv"

	"github.com/authquake/authquake/harness/scenario"
)

// Payment is one payment of the stream: what hit Seq sends.
type Payment struct {
	Seq uint64
	// Account is the index of the account (from 0), AccountID its id.
	Account   int
	AccountID string
	// AccountRef is the service's own id for the account, captured by setup;
	// AccountID when setup captured none.
	AccountRef     string
	AmountMinor    int64
	Currency       string
	MerchantID     string
	IdempotencyKey string
	// Duplicate marks a second submission of payment Of with the same key and
	// body: a user tapping "pay" twice.
	Duplicate bool
	Of        uint64
}

// Stream derives every payment from the seed and its sequence number alone,
// so the same seed and scenario give the same payments in any order, from any
// goroutine, with no shared state.
type Stream struct {
	seed     uint64
	accounts scenario.Accounts
	req      scenario.Requests
	hot      int      // number of hot accounts
	mu, sig  float64  // lognormal amount parameters
	hrCount  int      // high-risk merchants
	refs     []string // service ids by account index, from setup
}

// WithRefs gives the stream the service's own account ids (by account
// index), captured by setup, for {{.AccountRef}}. An empty ref leaves
// authquake's id in its place.
func (st *Stream) WithRefs(refs []string) *Stream {
	st.refs = refs
	return st
}

// DefaultKeyPrefix starts the idempotency keys of a stream whose scenario
// pins no prefix; a run gives itself a unique one instead (UniqueKeyPrefix).
const DefaultKeyPrefix = "aq"

// UniqueKeyPrefix returns a key prefix of its own for one run, from nonce
// (random, saved in run.json), so that a rerun with the same seed sends
// new keys.
func UniqueKeyPrefix(nonce uint32) string {
	return DefaultKeyPrefix + "-" + strconv.FormatUint(uint64(nonce), 36)
}

// NewStream returns the payment stream of scenario s under seed.
func NewStream(s *scenario.Scenario, seed uint64) *Stream {
	st := &Stream{seed: seed, accounts: s.Accounts, req: s.Requests}
	if st.req.KeyPrefix == "" {
		st.req.KeyPrefix = DefaultKeyPrefix
	}
	st.hot = int(math.Ceil(s.Accounts.HotShare * float64(s.Accounts.Count)))
	a := s.Requests.Amount
	if a.Distribution == "lognormal" {
		st.mu = math.Log(float64(a.Median))
		st.sig = math.Max(math.Log(float64(a.Max)/float64(a.Median)), math.Log(float64(a.Median)/float64(a.Min))) / 3
	}
	st.hrCount = int(math.Round(s.Requests.Merchants.HighRiskShare * float64(s.Requests.Merchants.Count)))
	return st
}

// rng is splitmix64 over (seed, seq): cheap, allocation-free and good enough
// to pick accounts and amounts.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) normal() float64 {
	u1, u2 := r.float(), r.float()
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

// Payment returns hit seq's payment.
func (st *Stream) Payment(seq uint64) Payment {
	r := rng{state: st.seed*0x2545f4914f6cdd1d ^ seq}
	c := st.req.Client
	if c.DuplicateShare > 0 && seq > 0 && r.float() < c.DuplicateShare {
		back := uint64(1 + r.intn(int(min(seq, 10))))
		p := st.Payment(seq - back)
		orig := p.Seq
		if p.Duplicate {
			orig = p.Of
		}
		p.Seq, p.Duplicate, p.Of = seq, true, orig
		return p
	}
	p := Payment{Seq: seq, Currency: st.req.Currency}
	acct := r.intn(st.accounts.Count)
	if st.hot > 0 && r.float() < st.accounts.HotTraffic {
		acct = r.intn(st.hot)
	}
	var buf [96]byte
	p.Account, p.AccountID = acct, AccountID(buf[:0], st.accounts.Prefix, acct)
	p.AccountRef = p.AccountID
	if acct < len(st.refs) && st.refs[acct] != "" {
		p.AccountRef = st.refs[acct]
	}
	p.AmountMinor = st.amount(&r)
	m := r.intn(st.req.Merchants.Count)
	prefix := "mrc-"
	if m < st.hrCount {
		prefix = "mrc-hr-"
	}
	p.MerchantID = string(pad(append(buf[:0], prefix...), m+1, 4))
	key := append(buf[:0], st.req.KeyPrefix...)
	key = append(key, '-')
	key = strconv.AppendUint(key, st.seed, 10)
	key = append(key, '-')
	p.IdempotencyKey = string(strconv.AppendUint(key, seq, 10))
	return p
}

func (st *Stream) amount(r *rng) int64 {
	a := st.req.Amount
	switch a.Distribution {
	case "fixed":
		return a.Value
	case "uniform":
		return a.Min + int64(r.next()%uint64(a.Max-a.Min+1))
	}
	v := int64(math.Round(math.Exp(st.mu + st.sig*r.normal())))
	return min(max(v, a.Min), a.Max)
}

// pad appends n to b, zero-padded to width digits (acct-000042).
func pad(b []byte, n, width int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}
