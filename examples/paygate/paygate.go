// Package paygate is a small payment gateway shaped like the real ones that
// README's "Testing your own service" sections point authquake at: OAuth2
// client-credentials tokens that expire, requests signed with HMAC-SHA256,
// accounts opened one by one or in bulk, and (in async mode) payments
// decided later and told by webhook or by a status endpoint. It keeps its
// ledger in memory and serves it for the audit (ledger kind http).
//
// Run it with go run ./examples/paygate/cmd/paygate; its example scenarios
// (auth.yaml, signed.yaml, bulk-setup.yaml, async.yaml) run against it, and
// example_test.go runs each.
package paygate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config says which of a real gateway's habits it has.
type Config struct {
	// ClientSecret, when set, requires a bearer token from POST
	// /oauth/token (client credentials with this secret) on every payment.
	ClientSecret string
	// TokenTTL is how long a token lives; default a minute.
	TokenTTL time.Duration
	// HMACKey, when set, requires X-Signature: hex HMAC-SHA256 over
	// "METHOD\nPATH\nX-Timestamp\nX-Nonce\nBODY", the timestamp within 5
	// minutes and the nonce never seen before.
	HMACKey string
	// OpenAccounts opens an unknown account at its first payment with a
	// limit of 1,000,000; otherwise accounts come from POST /v1/accounts or
	// POST /v1/accounts/bulk.
	OpenAccounts bool
	// Async, when set, decides payments later and tells them by webhook.
	Async *Async
}

// Gateway is the service; its zero value is not usable: New.
type Gateway struct {
	cfg      Config
	mu       sync.Mutex
	tokens   map[string]time.Time // token -> expiry
	nonces   map[string]bool
	accounts map[string]*account
	payments map[string]*payment // by idempotency key
	byID     map[string]*payment
	async    asyncState
	ids      int
	calls    map[string]int // by route, for the examples' figures
}

type account struct {
	ID    string `json:"id"`
	Limit int64  `json:"limit_minor"`
	Held  int64  `json:"held_minor"`
}

type payment struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Account  string `json:"account_id"`
	Amount   int64  `json:"amount_minor"`
	Status   string `json:"status"`
	Code     string `json:"code,omitempty"`
	answer   int
	answered []byte
}

// New returns a gateway with cfg's habits.
func New(cfg Config) *Gateway {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Minute
	}
	g := &Gateway{cfg: cfg, tokens: map[string]time.Time{}, nonces: map[string]bool{},
		accounts: map[string]*account{}, payments: map[string]*payment{}, byID: map[string]*payment{}, calls: map[string]int{}}
	if a := cfg.Async; a != nil {
		if a.Delay <= 0 {
			a.Delay = 500 * time.Millisecond
		}
		g.async.rng = rand.New(rand.NewPCG(a.Seed, 1))
	}
	return g
}

// Calls returns how many calls each route took.
func (g *Gateway) Calls() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.calls))
	for k, v := range g.calls {
		out[k] = v
	}
	return out
}

// ServeHTTP routes a request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	if strings.HasPrefix(r.URL.Path, "/v1/payments/") {
		route = r.Method + " /v1/payments/{id}"
	}
	g.mu.Lock()
	g.calls[route]++
	g.mu.Unlock()
	switch route {
	case "POST /oauth/token":
		g.token(w, r)
	case "POST /v1/accounts":
		g.openAccount(w, r)
	case "POST /v1/accounts/bulk":
		g.openAccounts(w, r)
	case "POST /v1/payments":
		g.authorize(w, r)
	case "GET /v1/payments/{id}":
		g.status(w, r)
	case "GET /v1/ledger/accounts":
		g.ledger(w, func() any { return values(g.accounts) })
	case "GET /v1/ledger/payments":
		g.ledger(w, func() any { return values(g.payments) })
	default:
		reply(w, 404, map[string]string{"code": "not_found", "reason": route})
	}
}

// openAccount opens one account: {"id", "limit_minor"}.
func (g *Gateway) openAccount(w http.ResponseWriter, r *http.Request) {
	var a account
	if json.NewDecoder(r.Body).Decode(&a) != nil || a.ID == "" || a.Limit <= 0 {
		reply(w, 400, map[string]string{"code": "bad_request"})
		return
	}
	g.mu.Lock()
	g.accounts[a.ID] = &account{ID: a.ID, Limit: a.Limit}
	g.mu.Unlock()
	reply(w, 201, map[string]string{"id": a.ID})
}

// openAccounts opens many accounts at once: {"accounts": [{"id", "limit_minor"}, ...]}.
func (g *Gateway) openAccounts(w http.ResponseWriter, r *http.Request) {
	var req struct{ Accounts []account }
	if json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Accounts) == 0 || len(req.Accounts) > 1000 {
		reply(w, 400, map[string]string{"code": "bad_request", "reason": "1 to 1000 accounts"})
		return
	}
	g.mu.Lock()
	for _, a := range req.Accounts {
		g.accounts[a.ID] = &account{ID: a.ID, Limit: a.Limit}
	}
	g.mu.Unlock()
	reply(w, 201, map[string]int{"opened": len(req.Accounts)})
}

// ledger serves a list of the gateway's books, as the audit reads them.
func (g *Gateway) ledger(w http.ResponseWriter, list func() any) {
	g.mu.Lock()
	b, _ := json.Marshal(list())
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func values[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func reply(w http.ResponseWriter, status int, v any) []byte {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return b
}

func (g *Gateway) nextID(prefix string) string {
	g.ids++
	return fmt.Sprintf("%s_%d", prefix, g.ids)
}
