package setup

import (
	"context"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/egress/egresstest"
)

// TestSQLStepsTakeNothingFromTheRunner: a setup step whose DSN has no
// password sent the runner's PGPASSWORD to the scenario's host, and a
// host off this machine was connected to without --allow-remote.
func TestSQLStepsTakeNothingFromTheRunner(t *testing.T) {
	t.Setenv("PGPASSWORD", "runner-secret")
	db := egresstest.NewPostgres(t, "127.0.0.1:0")
	step := func(dsn string) string {
		return `setup: {steps: [{name: schema, sql: {dsn: "` + dsn + `", statements: ["select 1"]}}]}` + "\n"
	}
	_, err := Run(context.Background(), scenarioWith(t, step("postgres://app@"+db.Addr+"/app")), Env{})
	if err == nil {
		t.Fatal("the fake server refuses every login, yet the step ran")
	}
	if len(db.Conns()) == 0 {
		t.Fatalf("the step never reached the DSN's host: %v", err)
	}
	for _, c := range db.Conns() {
		if c.Password == "runner-secret" {
			t.Errorf("the scenario's database received the runner's PGPASSWORD")
		}
	}
	_, err = Run(context.Background(), scenarioWith(t, step("postgres://app:pw@192.0.2.1:5432/app")), Env{})
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") || strings.Contains(err.Error(), "pw@") {
		t.Errorf("a DSN off this machine: %v, want a refusal naming --allow-remote (and no password)", err)
	}
}
