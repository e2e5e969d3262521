// Package sign signs the requests of the load as payment gateways require:
// HMAC-SHA256 or RSA-SHA256 over a canonical string of the method, the
// path, a timestamp, a nonce and the body, sent in a header. The body is
// signed as the very bytes sent. The key is read once, from the
// environment or a PEM file, and registered as a secret (harness/secret).
package sign

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// Signer signs requests; safe for concurrent use.
type Signer struct {
	hmacKey   []byte
	rsaKey    *rsa.PrivateKey
	canonical *tmpl
	value     *tmpl // nil: the signature alone
	header    string
	tsHeader  string
	nonceHdr  string
	base64    bool
	stamp     string
	scratch   sync.Pool // *scratch
}

// New compiles the scenario's sign block and reads its key.
func New(g *scenario.Sign) (*Signer, error) {
	s := &Signer{header: g.Header, tsHeader: g.TimestampHeader, nonceHdr: g.NonceHeader,
		base64: g.Encoding == "base64", stamp: g.Timestamp}
	var err error
	if s.canonical, err = compile("canonical", g.Canonical, scenario.SignFields); err != nil {
		return nil, err
	}
	if g.Value != "{{.Signature}}" {
		if s.value, err = compile("value", g.Value, []string{"Signature", "Timestamp", "Nonce"}); err != nil {
			return nil, err
		}
	}
	key, err := readKey(g)
	if err != nil {
		return nil, err
	}
	switch g.Algorithm {
	case scenario.SignHMAC:
		s.hmacKey = []byte(key)
	case scenario.SignRSA:
		if s.rsaKey, err = parseRSA(key); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sign: unknown algorithm %q", g.Algorithm)
	}
	s.scratch.New = func() any {
		var seed [32]byte
		rand.Read(seed[:])
		sc := &scratch{buf: make([]byte, 0, 1024), rng: mrand.NewChaCha8(seed)}
		if s.hmacKey != nil {
			sc.mac = hmac.New(sha256.New, s.hmacKey)
		}
		return sc
	}
	return s, nil
}

// readKey returns the key from key (a template over env), key_env or
// key_file, registered as a secret.
func readKey(g *scenario.Sign) (string, error) {
	var key string
	var err error
	switch {
	case g.KeyEnv != "":
		key, err = secret.Lookup(g.KeyEnv)
	case g.KeyFile != "":
		var b []byte
		if b, err = os.ReadFile(g.KeyFile); err == nil {
			key = string(b)
			secret.Register(key)
		}
	default:
		key, err = secret.Expand(g.Key)
		secret.Register(key)
	}
	if err != nil {
		return "", fmt.Errorf("sign: key: %w", err)
	}
	if key == "" {
		return "", errors.New("sign: the key is empty")
	}
	return key, nil
}

// parseRSA reads a PEM RSA private key, PKCS #1 or PKCS #8.
func parseRSA(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("sign: the rsa-sha256 key is not PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sign: the PEM key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sign: the PEM key is a %T, not an RSA key", k)
	}
	return rk, nil
}

// Sign computes the signature of one request (method, path with its query,
// the body as sent) at now and passes each header to set: the signature,
// and the timestamp and nonce when the scenario names their headers. The
// value passed to set is valid only during the call.
func (s *Signer) Sign(method, path, body []byte, now time.Time, set func(name string, value []byte)) error {
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	ts := s.timestamp(sc.stamp[:0], now)
	sc.rng.Read(sc.raw[:])
	hex.Encode(sc.nonce[:], sc.raw[:])
	f := fields{method: method, path: path, body: body, timestamp: ts, nonce: sc.nonce[:]}
	b, err := s.canonical.render(sc.buf[:0], &f)
	if err != nil {
		return err
	}
	var sum []byte
	if s.rsaKey != nil {
		sc.sum = sha256.Sum256(b)
		if sum, err = rsa.SignPKCS1v15(nil, s.rsaKey, crypto.SHA256, sc.sum[:]); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	} else {
		sc.mac.Reset()
		sc.mac.Write(b)
		sum = sc.mac.Sum(sc.sum[:0])
	}
	mark := len(b)
	if s.base64 {
		b = base64.StdEncoding.AppendEncode(b, sum)
	} else {
		b = hex.AppendEncode(b, sum)
	}
	f.signature = b[mark:]
	if s.value != nil {
		end := len(b)
		if b, err = s.value.render(b, &f); err != nil {
			return err
		}
		f.signature = b[end:]
	}
	set(s.header, f.signature)
	if s.tsHeader != "" {
		set(s.tsHeader, ts)
	}
	if s.nonceHdr != "" {
		set(s.nonceHdr, sc.nonce[:])
	}
	sc.buf = b[:0]
	return nil
}

// scratch is one signing's memory, pooled: a request signs without
// allocating (HMAC).
type scratch struct {
	buf   []byte
	mac   hash.Hash      // HMAC-SHA256 with the key; nil for RSA
	rng   *mrand.ChaCha8 // the nonces: a CSPRNG seeded from crypto/rand, without a system call each
	sum   [sha256.Size]byte
	raw   [16]byte
	nonce [32]byte
	stamp [40]byte
}

func (s *Signer) timestamp(b []byte, now time.Time) []byte {
	switch s.stamp {
	case "unix_ms":
		return strconv.AppendInt(b, now.UnixMilli(), 10)
	case "rfc3339":
		return now.UTC().AppendFormat(b, time.RFC3339)
	}
	return strconv.AppendInt(b, now.Unix(), 10)
}
