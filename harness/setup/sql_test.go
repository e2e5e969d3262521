package setup

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/authquake/authquake/harness/dockertest"
)

// TestSQLSteps provisions accounts with SQL in a real Postgres: a bulk step
// once, a statement per account, and a failing statement that names the
// step, the account and Postgres' error (a container test).
func TestSQLSteps(t *testing.T) {
	dsn := dockertest.Postgres(t)
	s := scenarioWith(t, strings.ReplaceAll(`setup:
  concurrency: 4
  steps:
    - name: schema
      sql: {dsn: "DSN", statements: ["create table balances (id text primary key, credit_limit bigint not null, tag text)",
                         "insert into balances (id, credit_limit) values {{range $i, $a := .Accounts}}{{if $i}},{{end}}('{{$a.ID}}', {{$a.Limit}}){{end}}"]}
    - name: tag
      for_each: account
      sql: {dsn: "DSN", statements: ["update balances set tag = 'seed-{{.Seed}}-{{.Account.Index}}' where id = '{{.Account.ID}}'"]}
`, "DSN", dsn))
	res, err := Run(context.Background(), s, Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, a := range res.Accounts {
		var limit int64
		var tag string
		if err := conn.QueryRow(ctx, "select credit_limit, tag from balances where id = $1", a.ID).Scan(&limit, &tag); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		if limit != a.Limit || tag != "seed-7-"+strconv.Itoa(a.Index) {
			t.Errorf("%s: limit %d tag %q, want %d and seed-7-%d", a.ID, limit, tag, a.Limit, a.Index)
		}
	}
	if res.Steps[1].Runs != 20 {
		t.Errorf("tag ran %d times, want once per account (20)", res.Steps[1].Runs)
	}

	// The same insert again: a duplicate key, reported with its account.
	// The DSN this time from the target's Postgres, as for a containers target.
	s = scenarioWith(t, `setup: {concurrency: 1, steps: [{name: again, for_each: account, sql: {dsn: x, statements: ["insert into balances (id, credit_limit) values ('{{.Account.ID}}', 1)"]}}]}`+"\n")
	s.Setup.Steps[0].SQL.DSN = ""
	_, err = Run(context.Background(), s, Env{PostgresDSN: dsn})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "again" || se.Account != "acct-000001" || !strings.Contains(err.Error(), "duplicate key") {
		t.Errorf("error %v, want step again, account acct-000001 and Postgres' duplicate key", err)
	}
}
