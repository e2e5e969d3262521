package coord

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// The run's token reaches a shard in one of these (the first set wins):
// TokenEnv holds it, TokenFileEnv names a file that holds it (a Swarm
// secret, /run/secrets/...). authquake swarm and authquake k8s set them;
// by hand, export the token shard 0 prints.
const (
	TokenEnv     = "AUTHQUAKE_RUN_TOKEN"
	TokenFileEnv = "AUTHQUAKE_RUN_TOKEN_FILE"
)

// minToken is the shortest token accepted: 128 bits in hex.
const minToken = 32

// NewToken returns a random token for one run: 256 bits, in hex.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// TokenFromEnv reads the run's token from TokenEnv or the file TokenFileEnv
// names; "" when neither is set.
func TokenFromEnv() (string, error) {
	if t := os.Getenv(TokenEnv); t != "" {
		return t, CheckToken(t)
	}
	path := os.Getenv(TokenFileEnv)
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("$%s: %w", TokenFileEnv, err)
	}
	t := strings.TrimSpace(string(b))
	return t, CheckToken(t)
}

// CheckToken refuses a token too short to guess at no cost.
func CheckToken(t string) error {
	if len(t) < minToken || strings.ContainsAny(t, " \t\r\n") {
		return fmt.Errorf("the run token must be at least %d characters without spaces (make one: openssl rand -hex 32)", minToken)
	}
	return nil
}

// errToken is the answer to a request without the run's token.
var errToken = errors.New("this coordinator answers the shards of its own run only: send its token (Authorization: Bearer, from $" + TokenEnv + ")")

// authorized reports whether r carries the token, compared in constant
// time (over digests, so that not even its length shows).
func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	want := sha256.Sum256([]byte(s.cfg.Token))
	have := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(want[:], have[:]) == 1 && ok
}
