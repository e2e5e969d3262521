package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// Record is one stored authorisation as the lookup and reconciliation APIs
// show it.
type Record struct {
	ID             string     `json:"id"`
	IdempotencyKey string     `json:"idempotency_key"`
	AccountID      string     `json:"account_id"`
	AmountMinor    int64      `json:"amount_minor"`
	Currency       string     `json:"currency"`
	MerchantID     string     `json:"merchant_id"`
	Status         string     `json:"status"` // approved, declined, reversed
	Code           string     `json:"code"`
	Reason         string     `json:"reason,omitempty"`
	Rule           string     `json:"rule,omitempty"`
	HoldMinor      int64      `json:"hold_minor"`
	LimitMinor     int64      `json:"limit_minor"`
	ResponseStatus int        `json:"response_status"`
	CreatedAt      time.Time  `json:"created_at"`
	ReversedAt     *time.Time `json:"reversed_at,omitempty"`
}

const recordColumns = `id, idempotency_key, account_id, amount_minor, currency, merchant_id, status, code,
	reason, rule, hold_minor, limit_minor, response_status, created_at, reversed_at`

func scanRecord(row pgx.Row) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.IdempotencyKey, &r.AccountID, &r.AmountMinor, &r.Currency, &r.MerchantID,
		&r.Status, &r.Code, &r.Reason, &r.Rule, &r.HoldMinor, &r.LimitMinor, &r.ResponseStatus, &r.CreatedAt, &r.ReversedAt)
	return r, err
}

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("not found")

// Get returns the authorisation with id.
func (l *Ledger) Get(ctx context.Context, id string) (Record, error) {
	r, err := scanRecord(l.pool.QueryRow(ctx, `SELECT `+recordColumns+` FROM authorizations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// FindByKey returns every authorisation stored under an idempotency key,
// oldest first: one at most, unless a bug let a second one in.
func (l *Ledger) FindByKey(ctx context.Context, key string) ([]Record, error) {
	rows, err := l.pool.Query(ctx, `SELECT `+recordColumns+` FROM authorizations WHERE idempotency_key = $1 ORDER BY created_at`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Reverse releases an approved authorisation's hold, once: reversing it again
// returns the reversed record without touching the account.
func (l *Ledger) Reverse(ctx context.Context, id string) (Answer, error) {
	tx, err := l.pool.Begin(ctx)
	if err != nil {
		return Answer{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	r, err := scanRecord(tx.QueryRow(ctx, `SELECT `+recordColumns+` FROM authorizations WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return jsonAnswer(http.StatusNotFound, map[string]string{"error": "authorization not found", "field": "id"}), nil
	}
	if err != nil {
		return Answer{}, err
	}
	switch r.Status {
	case "declined":
		return jsonAnswer(http.StatusConflict, map[string]string{"error": "a declined authorization cannot be reversed", "status": r.Status}), nil
	case "approved":
		if err := tx.QueryRow(ctx, `UPDATE authorizations SET status = 'reversed', hold_minor = 0, reversed_at = clock_timestamp()
			WHERE id = $1 RETURNING status, hold_minor, reversed_at`, id).Scan(&r.Status, new(int64), &r.ReversedAt); err != nil {
			return Answer{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET held_minor = held_minor - $2, updated_at = clock_timestamp() WHERE id = $1`,
			r.AccountID, r.HoldMinor); err != nil {
			return Answer{}, err
		}
		r.HoldMinor = 0
		if err := tx.Commit(ctx); err != nil {
			return Answer{}, err
		}
	}
	return jsonAnswer(http.StatusOK, r), nil
}

// Snapshot writes the whole ledger as JSON lines: one {"account": …} line per
// account, then one {"authorization": …} line per authorisation. The audit
// saves it into the run directory.
func (l *Ledger) Snapshot(ctx context.Context, w io.Writer) error {
	enc := json.NewEncoder(w)
	accounts, err := l.pool.Query(ctx, `SELECT id, currency, limit_minor, held_minor, frozen FROM accounts ORDER BY id`)
	if err != nil {
		return err
	}
	for accounts.Next() {
		var a AccountView
		if err := accounts.Scan(&a.ID, &a.Currency, &a.LimitMinor, &a.HeldMinor, &a.Frozen); err != nil {
			accounts.Close()
			return err
		}
		a.AvailableMinor = a.LimitMinor - a.HeldMinor
		if err := enc.Encode(map[string]any{"account": a}); err != nil {
			accounts.Close()
			return err
		}
	}
	accounts.Close()
	if err := accounts.Err(); err != nil {
		return err
	}
	rows, err := l.pool.Query(ctx, `SELECT `+recordColumns+` FROM authorizations ORDER BY created_at, id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := enc.Encode(map[string]any{"authorization": r}); err != nil {
			return err
		}
	}
	return rows.Err()
}

func jsonAnswer(status int, v any) Answer {
	body, _ := json.Marshal(v)
	return Answer{Status: status, Body: body}
}
