package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authquake/authquake/targets/authsim/risk"
)

// Request is one validated authorisation request.
type Request struct {
	Key         string
	AccountID   string
	AmountMinor int64
	Currency    string
	MerchantID  string
}

// Fingerprint identifies the request's parameters: a key reused with another
// fingerprint is refused (422).
func (r Request) Fingerprint() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", r.AccountID, r.AmountMinor, r.Currency, r.MerchantID))
	return hex.EncodeToString(h[:16])
}

// Answer is what the client is told: an HTTP status and a JSON body. Answers
// to authorisations are stored with their key and replayed byte for byte.
type Answer struct {
	Status int
	Body   []byte
	// Outcome and Code are the stored status (approved, declined) and code of
	// an authorisation answer; empty for other answers.
	Outcome, Code string
}

// Decline codes and reasons.
const (
	CodeApproved           = "00"
	CodeRiskDeclined       = "05"
	CodeUnknownAccount     = "14"
	CodeInsufficientCredit = "51"
	CodeNotPermitted       = "57"
	CodeFrozen             = "62"
)

type account struct {
	limit, held int64
	frozen      bool
	currency    string
}

// decision is the outcome of the checks, before anything is written.
type decision struct {
	approve            bool
	code, reason, rule string
}

// decide applies the checks in order: freeze, currency, risk, credit. It is
// pure, so the order and the codes are unit-tested without a database.
func decide(a account, r Request, recent int, pol risk.Policy) decision {
	switch {
	case a.frozen:
		return decision{code: CodeFrozen, reason: "account_frozen"}
	case r.Currency != a.currency:
		return decision{code: CodeNotPermitted, reason: "currency_not_permitted"}
	}
	if rule := pol.Evaluate(risk.Input{AmountMinor: r.AmountMinor, LimitMinor: a.limit, Recent: recent, MerchantID: r.MerchantID}); rule != "" {
		return decision{code: CodeRiskDeclined, reason: "risk_declined", rule: rule}
	}
	if a.held+r.AmountMinor > a.limit {
		return decision{code: CodeInsufficientCredit, reason: "insufficient_credit"}
	}
	return decision{approve: true, code: CodeApproved}
}

// Authorize decides one authorisation and stores its answer under its key.
// A retry with the same key and parameters gets the stored answer and places
// no second hold; the same key with other parameters gets 422. The error is
// for database failures only: every business outcome is an Answer.
func (l *Ledger) Authorize(ctx context.Context, r Request, pol risk.Policy) (Answer, error) {
	if a, ok, err := l.replay(ctx, l.pool, r); err != nil || ok {
		return a, err
	}
	tx, err := l.pool.Begin(ctx)
	if err != nil {
		return Answer{}, err
	}
	handedOff := false
	defer func() {
		if !handedOff {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	acct, found, err := l.account(ctx, tx, r.AccountID)
	if err != nil {
		return Answer{}, err
	}
	if !l.bugs.IdempotencyRace && !l.bugs.LimitRace {
		// Same key means same account, so the row lock serialises retries:
		// look again now that no other request of this key can be midway.
		if a, ok, err := l.replay(ctx, tx, r); err != nil || ok {
			return a, err
		}
	}
	var d decision
	var recent int
	if !found {
		d = decision{code: CodeUnknownAccount, reason: "unknown_account"}
	} else {
		if recent, err = l.recent(ctx, tx, r.AccountID, pol.VelocityWindow); err != nil {
			return Answer{}, err
		}
		screen := pol
		if l.bugs.DeclineLeavesHold {
			screen = risk.Policy{} // the risk screen runs after the hold, below
		}
		d = decide(acct, r, recent, screen)
	}
	id := newID()
	if err := l.insert(ctx, tx, id, r, d, acct); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // the key, from a concurrent request
			tx.Rollback(ctx)
			a, _, err := l.replay(ctx, l.pool, r)
			return a, err
		}
		return Answer{}, err
	}
	if d.approve && l.bugs.DeclineLeavesHold {
		if rule := pol.Evaluate(risk.Input{AmountMinor: r.AmountMinor, LimitMinor: acct.limit, Recent: recent, MerchantID: r.MerchantID}); rule != "" {
			// Bug: the decline is recorded, the hold is not released.
			d = decision{code: CodeRiskDeclined, reason: "risk_declined", rule: rule}
			status, body := answerBody(id, r, d, acct)
			if _, err := tx.Exec(ctx, `UPDATE authorizations SET status='declined', code=$2, reason=$3, rule=$4,
				response_status=$5, response=$6 WHERE id=$1`, id, d.code, d.reason, d.rule, status, string(body)); err != nil {
				return Answer{}, err
			}
		}
	}
	status, body := answerBody(id, r, d, acct)
	a := Answer{Status: status, Body: body, Outcome: "declined", Code: d.code}
	if d.approve {
		a.Outcome = "approved"
	}
	if d.approve && l.bugs.AckBeforeCommit {
		handedOff = true
		go l.commitLater(tx)
		return a, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return Answer{}, err
	}
	return a, nil
}

// commitLater is the ack-before-commit bug: a "group commit" that runs after
// the client was told approved. If the process dies or the database link is
// cut before it runs, the approval is gone.
func (l *Ledger) commitLater(tx pgx.Tx) {
	time.Sleep(l.commitDelay)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tx.Commit(ctx); err != nil {
		tx.Rollback(ctx)
	}
}

// querier is what pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// replay returns the stored answer for r's key: the answer itself when the
// parameters match, 422 when they do not.
func (l *Ledger) replay(ctx context.Context, q querier, r Request) (Answer, bool, error) {
	var fp string
	var a Answer
	err := q.QueryRow(ctx, `SELECT fingerprint, response_status, response, status, code FROM authorizations
		WHERE idempotency_key = $1 ORDER BY created_at LIMIT 1`, r.Key).Scan(&fp, &a.Status, &a.Body, &a.Outcome, &a.Code)
	if errors.Is(err, pgx.ErrNoRows) {
		return Answer{}, false, nil
	}
	if err != nil {
		return Answer{}, false, err
	}
	if fp != r.Fingerprint() {
		body, _ := json.Marshal(map[string]string{"error": "idempotency key reused with different parameters", "field": "Idempotency-Key"})
		return Answer{Status: http.StatusUnprocessableEntity, Body: body}, true, nil
	}
	return a, true, nil
}

// account reads the account row, locked for the transaction unless the
// limit-race bug is on; the stale-limit-cache bug serves limit and freeze
// from its cache.
func (l *Ledger) account(ctx context.Context, tx pgx.Tx, id string) (account, bool, error) {
	q := `SELECT limit_minor, held_minor, frozen, currency FROM accounts WHERE id = $1 FOR UPDATE`
	if l.bugs.LimitRace {
		q = `SELECT limit_minor, held_minor, frozen, currency FROM accounts WHERE id = $1`
	}
	var a account
	err := tx.QueryRow(ctx, q, id).Scan(&a.limit, &a.held, &a.frozen, &a.currency)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	if l.limits != nil {
		if limit, frozen, ok := l.limits.get(id); ok {
			a.limit, a.frozen = limit, frozen
		} else {
			l.limits.put(id, a.limit, a.frozen)
		}
	}
	return a, true, nil
}

// recent counts the account's authorisations within the velocity window.
func (l *Ledger) recent(ctx context.Context, tx pgx.Tx, accountID string, window time.Duration) (int, error) {
	if window <= 0 {
		return 0, nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM authorizations
		WHERE account_id = $1 AND created_at > clock_timestamp() - make_interval(secs => $2)`,
		accountID, window.Seconds()).Scan(&n)
	return n, err
}

// insert stores the answer and, for an approval, places the hold.
func (l *Ledger) insert(ctx context.Context, tx pgx.Tx, id string, r Request, d decision, a account) error {
	status, body := answerBody(id, r, d, a)
	st, hold := "declined", int64(0)
	if d.approve {
		st, hold = "approved", r.AmountMinor
	}
	_, err := tx.Exec(ctx, `INSERT INTO authorizations (id, idempotency_key, fingerprint, account_id, amount_minor,
		currency, merchant_id, status, code, reason, rule, hold_minor, limit_minor, response_status, response)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		id, r.Key, r.Fingerprint(), r.AccountID, r.AmountMinor, r.Currency, r.MerchantID,
		st, d.code, d.reason, d.rule, hold, a.limit, status, string(body))
	if err != nil || !d.approve {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE accounts SET held_minor = held_minor + $2, updated_at = clock_timestamp() WHERE id = $1`, r.AccountID, r.AmountMinor)
	return err
}

// answerBody renders the answer the client gets for decision d.
func answerBody(id string, r Request, d decision, a account) (int, []byte) {
	if d.approve {
		body, _ := json.Marshal(struct {
			ID             string `json:"id"`
			Status         string `json:"status"`
			Code           string `json:"code"`
			AccountID      string `json:"account_id"`
			AmountMinor    int64  `json:"amount_minor"`
			AvailableMinor int64  `json:"available_minor"`
		}{id, "approved", d.code, r.AccountID, r.AmountMinor, a.limit - a.held - r.AmountMinor})
		return http.StatusCreated, body
	}
	body, _ := json.Marshal(struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
		Rule   string `json:"rule,omitempty"`
	}{id, "declined", d.code, d.reason, d.rule})
	return http.StatusPaymentRequired, body
}

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return "auth_" + hex.EncodeToString(b[:])
}
