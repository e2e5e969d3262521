package authsim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/rundir"
)

type creditParams struct {
	// Share of the accounts affected, e.g. 0.1.
	Share float64 `yaml:"share"`
	// Exactly one of: Factor scales their limits, Limit sets them, Freeze freezes them.
	Factor *float64 `yaml:"factor"`
	Limit  *int64   `yaml:"limit"`
	Freeze bool     `yaml:"freeze"`
}

// accountState is an account's limit and freeze, as authsim's bulk API
// reports and restores them.
type accountState struct {
	ID         string `json:"id"`
	LimitMinor int64  `json:"limit_minor"`
	Frozen     bool   `json:"frozen"`
}

type creditFault struct {
	a      admin
	p      creditParams
	ids    []string
	before []accountState
}

func (f *creditFault) Inject(ctx context.Context) error {
	change := map[string]any{"ids": f.ids}
	switch {
	case f.p.Factor != nil:
		change["limit_factor"] = *f.p.Factor
	case f.p.Limit != nil:
		change["limit_minor"] = *f.p.Limit
	default:
		change["frozen"] = true
	}
	var out struct {
		Before []accountState `json:"before"`
	}
	err := f.a.do(ctx, "POST", "/admin/accounts/bulk", change, &out)
	f.before = out.Before
	return err
}

func (f *creditFault) Revert(ctx context.Context) error {
	if len(f.before) == 0 {
		return nil
	}
	// Put back only the field this fault changed, so that overlapping
	// credit faults can end in any order.
	restore := make([]map[string]any, len(f.before))
	for i, b := range f.before {
		restore[i] = map[string]any{"id": b.ID}
		if f.p.Freeze {
			restore[i]["frozen"] = b.Frozen
		} else {
			restore[i]["limit_minor"] = b.LimitMinor
		}
	}
	return f.a.do(ctx, "POST", "/admin/accounts/restore", map[string]any{"accounts": restore}, nil)
}

// Details lists each changed account with its limit and freeze before and
// after, as the audit reads them (rundir.LimitChanges).
func (f *creditFault) Details() any {
	out := make([]rundir.LimitChange, len(f.before))
	for i, b := range f.before {
		c := rundir.LimitChange{ID: b.ID, LimitBefore: &b.LimitMinor, LimitAfter: b.LimitMinor, FrozenBefore: b.Frozen, FrozenAfter: b.Frozen || f.p.Freeze}
		if f.p.Factor != nil {
			c.LimitAfter = int64(math.Floor(float64(b.LimitMinor) * *f.p.Factor))
		} else if f.p.Limit != nil {
			c.LimitAfter = *f.p.Limit
		}
		out[i] = c
	}
	field := rundir.LimitField
	if f.p.Freeze {
		field = rundir.FrozenField
	}
	return rundir.LimitChanges{Accounts: out, Field: field}
}

// pickAccounts chooses share of the accounts, the same ones for the same
// seed and fault. Floyd's sampling draws them in memory for the chosen
// accounts only, not for all of them.
func pickAccounts(env fault.Env, id string, share float64) []string {
	n := int(math.Round(share * float64(env.AccountCount)))
	h := uint64(14695981039346656037)
	for _, c := range []byte(id) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	rng := rand.New(rand.NewPCG(env.Seed, h))
	chosen := make(map[int]bool, n)
	ids := make([]string, 0, n)
	for j := env.AccountCount - n; j < env.AccountCount; j++ {
		i := rng.IntN(j + 1)
		if chosen[i] {
			i = j
		}
		chosen[i] = true
		ids = append(ids, fmt.Sprintf("%s%06d", env.AccountPrefix, i+1))
	}
	return ids
}

var creditLimitKind = serviceKind("credit_limit", "lowers or freezes the credit lines of a share of the accounts while payments are in flight", fault.Always(fault.Declines),
	[]string{"share: of the accounts, e.g. 0.1", "factor: scale their limits, e.g. 0.5", "limit: set their limits (minor units)", "freeze: freeze them"},
	func(p *creditParams) []fault.ParamError {
		var errs []fault.ParamError
		if p.Share <= 0 || p.Share > 1 {
			errs = append(errs, fault.ParamError{Param: "share", Msg: "is required: more than 0, at most 1"})
		}
		n := 0
		for _, set := range []bool{p.Factor != nil, p.Limit != nil, p.Freeze} {
			if set {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fault.ParamError{Msg: "give exactly one of factor, limit and freeze"})
		}
		if p.Factor != nil && (*p.Factor < 0 || *p.Factor > 100) {
			errs = append(errs, fault.ParamError{Param: "factor", Msg: "must be from 0 to 100"})
		}
		if p.Limit != nil && *p.Limit < 0 {
			errs = append(errs, fault.ParamError{Param: "limit", Msg: "must be 0 or more"})
		}
		return errs
	},
	func(p *creditParams, a admin, s fault.Spec, env fault.Env) fault.Fault {
		return &creditFault{a: a, p: *p, ids: pickAccounts(env, s.ID, p.Share)}
	})
