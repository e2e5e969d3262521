package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AccountView is an account as the API shows it.
type AccountView struct {
	ID             string `json:"id"`
	Currency       string `json:"currency"`
	LimitMinor     int64  `json:"limit_minor"`
	HeldMinor      int64  `json:"held_minor"`
	AvailableMinor int64  `json:"available_minor"`
	Frozen         bool   `json:"frozen"`
}

// Account returns one account.
func (l *Ledger) Account(ctx context.Context, id string) (AccountView, error) {
	a := AccountView{ID: id}
	err := l.pool.QueryRow(ctx, `SELECT currency, limit_minor, held_minor, frozen FROM accounts WHERE id = $1`, id).
		Scan(&a.Currency, &a.LimitMinor, &a.HeldMinor, &a.Frozen)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	a.AvailableMinor = a.LimitMinor - a.HeldMinor
	return a, err
}

// Seed creates the accounts ids with the given limits, or resets the limit
// and freeze of those that exist (their holds are kept).
func (l *Ledger) Seed(ctx context.Context, ids []string, limits []int64, currency string) error {
	if len(ids) != len(limits) {
		return fmt.Errorf("seed: %d ids, %d limits", len(ids), len(limits))
	}
	_, err := l.pool.Exec(ctx, `INSERT INTO accounts (id, limit_minor, currency)
		SELECT * FROM unnest($1::text[], $2::bigint[], array_fill($3::text, ARRAY[cardinality($1::text[])]))
		ON CONFLICT (id) DO UPDATE SET limit_minor = excluded.limit_minor, frozen = false, updated_at = clock_timestamp()`,
		ids, limits, currency)
	return err
}

// Change is a change to many accounts at once. Nil fields are left alone;
// LimitFactor scales each account's current limit.
type Change struct {
	IDs         []string `json:"ids"`
	LimitMinor  *int64   `json:"limit_minor,omitempty"`
	LimitFactor *float64 `json:"limit_factor,omitempty"`
	Frozen      *bool    `json:"frozen,omitempty"`
}

// Apply makes the change in one transaction and returns each account's state
// before it, so that the caller can put it back.
func (l *Ledger) Apply(ctx context.Context, c Change) ([]AccountView, error) {
	tx, err := l.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, `SELECT id, currency, limit_minor, held_minor, frozen FROM accounts
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, c.IDs)
	if err != nil {
		return nil, err
	}
	before := []AccountView{}
	for rows.Next() {
		var a AccountView
		if err := rows.Scan(&a.ID, &a.Currency, &a.LimitMinor, &a.HeldMinor, &a.Frozen); err != nil {
			rows.Close()
			return nil, err
		}
		a.AvailableMinor = a.LimitMinor - a.HeldMinor
		before = append(before, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET
		limit_minor = CASE WHEN $2::bigint IS NOT NULL THEN $2::bigint
			WHEN $3::float8 IS NOT NULL THEN floor(limit_minor * $3::float8)::bigint ELSE limit_minor END,
		frozen = coalesce($4::bool, frozen), updated_at = clock_timestamp()
		WHERE id = ANY($1)`, c.IDs, c.LimitMinor, c.LimitFactor, c.Frozen); err != nil {
		return nil, err
	}
	return before, tx.Commit(ctx)
}

// Restoration puts back one account's limit, freeze, or both (nil: leave).
type Restoration struct {
	ID         string `json:"id"`
	LimitMinor *int64 `json:"limit_minor,omitempty"`
	Frozen     *bool  `json:"frozen,omitempty"`
}

// Restore puts accounts' limits and freezes back as they were, each only
// where given, in one statement: overlapping changes of different fields
// (a lowered limit, then a freeze) can be undone in any order.
func (l *Ledger) Restore(ctx context.Context, rs []Restoration) error {
	ids, limits, frozen := make([]string, len(rs)), make([]*int64, len(rs)), make([]*bool, len(rs))
	for i, r := range rs {
		ids[i], limits[i], frozen[i] = r.ID, r.LimitMinor, r.Frozen
	}
	_, err := l.pool.Exec(ctx, `UPDATE accounts a SET limit_minor = coalesce(r.limit_minor, a.limit_minor),
		frozen = coalesce(r.frozen, a.frozen), updated_at = clock_timestamp()
		FROM unnest($1::text[], $2::bigint[], $3::bool[]) AS r(id, limit_minor, frozen) WHERE a.id = r.id`, ids, limits, frozen)
	return err
}
