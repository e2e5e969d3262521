// Package ledger is authsim's store on Postgres (pgx): accounts with credit
// limits and holds, and one row per authorisation answer keyed by its
// idempotency key. An authorisation is one transaction: lock the account row,
// check the key, the risk rules and held + amount <= limit, insert the answer,
// update held, commit, then answer. The known bugs (Bugs) replace single steps
// of that path with the realistic mistakes that break it under concurrency.
package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

const schema = `
CREATE TABLE IF NOT EXISTS accounts (
	id          text PRIMARY KEY,
	currency    text NOT NULL DEFAULT 'EUR',
	limit_minor bigint NOT NULL CHECK (limit_minor >= 0),
	held_minor  bigint NOT NULL DEFAULT 0,
	frozen      boolean NOT NULL DEFAULT false,
	updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS authorizations (
	id              text PRIMARY KEY,
	idempotency_key text NOT NULL,
	fingerprint     text NOT NULL,
	account_id      text NOT NULL,
	amount_minor    bigint NOT NULL,
	currency        text NOT NULL,
	merchant_id     text NOT NULL,
	status          text NOT NULL,
	code            text NOT NULL,
	reason          text NOT NULL DEFAULT '',
	rule            text NOT NULL DEFAULT '',
	hold_minor      bigint NOT NULL DEFAULT 0,
	limit_minor     bigint NOT NULL DEFAULT 0,
	response_status int NOT NULL,
	response        text NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
	reversed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS authorizations_account ON authorizations (account_id, created_at);
`

// Ledger is authsim's store.
type Ledger struct {
	pool *pgxpool.Pool
	bugs Bugs
	// limits caches account limits when the stale-limit-cache bug is on.
	limits *limitCache
	// commitDelay is how long ack-before-commit waits before its background commit.
	commitDelay time.Duration
}

// Options configures Open.
type Options struct {
	Bugs Bugs
	// CacheTTL is the stale-limit-cache bug's cache lifetime.
	CacheTTL time.Duration
	// CommitDelay is the ack-before-commit bug's group-commit delay.
	CommitDelay time.Duration
}

// Open migrates the schema on pool and returns the Ledger. The idempotency key
// is unique unless the idempotency-race bug is on.
func Open(ctx context.Context, pool *pgxpool.Pool, o Options) (*Ledger, error) {
	keyIndex := `CREATE UNIQUE INDEX IF NOT EXISTS authorizations_key ON authorizations (idempotency_key)`
	if o.Bugs.IdempotencyRace {
		keyIndex = `DROP INDEX IF EXISTS authorizations_key;
CREATE INDEX IF NOT EXISTS authorizations_key_nonunique ON authorizations (idempotency_key)`
	}
	if _, err := pool.Exec(ctx, schema+keyIndex); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	l := &Ledger{pool: pool, bugs: o.Bugs, commitDelay: o.CommitDelay}
	if o.Bugs.StaleLimitCache {
		l.limits = newLimitCache(o.CacheTTL)
	}
	return l, nil
}

// Ping checks that the database answers.
func (l *Ledger) Ping(ctx context.Context) error { return l.pool.Ping(ctx) }
