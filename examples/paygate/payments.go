package paygate

import (
	"encoding/json"
	"io"
	"net/http"
)

// authorize takes a payment: {"account_id", "amount_minor", "currency",
// "merchant_id"} with an Idempotency-Key. A known key is answered with its
// first answer again (replay). The credit is held at once: 201 approved,
// or 402 declined (code 51) when it does not fit the account's limit.
func (g *Gateway) authorize(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if why, ok := g.check(r, body); !ok {
		reply(w, 401, map[string]string{"code": "unauthorized", "reason": why})
		return
	}
	var req struct {
		Account string `json:"account_id"`
		Amount  int64  `json:"amount_minor"`
		Notify  string `json:"notify_url"`
	}
	key := r.Header.Get("Idempotency-Key")
	if json.Unmarshal(body, &req) != nil || key == "" || req.Account == "" || req.Amount <= 0 {
		reply(w, 400, map[string]string{"code": "bad_request"})
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.payments[key]; ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.answer)
		w.Write(p.answered)
		return
	}
	a, ok := g.accounts[req.Account]
	if !ok && g.cfg.OpenAccounts {
		a = &account{ID: req.Account, Limit: 1_000_000}
		g.accounts[a.ID] = a
	}
	if !ok && a == nil {
		reply(w, 422, map[string]string{"code": "unknown_account"})
		return
	}
	p := &payment{ID: g.nextID("pay"), Key: key, Account: a.ID, Amount: req.Amount, Status: "approved", answer: 201}
	g.payments[key], g.byID[p.ID] = p, p
	if g.cfg.Async != nil { // held now, decided and told later
		fits := a.Held+req.Amount <= a.Limit
		a.Held += req.Amount
		g.later(w, p, fits, req.Notify)
		return
	}
	if a.Held+req.Amount > a.Limit {
		p.Status, p.Code, p.answer = "declined", "51", 402
	} else {
		a.Held += req.Amount
	}
	g.payments[key] = p
	p.answered = reply(w, p.answer, p)
}
