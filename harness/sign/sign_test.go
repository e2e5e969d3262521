package sign

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// checker is a payment gateway's side: it rebuilds the canonical string
// from the request it received and checks the signature, byte for byte.
type checker struct {
	key    []byte
	pub    *rsa.PublicKey
	base64 bool
}

func (c checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	canonical := r.Method + "\n" + r.URL.RequestURI() + "\n" + r.Header.Get("X-Timestamp") + "\n" + r.Header.Get("X-Nonce") + "\n" + string(body)
	got := r.Header.Get("X-Signature")
	var ok bool
	if c.pub != nil {
		sig, err := base64.StdEncoding.DecodeString(got)
		sum := sha256.Sum256([]byte(canonical))
		ok = err == nil && rsa.VerifyPKCS1v15(c.pub, crypto.SHA256, sum[:], sig) == nil
	} else {
		m := hmac.New(sha256.New, c.key)
		m.Write([]byte(canonical))
		want := hex.EncodeToString(m.Sum(nil))
		if c.base64 {
			want = base64.StdEncoding.EncodeToString(m.Sum(nil))
		}
		ok = hmac.Equal([]byte(got), []byte(want))
	}
	if !ok || len(r.Header.Get("X-Nonce")) != 32 {
		w.WriteHeader(401)
		return
	}
	w.WriteHeader(201)
}

// send signs a request with s and sends it, after tamper has had its way
// with the bytes signed; it returns the status.
func send(t *testing.T, s *Signer, url, path string, body []byte, tamper func([]byte) []byte) int {
	t.Helper()
	hdr := http.Header{}
	err := s.Sign([]byte("POST"), []byte(path), body, time.Now(), func(name string, v []byte) { hdr.Set(name, string(v)) })
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url+path, bytes.NewReader(tamper(body)))
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func signer(t *testing.T, g scenario.Sign) *Signer {
	t.Helper()
	g.Canonical, g.Header, g.Value = scenario.DefaultCanonical, "X-Signature", "{{.Signature}}"
	g.TimestampHeader, g.NonceHeader = "X-Timestamp", "X-Nonce"
	if g.Timestamp == "" {
		g.Timestamp = "unix"
	}
	s, err := New(&g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSignatureCheckedByteForByte: a gateway that checks every byte takes
// what the signer signs, HMAC (hex and base64) and RSA alike, and refuses
// the same request with one byte of the body changed after signing, or
// signed with a key one byte off.
func TestSignatureCheckedByteForByte(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(rk))}))
	t.Setenv("AQ_SIGN_HMAC", "k3y-of-the-gateway")
	t.Setenv("AQ_SIGN_HMAC_OFF", "k3y-of-the-gatewaz")
	t.Setenv("AQ_SIGN_RSA", pemKey)
	body := []byte(`{"account_id":"acct-000001","amount_minor":2500}`)
	same := func(b []byte) []byte { return b }
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)/2] ^= 1; return c }
	for _, c := range []struct {
		name   string
		gw     checker
		sign   scenario.Sign
		tamper func([]byte) []byte
		want   int
	}{
		// HMAC-SHA256 in hex, the key from the environment through a template.
		{"hmac hex", checker{key: []byte("k3y-of-the-gateway")}, scenario.Sign{Algorithm: scenario.SignHMAC, Key: `{{env "AQ_SIGN_HMAC"}}`, Encoding: "hex"}, same, 201},
		// One byte of the body changed after signing.
		{"hmac body byte", checker{key: []byte("k3y-of-the-gateway")}, scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_HMAC", Encoding: "hex"}, flip, 401},
		// A key one byte off.
		{"hmac key byte", checker{key: []byte("k3y-of-the-gateway")}, scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_HMAC_OFF", Encoding: "hex"}, same, 401},
		{"hmac base64", checker{key: []byte("k3y-of-the-gateway"), base64: true}, scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_HMAC", Encoding: "base64"}, same, 201},
		// RSA-SHA256 with a PKCS #8 PEM key from the environment.
		{"rsa", checker{pub: &rk.PublicKey}, scenario.Sign{Algorithm: scenario.SignRSA, KeyEnv: "AQ_SIGN_RSA", Encoding: "base64"}, same, 201},
		{"rsa body byte", checker{pub: &rk.PublicKey}, scenario.Sign{Algorithm: scenario.SignRSA, KeyEnv: "AQ_SIGN_RSA", Encoding: "base64"}, flip, 401},
	} {
		srv := httptest.NewServer(c.gw)
		if got := send(t, signer(t, c.sign), srv.URL, "/v1/authorizations?x=1", body, c.tamper); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
		srv.Close()
	}
}

// TestCanonicalTemplates: a header value of the gateway's own shape, a
// canonical string with a template function (the slow path), timestamps.
func TestCanonicalTemplates(t *testing.T) {
	t.Setenv("AQ_SIGN_HMAC", "k3y-of-the-gateway")
	g := scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_HMAC", Encoding: "hex", Timestamp: "unix_ms",
		Canonical: `{{printf "%s|%s" .Method .Path}}|{{.Timestamp}}|{{.Body}}`, Header: "Stripe-Signature", Value: "t={{.Timestamp}},v1={{.Signature}}"}
	s, err := New(&g)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_700_000_000_123)
	var got string
	s.Sign([]byte("POST"), []byte("/pay"), []byte("{}"), now, func(name string, v []byte) {
		if name == "Stripe-Signature" {
			got = string(v)
		}
	})
	m := hmac.New(sha256.New, []byte("k3y-of-the-gateway"))
	m.Write([]byte("POST|/pay|1700000000123|{}"))
	if want := "t=1700000000123,v1=" + hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	g.Timestamp = "rfc3339"
	s, _ = New(&g)
	s.Sign([]byte("POST"), []byte("/pay"), nil, now, func(name string, v []byte) { got = string(v) })
	if !strings.HasPrefix(got, "t=2023-11-14T22:13:20Z,") {
		t.Errorf("rfc3339 timestamp: %q", got)
	}
}

// TestKeyProblems: a missing variable, an empty key and a key that is not
// PEM are errors naming the cause.
func TestKeyProblems(t *testing.T) {
	t.Setenv("AQ_SIGN_EMPTY", "")
	t.Setenv("AQ_SIGN_NOTPEM", "not a pem at all")
	for _, c := range []struct {
		g    scenario.Sign
		want string
	}{
		{scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_UNSET_X"}, "AQ_SIGN_UNSET_X is not set"},
		{scenario.Sign{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_SIGN_EMPTY"}, "the key is empty"},
		{scenario.Sign{Algorithm: scenario.SignRSA, KeyEnv: "AQ_SIGN_NOTPEM"}, "not PEM"},
		{scenario.Sign{Algorithm: scenario.SignRSA, KeyFile: "/nonexistent/key.pem"}, "no such file"},
	} {
		c.g.Canonical, c.g.Value = scenario.DefaultCanonical, "{{.Signature}}"
		if _, err := New(&c.g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.g, err, c.want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
