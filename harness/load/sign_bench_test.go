package load

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
)

// BenchmarkSenderSigned is BenchmarkSenderRoundTrip with the request signed
// (target.request.sign): the cost of signing per request is the difference
// from "none". go test -bench SenderSigned -benchmem ./harness/load/
func BenchmarkSenderSigned(b *testing.B) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(rk)
	os.Setenv("AQ_BENCH_HMAC", "bench-hmac-key-0123456789")
	os.Setenv("AQ_BENCH_RSA", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	for _, c := range []struct{ name, sign string }{
		{"none", ""},
		{"hmac-sha256", "{algorithm: hmac-sha256, key_env: AQ_BENCH_HMAC, timestamp_header: X-Timestamp, nonce_header: X-Nonce}"},
		{"rsa-sha256", "{algorithm: rsa-sha256, key_env: AQ_BENCH_RSA, encoding: base64, timestamp_header: X-Timestamp, nonce_header: X-Nonce}"},
	} {
		b.Run(c.name, func(b *testing.B) {
			y := "name: b\ntraffic: {phases: [{duration: 1000s, shape: constant, rate: 1000/s}]}\n"
			if c.sign != "" {
				y += "target: {request: {sign: " + c.sign + "}}\n"
			}
			benchSender(b, y)
		})
	}
}
