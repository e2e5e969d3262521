package authsim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/ledger"
)

// ledgerSource reads authsim's /admin/ledger (already the audit's neutral
// format), once the service answers again and background work has settled.
type ledgerSource struct {
	admin, token, ready string
	wait, settle        time.Duration
}

func newLedger(env ledger.Env) (ledger.Source, error) {
	if env.Admin == "" {
		return nil, errors.New("ledger kind authsim: the target has no authsim admin API")
	}
	return &ledgerSource{admin: env.Admin, token: env.AdminToken, ready: env.Ready, wait: 90 * time.Second, settle: time.Second}, nil
}

func (a *ledgerSource) Read(ctx context.Context) (*audit.Snapshot, error) {
	wait := a.wait
	if ctx.Err() != nil {
		wait = 10 * time.Second // interrupted: try, briefly
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	for a.ready != "" {
		err := ready(ctx, a.ready)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("service not ready again within %s: %v", wait, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	time.Sleep(a.settle) // let background commits (or their loss) settle
	req, err := http.NewRequestWithContext(ctx, "GET", a.admin+"/admin/ledger", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := local.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /admin/ledger: %d", resp.StatusCode)
	}
	return audit.DecodeSnapshot(resp.Body, "/admin/ledger")
}

// local calls authsim's admin API and readiness endpoint for the ledger. Its containers
// publish on this machine only, so its guard allows loopback only (whatever
// --allow-remote says) and it follows no redirect. Requests are bounded by
// their contexts.
var local = egress.Guard{}.Client()

// ready asks a readiness endpoint once, for at most 5 s: nil means 200.
func ready(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := local.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return nil
}
