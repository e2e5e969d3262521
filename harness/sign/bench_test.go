package sign

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/scenario"
)

// BenchmarkSign is the signing alone, per request: the canonical string of
// a 100-byte body, the signature, its encoding, the three headers.
func BenchmarkSign(b *testing.B) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(rk)
	os.Setenv("AQ_BENCH_SIGN_HMAC", "bench-hmac-key-0123456789")
	os.Setenv("AQ_BENCH_SIGN_RSA", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	body := []byte(`{"account_id":"acct-000042","amount_minor":2500,"currency":"EUR","merchant_id":"merch-0007","x":"0123"}`)
	for _, c := range []scenario.Sign{
		{Algorithm: scenario.SignHMAC, KeyEnv: "AQ_BENCH_SIGN_HMAC", Encoding: "hex"},
		{Algorithm: scenario.SignRSA, KeyEnv: "AQ_BENCH_SIGN_RSA", Encoding: "base64"},
	} {
		b.Run(c.Algorithm, func(b *testing.B) {
			c.Canonical, c.Header, c.Value, c.Timestamp = scenario.DefaultCanonical, "X-Signature", "{{.Signature}}", "unix"
			c.TimestampHeader, c.NonceHeader = "X-Timestamp", "X-Nonce"
			s, err := New(&c)
			if err != nil {
				b.Fatal(err)
			}
			set := func(string, []byte) {}
			now := time.Now()
			b.ReportAllocs()
			for range b.N {
				s.Sign([]byte("POST"), []byte("/v1/authorizations"), body, now, set)
			}
		})
	}
}
