package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
)

func post(t *testing.T, url, body, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if sig != "" {
		req.Header.Set("X-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReceiverRefuses: a notification with a signature one byte off is
// refused (401) and counted; one that comes before the load is answered 503
// (a service retries it later) and counted; another path is 404; a
// listener off this machine is refused.
func TestReceiverRefuses(t *testing.T) {
	t.Setenv("AQ_WEBHOOK_KEY", "wh-s3cret")
	r, err := Start(&scenario.Webhooks{Listen: "127.0.0.1:0", Path: "/notify",
		Signature: &scenario.WebhookSignature{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_WEBHOOK_KEY", Header: "X-Signature", Encoding: "hex"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"data":{"reference":"k-1-0","status":"SUCCEEDED"}}`
	m := hmac.New(sha256.New, []byte("wh-s3cret"))
	m.Write([]byte(body))
	good := hex.EncodeToString(m.Sum(nil))
	bad := []byte(good)
	bad[0] ^= 1
	if got := post(t, r.URL, body, string(bad)); got != 401 {
		t.Errorf("a signature one byte off: %d, want 401", got)
	}
	if got := post(t, r.URL, body, "sha256="+good); got != 503 {
		t.Errorf("signed, before the load: %d, want 503", got)
	}
	if got := post(t, strings.Replace(r.URL, "/notify", "/other", 1), body, good); got != 404 {
		t.Errorf("another path: %d, want 404", got)
	}
	st := r.Close()
	if st.BadSignature != 1 || st.Outside != 1 || st.Received != 2 {
		t.Errorf("stats %+v", st)
	}
	if _, err := Start(&scenario.Webhooks{Listen: "10.1.2.3:0", Path: "/n"}, false); err == nil || !strings.Contains(err.Error(), "webhooks.listen") {
		t.Errorf("a listener off this machine: %v", err)
	}
}

// TestSignatureOverATimestamp: a service that signs TIMESTAMP.BODY and
// sends the timestamp in a header of its own (Blnk: X-Blnk-Signature over
// X-Blnk-Timestamp + "." + body) is checked with timestamp_header; the body
// alone signed, another timestamp, or none, is refused.
func TestSignatureOverATimestamp(t *testing.T) {
	r, err := Start(&scenario.Webhooks{Listen: "127.0.0.1:0", Path: "/notify",
		Signature: &scenario.WebhookSignature{Algorithm: scenario.SignHMAC, Key: "blnk-key", Header: "X-Blnk-Signature",
			Encoding: "hex", TimestampHeader: "X-Blnk-Timestamp"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	body := `{"event":"transaction.applied","data":{"reference":"k-1-0","status":"APPLIED"}}`
	sign := func(s string) string {
		m := hmac.New(sha256.New, []byte("blnk-key"))
		m.Write([]byte(s))
		return hex.EncodeToString(m.Sum(nil))
	}
	send := func(ts, sig string) int {
		req, _ := http.NewRequest("POST", r.URL, strings.NewReader(body))
		req.Header.Set("X-Blnk-Signature", sig)
		if ts != "" {
			req.Header.Set("X-Blnk-Timestamp", ts)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, ts, sig string
		want          int
	}{
		{"signed as Blnk signs", "1796653372", sign("1796653372." + body), 503}, // accepted: refused only as before the load
		{"the body alone", "1796653372", sign(body), 401},
		{"another timestamp", "1796653373", sign("1796653372." + body), 401},
		{"no timestamp", "", sign("." + body), 401},
	} {
		if got := send(c.ts, c.sig); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
