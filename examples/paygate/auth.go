package paygate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// token answers OAuth2 client credentials (RFC 6749 4.4) with a bearer
// token that expires after TokenTTL.
func (g *Gateway) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_secret") != g.cfg.ClientSecret {
		reply(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	var raw [16]byte
	rand.Read(raw[:])
	tok := hex.EncodeToString(raw[:])
	g.mu.Lock()
	g.tokens[tok] = time.Now().Add(g.cfg.TokenTTL)
	g.mu.Unlock()
	reply(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": g.cfg.TokenTTL.Seconds()})
}

// check refuses a request without a live token or a good signature, and
// says why; body is the request's body as read.
func (g *Gateway) check(r *http.Request, body []byte) (string, bool) {
	now := time.Now()
	if g.cfg.ClientSecret != "" {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		exp, ok := g.tokens[tok]
		g.mu.Unlock()
		switch {
		case !ok:
			return "unknown token", false
		case now.After(exp):
			return "token expired", false
		}
	}
	if g.cfg.HMACKey == "" {
		return "", true
	}
	ts, nonce := r.Header.Get("X-Timestamp"), r.Header.Get("X-Nonce")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return "timestamp missing or off by more than 5 minutes", false
	}
	m := hmac.New(sha256.New, []byte(g.cfg.HMACKey))
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s", r.Method, r.URL.RequestURI(), ts, nonce, body)
	if !hmac.Equal([]byte(r.Header.Get("X-Signature")), []byte(hex.EncodeToString(m.Sum(nil)))) {
		return "bad signature", false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if nonce == "" || g.nonces[nonce] {
		return "nonce missing or used before", false
	}
	g.nonces[nonce] = true
	return "", true
}
