package setup

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// sqlRunner runs a step's statements in one transaction per run.
type sqlRunner struct {
	pool  *pgxpool.Pool
	stmts []*text
}

func newSQLRunner(ctx context.Context, q *scenario.SQLStep, env Env, accounts bool) (*sqlRunner, error) {
	dsn, err := secret.Expand(q.DSN)
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	if dsn == "" {
		dsn = env.PostgresDSN
	}
	if dsn == "" {
		return nil, fmt.Errorf("no database: the target started no Postgres; give sql.dsn")
	}
	r := &sqlRunner{}
	for i, s := range q.Statements {
		t, err := parse(fmt.Sprintf("statements[%d]", i), s, accounts)
		if err != nil {
			return nil, err
		}
		r.stmts = append(r.stmts, t)
	}
	if err := egress.CheckDSN(dsn, env.Guard.AllowRemote); err != nil {
		return nil, fmt.Errorf("sql.dsn: %w", err)
	}
	cfg, err := env.Guard.PostgresPool(dsn)
	if err != nil {
		return nil, fmt.Errorf("sql.dsn: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redact(dsn), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(dsn), err)
	}
	r.pool = pool
	return r, nil
}

func (r *sqlRunner) close() {
	if r.pool != nil {
		r.pool.Close()
	}
}

func (r *sqlRunner) run(ctx context.Context, v *view, _ []*Account) error {
	sqls := make([]string, len(r.stmts))
	for i, t := range r.stmts {
		s, err := t.render(v)
		if err != nil {
			return err
		}
		sqls[i] = s
	}
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		for _, s := range sqls {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", clip([]byte(s)), err)
			}
		}
		return nil
	})
}

// redact hides a DSN's password in messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
