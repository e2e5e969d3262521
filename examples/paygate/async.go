package paygate

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Async makes the gateway decide later, as queued ledgers and wallet
// gateways do: a payment is answered 202 "PROCESSING" at once, decided after
// a random delay, and its final state told by a webhook to the notify_url of
// its request (and at GET /v1/payments/{id}). The webhook sender reorders
// (each notification its own delay), duplicates and drops notifications.
type Async struct {
	// Delay is the longest time to a decision; each payment's is uniform
	// from a tenth of it. Default 500ms.
	Delay time.Duration
	// DuplicateShare and DropShare are the shares of notifications sent
	// twice and never sent.
	DuplicateShare, DropShare float64
	// WebhookKey, when set, signs each notification: X-Signature, hex
	// HMAC-SHA256 of the body.
	WebhookKey string
	// Seed makes the delays, duplicates and drops the same run to run.
	Seed uint64
}

// Told counts what the webhook sender did.
type Told struct{ Sent, Duplicated, Dropped int }

// asyncState is the gateway's queue.
type asyncState struct {
	mu   sync.Mutex
	rng  *rand.Rand
	told Told
	wg   sync.WaitGroup
}

// Told says what the webhook sender did, once every decision is made.
func (g *Gateway) Told() Told {
	g.async.wg.Wait()
	g.async.mu.Lock()
	defer g.async.mu.Unlock()
	return g.async.told
}

// later answers a payment the gateway takes for later and schedules its
// decision; fits says whether it fits the account's limit, so that the
// decision is known now and held until it is told.
func (g *Gateway) later(w http.ResponseWriter, p *payment, fits bool, notify string) {
	a := g.cfg.Async
	g.async.mu.Lock()
	delay := a.Delay/10 + time.Duration(g.async.rng.Int64N(int64(a.Delay-a.Delay/10)+1))
	dup, drop := g.async.rng.Float64() < a.DuplicateShare, g.async.rng.Float64() < a.DropShare
	g.async.mu.Unlock()
	p.Status, p.answer = "pending", 202
	p.answered = reply(w, 202, map[string]string{"id": p.ID, "reference": p.Key, "status": "PROCESSING"})
	g.async.wg.Add(1)
	time.AfterFunc(delay, func() {
		defer g.async.wg.Done()
		g.mu.Lock()
		p.Status = "declined"
		if fits {
			p.Status = "approved"
		} else {
			g.accounts[p.Account].Held -= p.Amount
			p.Code = "51"
		}
		g.mu.Unlock()
		g.tell(p, notify, dup, drop)
	})
}

// tell sends the payment's final state to notify, once, twice, or never.
func (g *Gateway) tell(p *payment, notify string, dup, drop bool) {
	g.async.mu.Lock()
	switch {
	case drop || notify == "":
		g.async.told.Dropped++
		g.async.mu.Unlock()
		return
	case dup:
		g.async.told.Duplicated++
	}
	g.async.told.Sent++
	g.async.mu.Unlock()
	state := map[string]string{"approved": "SUCCEEDED", "declined": "FAILED"}[p.Status]
	body, _ := json.Marshal(map[string]any{"type": "payment." + strings.ToLower(state),
		"data": map[string]string{"id": p.ID, "reference": p.Key, "status": state, "code": p.Code}})
	for n := 0; n < 1 || dup && n < 2; n++ {
		for try := 0; try < 5 && !g.send(notify, body); try++ { // a webhook sender retries what is not taken
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// send posts one notification; it reports whether it was taken.
func (g *Gateway) send(notify string, body []byte) bool {
	req, err := http.NewRequest("POST", notify, bytes.NewReader(body))
	if err != nil {
		return true // nothing to retry
	}
	req.Header.Set("Content-Type", "application/json")
	if k := g.cfg.Async.WebhookKey; k != "" {
		m := hmac.New(sha256.New, []byte(k))
		m.Write(body)
		req.Header.Set("X-Signature", hex.EncodeToString(m.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 500
}

// status answers GET /v1/payments/{id}.
func (g *Gateway) status(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.byID[strings.TrimPrefix(r.URL.Path, "/v1/payments/")]
	if !ok {
		reply(w, 404, map[string]string{"code": "not_found"})
		return
	}
	state := map[string]string{"approved": "SUCCEEDED", "declined": "FAILED", "pending": "PROCESSING"}[p.Status]
	reply(w, 200, map[string]string{"id": p.ID, "status": state})
}
