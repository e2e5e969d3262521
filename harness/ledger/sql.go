package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/secret"
)

// sqlSource runs the scenario's accounts and payments queries against the
// service's database and maps their columns. It connects through the
// egress guard and with what the DSN names only (egress.PostgresConfig):
// never with PGPASSWORD or the like of the runner's environment.
type sqlSource struct {
	dsn   string
	guard egress.Guard
	m     mapping
	wait  time.Duration
}

func newSQL(env Env) (Source, error) {
	c := env.Config
	dsn, err := secret.Expand(c.DSN)
	if err != nil {
		return nil, fmt.Errorf("ledger dsn: %w", err)
	}
	if dsn == "" {
		dsn = env.PostgresDSN
	}
	if dsn == "" {
		return nil, errors.New("ledger kind sql: no dsn given and the target has no Postgres of authquake's")
	}
	if c.Payments == nil {
		return nil, errors.New("ledger kind sql: no payments query")
	}
	return &sqlSource{dsn: dsn, guard: egress.Guard{AllowRemote: env.AllowRemote},
		m: mapping{accounts: c.Accounts, payments: c.Payments, refs: env.Refs}, wait: 30 * time.Second}, nil
}

func (s *sqlSource) Read(ctx context.Context) (*audit.Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.wait+60*time.Second)
	defer cancel()
	conn, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	l := s.m.ledger("sql")
	if s.m.accounts != nil {
		err := query(ctx, conn, "accounts", s.m.accounts.Query, s.m.accounts.Columns, func(r row) error {
			a, err := s.m.toAccount(r)
			l.Accounts[a.ID] = a
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err = query(ctx, conn, "payments", s.m.payments.Query, s.m.paymentColumns(), func(r row) error {
		rec, err := s.m.toRecord(r)
		l.Add(rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// connect retries until the database answers (a fault may just have been
// reverted) or the wait is over; a DSN that does not parse, or an address
// the guard refuses, is not retried.
func (s *sqlSource) connect(ctx context.Context) (*pgx.Conn, error) {
	if err := egress.CheckDSN(s.dsn, s.guard.AllowRemote); err != nil {
		return nil, fmt.Errorf("ledger dsn: %w", err)
	}
	cfg, err := s.guard.PostgresConfig(s.dsn)
	if err != nil {
		return nil, fmt.Errorf("ledger dsn: %w", err)
	}
	ctx2, cancel := context.WithTimeout(ctx, s.wait)
	defer cancel()
	for {
		conn, err := pgx.ConnectConfig(ctx2, cfg)
		if err == nil {
			return conn, nil
		}
		if errors.Is(err, egress.ErrRefused) {
			return nil, fmt.Errorf("ledger database: %w", err)
		}
		select {
		case <-ctx2.Done():
			return nil, fmt.Errorf("ledger database not reachable within %s: %w", s.wait, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// query runs one query and hands each row to add, its values by audit field.
func query(ctx context.Context, conn *pgx.Conn, name, q string, columns map[string]string, add func(row) error) error {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("%s query: %w", name, err)
	}
	defer rows.Close()
	index := map[string]int{}
	for i, fd := range rows.FieldDescriptions() {
		index[fd.Name] = i
	}
	for field, col := range columns {
		if _, ok := index[col]; !ok {
			return fmt.Errorf("%s query: no column %q (for %s) in its result", name, col, field)
		}
	}
	for n := 1; rows.Next(); n++ {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("%s query row %d: %w", name, n, err)
		}
		r := func(field string) (any, bool) {
			col, ok := columns[field]
			if !ok {
				return nil, false
			}
			v := vals[index[col]]
			if num, ok := v.(pgtype.Numeric); ok {
				f, _ := num.Float64Value()
				v = f.Float64
			}
			return v, true
		}
		if err := add(r); err != nil {
			return fmt.Errorf("%s query row %d: %w", name, n, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s query: %w", name, err)
	}
	return nil
}
