// Command authsim is authquake's reference authorisation service: a card /
// credit-line authoriser on Postgres with idempotency keys, holds, risk rules,
// load shedding, a maintenance mode, an admin API for service-level faults, and
// known bugs that can be switched on to prove that authquake catches them.
// Configuration is by environment (see API.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/authquake/authquake/targets/authsim/ledger"
	"github.com/authquake/authquake/targets/authsim/risk"
	"github.com/authquake/authquake/targets/authsim/server"
)

func main() {
	if err := run(); err != nil {
		slog.Error("authsim stopped", "error", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	bugs, err := ledger.ParseBugs(os.Getenv("AUTHSIM_BUGS"))
	if err != nil {
		return fmt.Errorf("AUTHSIM_BUGS: %w", err)
	}
	var c config
	cfg := server.Config{
		MaxInFlight: c.int("AUTHSIM_MAX_INFLIGHT", 256),
		QueueWait:   c.duration("AUTHSIM_QUEUE_WAIT", 500*time.Millisecond),
		Deadline:    c.duration("AUTHSIM_DEADLINE", 2*time.Second),
		KeyWait:     c.duration("AUTHSIM_KEY_WAIT", time.Second),
		AdminToken:  c.str("AUTHSIM_ADMIN_TOKEN", "authquake"),
		Merchants: risk.MerchantList{
			Blocked:  c.list("AUTHSIM_BLOCKED_MERCHANTS", risk.DefaultMerchants.Blocked),
			HighRisk: c.list("AUTHSIM_HIGH_RISK_MERCHANTS", risk.DefaultMerchants.HighRisk),
		},
		Bugs: bugs,
	}
	dsn := c.str("AUTHSIM_DATABASE_URL", "")
	poolSize := c.int("AUTHSIM_DB_POOL", 16)
	// Twice the pool: a request holds a connection only part of its time.
	cfg.Workers = c.int("AUTHSIM_WORKERS", 2*poolSize)
	opts := ledger.Options{Bugs: bugs, CacheTTL: c.duration("AUTHSIM_CACHE_TTL", 5*time.Second),
		CommitDelay: c.duration("AUTHSIM_COMMIT_DELAY", 500*time.Millisecond)}
	apiAddr, adminAddr := c.str("AUTHSIM_ADDR", ":8080"), c.str("AUTHSIM_ADMIN_ADDR", ":8081")
	if err := errors.Join(c.errs...); err != nil {
		return err
	}
	if dsn == "" {
		return errors.New("AUTHSIM_DATABASE_URL is required (postgres://user:pass@host:5432/db)")
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("AUTHSIM_DATABASE_URL: %w", err)
	}
	pcfg.MaxConns = int32(poolSize)
	pcfg.ConnConfig.ConnectTimeout = 2 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	l, err := openLedger(ctx, pool, opts)
	if err != nil {
		return err
	}
	s := server.New(cfg, l)
	api := &http.Server{Addr: apiAddr, Handler: s.API(), ReadHeaderTimeout: 5 * time.Second}
	admin := &http.Server{Addr: adminAddr, Handler: s.Admin(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 2)
	for _, srv := range []*http.Server{api, admin} {
		go func() {
			if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	slog.Info("authsim serving", "api", apiAddr, "admin", adminAddr, "bugs", bugs.String(),
		"max_inflight", cfg.MaxInFlight, "workers", cfg.Workers, "queue_wait", cfg.QueueWait, "deadline", cfg.Deadline, "db_pool", poolSize)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, finish what is in flight.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(api.Shutdown(sctx), admin.Shutdown(sctx))
}

// openLedger retries until the database answers: it may still be starting, or
// behind a proxy that is not up yet.
func openLedger(ctx context.Context, pool *pgxpool.Pool, o ledger.Options) (*ledger.Ledger, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		l, err := ledger.Open(ctx, pool, o)
		if err == nil {
			return l, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("database not ready after 60s: %w", err)
		}
		slog.Info("waiting for database", "error", err)
		time.Sleep(500 * time.Millisecond)
	}
}

// config reads typed environment variables, collecting every error.
type config struct{ errs []error }

func (c *config) str(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func (c *config) int(key string, def int) int {
	v := c.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		c.errs = append(c.errs, fmt.Errorf("%s=%q: want a positive integer", key, v))
	}
	return n
}

func (c *config) duration(key string, def time.Duration) time.Duration {
	v := c.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		c.errs = append(c.errs, fmt.Errorf("%s=%q: want a duration such as 2s or 500ms", key, v))
	}
	return d
}

func (c *config) list(key string, def []string) []string {
	v := c.str(key, "")
	if v == "" {
		return def
	}
	return strings.Split(v, ",")
}
