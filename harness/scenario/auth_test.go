package scenario

import (
	"os"
	"strings"
	"testing"
)

// TestAuthAndSignValidation: every problem of target.auth and
// target.request.sign is reported at its place in the file.
func TestAuthAndSignValidation(t *testing.T) {
	head := "name: s\ntarget:\n  kind: url\n  url: \"http://127.0.0.1:1\"\n"
	tail := "traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	for _, tc := range []struct {
		name, block, want string
	}{
		// OAuth2 needs the secret's variable too.
		{"oauth half", "  auth: {url: /oauth/token, client_id: me}", "s.yaml:5:3: target.auth: OAuth2 client credentials need both client_id and client_secret_env"},
		// A login call of one's own or OAuth2, not both.
		{"oauth and body", "  auth: {url: /t, client_id: me, client_secret_env: S, body: '{}'}", "target.auth.body: conflicts with client_id"},
		// The url is a path or http://.
		{"auth url", "  auth: {url: ftp://x, client_id: me, client_secret_env: S}", "target.auth.url: \"ftp://x\" is neither a path nor an http URL"},
		// A variable name is a variable name.
		{"env name", "  auth: {url: /t, client_id: me, client_secret_env: 'my secret'}", "target.auth.client_secret_env: \"my secret\" is not an environment variable name"},
		{"env in template", "  auth: {url: /t, body: '{\"pw\":\"{{env \"a-b\"}}\"}'}", `target.auth.body: "a-b" is not an environment variable name`},
		{"token path", "  auth: {url: /t, client_id: me, client_secret_env: S, token: data..token}", `target.auth.token: "data..token" is not a JSON path`},
		{"header", "  auth: {url: /t, client_id: me, client_secret_env: S, header: 'X Auth'}", `target.auth.header: "X Auth" is not a header name`},
		{"unknown auth field", "  auth: {url: /t, client_secret: x}", "client_secret"},
		// One key, of the algorithm's kind.
		{"no key", "  request: {sign: {algorithm: hmac-sha256}}", "target.request.sign: give exactly one of key, key_env and key_file"},
		{"two keys", "  request: {sign: {algorithm: hmac-sha256, key: k, key_env: K}}", "give exactly one of key, key_env and key_file"},
		{"rsa literal", "  request: {sign: {algorithm: rsa-sha256, key: k}}", "target.request.sign.key: an RSA key is a PEM"},
		{"algorithm", "  request: {sign: {algorithm: md5, key_env: K}}", `target.request.sign.algorithm: must be hmac-sha256 or rsa-sha256, not "md5"`},
		// The canonical string's fields are the signed request's.
		{"canonical field", "  request: {sign: {algorithm: hmac-sha256, key_env: K, canonical: '{{.Method}}{{.Url}}'}}", `target.request.sign.canonical: no field "Url"`},
		{"canonical range", "  request: {sign: {algorithm: hmac-sha256, key_env: K, canonical: '{{range .Body}}x{{end}}'}}", "range is not allowed"},
		{"value field", "  request: {sign: {algorithm: hmac-sha256, key_env: K, value: 'v1={{.Body}}'}}", `target.request.sign.value: no field "Body"`},
		{"encoding", "  request: {sign: {algorithm: hmac-sha256, key_env: K, encoding: base32}}", "must be hex or base64"},
		{"timestamp", "  request: {sign: {algorithm: hmac-sha256, key_env: K, timestamp: iso}}", "must be unix, unix_ms or rfc3339"},
		// Follow-ups are signed by the request's block.
		{"capture sign", "  capture: {path: /c, sign: {algorithm: hmac-sha256, key_env: K}}", "target.capture.sign: only target.request has a sign block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("s.yaml", []byte(head+tc.block+"\n"+tail))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	ok := head + `  auth: {url: /oauth/token, client_id: me, client_secret_env: CLIENT_SECRET}
  request:
    headers: {X-Api-Key: '{{env "API_KEY"}}'}
    sign: {algorithm: hmac-sha256, key: '{{env "SIGNING_KEY"}}'}
` + tail
	s, src, err := Parse("s.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	a, g := s.Target.Auth, s.Target.Request.Sign
	if a.Token != "access_token" || a.ExpiresIn != "expires_in" || a.Prefix() != "Bearer " || g.Canonical != DefaultCanonical || g.Header != "X-Signature" || g.Encoding != "hex" {
		t.Errorf("defaults not applied: %+v %+v", a, g)
	}
	// authquake run needs every variable the scenario reads; validate does not.
	os.Unsetenv("CLIENT_SECRET")
	t.Setenv("API_KEY", "x")
	t.Setenv("SIGNING_KEY", "y")
	probs := s.CheckEnv(src)
	if len(probs) != 1 || !strings.Contains(probs[0].String(), "s.yaml:5:44: target.auth.client_secret_env: environment variable CLIENT_SECRET is not set") {
		t.Errorf("CheckEnv: %v", probs)
	}
}
