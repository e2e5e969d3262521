package authsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/targets/authsim/ledger"
)

// kind is the module's fault kind of that name.
func kind(t *testing.T, name string) fault.Kind {
	t.Helper()
	for _, k := range (Module{}).Faults() {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("authsim adds no fault kind %q", name)
	return fault.Kind{}
}

// fakeAdmin is authsim's admin API as far as its faults use it: it records
// each call as "METHOD PATH BODY" and answers the bulk change with the
// accounts' state before it.
func fakeAdmin(t *testing.T) (*httptest.Server, *[]string) {
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		b, _ := io.ReadAll(r.Body)
		calls = append(calls, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(b)))
		switch r.URL.Path {
		case "/admin/state":
			w.Write([]byte(`{"strictness":1}`))
		case "/admin/accounts/bulk":
			var in struct{ IDs []string }
			json.Unmarshal(b, &in)
			before := make([]accountState, len(in.IDs))
			for i, id := range in.IDs {
				before[i] = accountState{ID: id, LimitMinor: 1000}
			}
			json.NewEncoder(w).Encode(map[string]any{"before": before})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestAuthsimFaults injects and reverts each of authsim's faults against a
// fake admin API: each puts back what it changed, and only that; and each
// says what it does to payments (maintenance fails them, the others decline).
func TestAuthsimFaults(t *testing.T) {
	for _, c := range []struct {
		name   string
		kind   string
		params map[string]any
		want   []string // the calls, in order
		effect fault.Effect
	}{
		// Maintenance on, with its Retry-After, then off.
		{"maintenance", "maintenance", map[string]any{"retry_after": "5s"},
			[]string{`PUT /admin/maintenance {"on":true,"retry_after_s":5}`, `PUT /admin/maintenance {"on":false}`}, fault.Fails},
		// Risk reads the level it replaces, and puts that back.
		{"risk", "risk_strictness", map[string]any{"level": 3},
			[]string{"GET /admin/state ", `PUT /admin/risk {"strictness":3}`, `PUT /admin/risk {"strictness":1}`}, fault.Declines},
		// A lowered limit restores the limit only, so that a freeze ending later is not undone.
		{"credit limit", "credit_limit", map[string]any{"share": 0.5, "factor": 0.5},
			[]string{`POST /admin/accounts/bulk {"ids":["acct-000002","acct-000001"],"limit_factor":0.5}`,
				`POST /admin/accounts/restore {"accounts":[{"id":"acct-000002","limit_minor":1000},{"id":"acct-000001","limit_minor":1000}]}`}, fault.Declines},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, calls := fakeAdmin(t)
			k := kind(t, c.kind)
			env := fault.Env{Admin: srv.URL, AdminToken: "tok", AccountPrefix: "acct-", AccountCount: 4, Seed: 7}
			f, err := k.Build(fault.Spec{ID: "f0", Kind: c.kind, Params: c.params}, env)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Inject(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := f.Revert(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(*calls, c.want) {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(*calls, "\n"), strings.Join(c.want, "\n"))
			}
			if got := k.Effect(fault.Spec{Kind: c.kind, Params: c.params}, 2*time.Second); got != c.effect {
				t.Errorf("effect %s, want %s", got, c.effect)
			}
			if got := (rundir.Event{Kind: c.kind, Params: c.params}).EffectOn(2 * time.Second); got != c.effect {
				t.Errorf("effect read from an older timeline %s, want %s", got, c.effect)
			}
		})
	}
}

// TestAuthsimFaultNeedsAdmin: built without an admin API (another kind of
// target), an authsim fault says what to use instead.
func TestAuthsimFaultNeedsAdmin(t *testing.T) {
	k := kind(t, "maintenance")
	if _, err := k.Build(fault.Spec{Kind: "maintenance"}, fault.Env{}); err == nil || !strings.Contains(err.Error(), "use kind http") {
		t.Errorf("Build without admin: %v", err)
	}
}

// TestPickAccounts: the same seed and fault pick the same accounts, each
// once; another fault picks its own; a share of many accounts costs memory
// for the chosen ones only (it was a permutation of all of them: 800 MB for
// 100 M accounts).
func TestPickAccounts(t *testing.T) {
	env := fault.Env{AccountPrefix: "acct-", AccountCount: 100, Seed: 42}
	a, b, other := pickAccounts(env, "f1", 0.1), pickAccounts(env, "f1", 0.1), pickAccounts(env, "f2", 0.1)
	if len(a) != 10 || !slices.Equal(a, b) || slices.Equal(a, other) {
		t.Errorf("f1 %v, again %v, f2 %v", a, b, other)
	}
	if all := pickAccounts(env, "f1", 1); len(slices.Compact(slices.Sorted(slices.Values(all)))) != 100 {
		t.Errorf("a share of 1 picked %d distinct accounts of 100", len(slices.Compact(slices.Sorted(slices.Values(all)))))
	}
	env.AccountCount = scenario.MaxAccounts
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	picked := pickAccounts(env, "f1", 1e-6)
	runtime.ReadMemStats(&after)
	if len(picked) != 100 || after.TotalAlloc-before.TotalAlloc > 1<<20 {
		t.Errorf("100 of %d accounts: %d picked, %d bytes allocated", env.AccountCount, len(picked), after.TotalAlloc-before.TotalAlloc)
	}
}

// TestBugNames: the module's list is authsim's own.
func TestBugNames(t *testing.T) {
	if !slices.Equal(Bugs, ledger.BugNames()) {
		t.Errorf("module's bugs %v, authsim's %v", Bugs, ledger.BugNames())
	}
}
