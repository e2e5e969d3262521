package paygate_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/examples/paygate"
	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/run"
)

// serve starts the gateway and returns a copy of the example scenario
// pointed at it (the file names http://127.0.0.1:8090, where cmd/paygate
// listens).
func serve(t *testing.T, cfg paygate.Config, file string) (*paygate.Gateway, string) {
	t.Helper()
	g := paygate.New(cfg)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), file)
	os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "http://127.0.0.1:8090", srv.URL)), 0o644)
	return g, path
}

// runExample runs a scenario at a duration scale and analyses it.
func runExample(t *testing.T, path string, scale float64) (*analysis.Summary, *run.Result) {
	t.Helper()
	res, err := run.Run(context.Background(), run.Options{Scenario: path, Out: t.TempDir(), DurationScale: scale})
	if res == nil {
		t.Fatalf("run %s: %v", path, err)
	}
	if err != nil {
		t.Logf("run: %v", err)
	}
	r, err := analysis.Load(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := analysis.Analyze(r, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return sum, res
}

// TestAuthExample: README's auth example passes against a gateway whose
// tokens live two seconds, with several tokens obtained and none missed.
func TestAuthExample(t *testing.T) {
	t.Setenv("PAYGATE_CLIENT_SECRET", "example-s3cret")
	_, path := serve(t, paygate.Config{ClientSecret: "example-s3cret", TokenTTL: 2 * time.Second, OpenAccounts: true}, "auth.yaml")
	sum, res := runExample(t, path, 0.3)
	if sum.Verdict != "pass" || sum.Requests.Approved == 0 {
		t.Errorf("verdict %s (%v), requests %+v", sum.Verdict, sum.Validity.Reasons, sum.Requests)
	}
	if a := res.Meta.Auth; a == nil || a.Tokens < 3 || a.FailedRefreshes+int(a.WithoutToken) != 0 {
		t.Errorf("run.json auth %+v", a)
	}
}

// TestSigningExample: README's signing example passes against a gateway
// that checks every signature byte for byte and refuses a nonce twice.
func TestSigningExample(t *testing.T) {
	t.Setenv("PAYGATE_CLIENT_SECRET", "example-s3cret")
	t.Setenv("PAYGATE_HMAC_KEY", "example-hmac-k3y")
	_, path := serve(t, paygate.Config{ClientSecret: "example-s3cret", HMACKey: "example-hmac-k3y", OpenAccounts: true}, "signed.yaml")
	sum, _ := runExample(t, path, 0.3)
	if sum.Verdict != "pass" || sum.Requests.Rejected != 0 || sum.Requests.Approved == 0 {
		t.Errorf("verdict %s (%v), requests %+v", sum.Verdict, sum.Validity.Reasons, sum.Requests)
	}
	// The same run with the gateway's key one byte off: every request refused.
	t.Setenv("PAYGATE_HMAC_KEY", "example-hmac-k3z")
	sum, _ = runExample(t, path, 0.1)
	if sum.Requests.Approved != 0 || sum.Requests.Rejected == 0 {
		t.Errorf("signed with the wrong key: requests %+v", sum.Requests)
	}
}

// TestBulkSetupExample: README's bulk setup example opens its 2,000
// accounts in 20 calls, and every payment finds its account.
func TestBulkSetupExample(t *testing.T) {
	g, path := serve(t, paygate.Config{}, "bulk-setup.yaml")
	sum, res := runExample(t, path, 0.3)
	if sum.Verdict != "pass" || sum.Requests.Rejected != 0 || sum.Requests.Approved == 0 {
		t.Errorf("verdict %s (%v), requests %+v", sum.Verdict, sum.Validity.Reasons, sum.Requests)
	}
	st := res.Meta.Setup.Steps[0]
	if calls := g.Calls()["POST /v1/accounts/bulk"]; st.Runs != 2000 || st.Calls != 20 || calls != 20 {
		t.Errorf("setup %+v, %d bulk calls received; want 2000 accounts in 20 calls", st, calls)
	}
	if sum.Audit == nil {
		t.Error("no audit: the example's ledger was not read")
	}
}

// TestAsyncWebhookExample: README's webhook example against a sender that
// reorders notifications (each its own delay), sends some twice and drops
// some: every payment answered pending is settled by its notification but
// the dropped ones, which are unsettled (and make the verdict unconfirmed);
// duplicates are counted; a forged notification is refused, an unknown one
// counted.
func TestAsyncWebhookExample(t *testing.T) {
	t.Setenv("PAYGATE_WEBHOOK_KEY", "wh-s3cret")
	g, path := serve(t, paygate.Config{OpenAccounts: true, Async: &paygate.Async{Delay: 400 * time.Millisecond,
		DuplicateShare: 0.1, DropShare: 0.05, WebhookKey: "wh-s3cret", Seed: 3}}, "async.yaml")
	sum, res := runExample(t, path, 0.2)
	told := g.Told()
	st := sum.Settle
	if st == nil {
		t.Fatal("no settle figures")
	}
	if st.Pending != sum.Requests.Pending || st.Pending == 0 || st.Unsettled != told.Dropped || st.Settled != st.Pending-told.Dropped {
		t.Errorf("settle %+v; the gateway told %+v of %d pending", st, told, sum.Requests.Pending)
	}
	if st.Duplicates != told.Duplicated || st.Notifications != told.Sent+told.Duplicated || st.Contradictions != 0 {
		t.Errorf("notifications %d, duplicates %d, contradictions %d; the gateway sent %+v", st.Notifications, st.Duplicates, st.Contradictions, told)
	}
	if told.Dropped == 0 || told.Duplicated == 0 {
		t.Fatalf("the sender dropped %d and duplicated %d: the test shows nothing", told.Dropped, told.Duplicated)
	}
	if sum.Verdict != "unconfirmed" || !strings.Contains(sum.Validity.Unconfirmed, "never reached a final state") {
		t.Errorf("verdict %s (%s): a dropped notification is a failure of its own", sum.Verdict, sum.Validity.Unconfirmed)
	}
	if sum.Audit == nil || len(sum.Audit.Violations) != 0 {
		t.Errorf("audit %+v", sum.Audit)
	}
	if w := res.Meta.Webhooks; w == nil || w.Matched != int64(told.Sent+told.Duplicated) || w.BadSignature != 0 || w.Unknown != 0 {
		t.Errorf("run.json webhooks %+v", w)
	}
}

// TestAsyncPollingExample: README's polling example settles every payment
// answered pending by its status endpoint, within its SLO.
func TestAsyncPollingExample(t *testing.T) {
	_, path := serve(t, paygate.Config{OpenAccounts: true, Async: &paygate.Async{Delay: 400 * time.Millisecond, Seed: 3}}, "async-poll.yaml")
	sum, _ := runExample(t, path, 0.2)
	st := sum.Settle
	if st == nil || st.Pending == 0 || st.Settled != st.Pending || st.Polls < st.Pending || st.Notifications != 0 {
		t.Fatalf("settle %+v", st)
	}
	if sum.Verdict != "pass" || st.LatencyMS.P99 < 40 || st.LatencyMS.P99 > 2000 {
		t.Errorf("verdict %s (%v %s), settle p99 %g ms", sum.Verdict, sum.Validity.Reasons, sum.Validity.Unconfirmed, st.LatencyMS.P99)
	}
}
