package scenario

import (
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// Sign makes every request of the load carry a signature over a canonical
// string: the method, the path, a timestamp, a nonce and the body, rendered
// by Canonical. The body is rendered once and signed as the very bytes
// sent; each attempt (a retry too) gets its own timestamp and nonce.
type Sign struct {
	// Algorithm is hmac-sha256 or rsa-sha256 (PKCS #1 v1.5 with a PEM private key).
	Algorithm string `yaml:"algorithm" json:"algorithm" jsonschema:"required,enum=hmac-sha256,enum=rsa-sha256"`
	// Key is the HMAC key, usually {{env "NAME"}}; or give key_env.
	Key string `yaml:"key,omitempty" json:"key,omitempty"`
	// KeyEnv is the environment variable that holds the key (the HMAC key,
	// or the PEM private key for rsa-sha256).
	KeyEnv string `yaml:"key_env,omitempty" json:"key_env,omitempty"`
	// KeyFile is a PEM private key file (rsa-sha256), read at the start of
	// the run and never copied.
	KeyFile string `yaml:"key_file,omitempty" json:"key_file,omitempty"`
	// Canonical is the string signed, a template over {{.Method}}
	// {{.Path}} (with the query, as sent) {{.Body}} {{.Timestamp}}
	// {{.Nonce}}. Default "{{.Method}}\n{{.Path}}\n{{.Timestamp}}\n{{.Nonce}}\n{{.Body}}".
	Canonical string `yaml:"canonical,omitempty" json:"canonical,omitempty"`
	// Header carries the signature; default X-Signature.
	Header string `yaml:"header,omitempty" json:"header,omitempty"`
	// Value is the header's value, a template over {{.Signature}}
	// {{.Timestamp}} {{.Nonce}}; default {{.Signature}}. E.g. "t={{.Timestamp}},v1={{.Signature}}".
	Value string `yaml:"value,omitempty" json:"value,omitempty"`
	// Encoding of the signature: hex (default) or base64.
	Encoding string `yaml:"encoding,omitempty" json:"encoding,omitempty" jsonschema:"enum=hex,enum=base64"`
	// Timestamp is unix (seconds, default), unix_ms or rfc3339.
	Timestamp string `yaml:"timestamp,omitempty" json:"timestamp,omitempty" jsonschema:"enum=unix,enum=unix_ms,enum=rfc3339"`
	// TimestampHeader and NonceHeader, when set, send the timestamp and the
	// nonce (32 hex digits, new for each attempt) in headers of those names.
	TimestampHeader string `yaml:"timestamp_header,omitempty" json:"timestamp_header,omitempty"`
	NonceHeader     string `yaml:"nonce_header,omitempty" json:"nonce_header,omitempty"`
}

// Signing algorithms.
const (
	SignHMAC = "hmac-sha256"
	SignRSA  = "rsa-sha256"
)

// DefaultCanonical is the canonical string when the scenario gives none.
const DefaultCanonical = "{{.Method}}\n{{.Path}}\n{{.Timestamp}}\n{{.Nonce}}\n{{.Body}}"

// SignFields are what a canonical string may use.
var SignFields = []string{"Method", "Path", "Body", "Timestamp", "Nonce"}

func (g *Sign) defaults() {
	def(&g.Canonical, DefaultCanonical)
	def(&g.Header, "X-Signature")
	def(&g.Value, "{{.Signature}}")
	def(&g.Encoding, "hex")
	def(&g.Timestamp, "unix")
}

func (s *Scenario) validateSign(v *validator) {
	g := s.Target.Request.Sign
	if g == nil {
		return
	}
	const p = "$.target.request.sign"
	if !slices.Contains([]string{SignHMAC, SignRSA}, g.Algorithm) {
		v.errf(p+".algorithm", "hmac-sha256 or rsa-sha256", "must be hmac-sha256 or rsa-sha256, not %q", g.Algorithm)
	}
	given := 0
	for _, k := range []string{g.Key, g.KeyEnv, g.KeyFile} {
		if k != "" {
			given++
		}
	}
	switch {
	case given != 1:
		v.errf(p, `e.g. key: '{{env "SIGNING_KEY"}}', or key_env: SIGNING_KEY`, "give exactly one of key, key_env and key_file")
	case g.Algorithm == SignRSA && g.Key != "":
		v.errf(p+".key", "key_env: NAME (a variable holding the PEM) or key_file: path/to/key.pem", "an RSA key is a PEM: give key_env or key_file")
	case g.Algorithm == SignHMAC && g.KeyFile != "":
		v.errf(p+".key_file", `key: '{{env "SIGNING_KEY"}}' or key_env: SIGNING_KEY`, "key_file is a PEM for rsa-sha256")
	}
	checkTemplate(v, p+".key", g.Key, `{{env "NAME"}} reads the key from the environment`)
	envField(v, p+".key_env", g.KeyEnv)
	for _, t := range []struct {
		field, text string
		allowed     []string
	}{
		{"canonical", g.Canonical, SignFields}, {"value", g.Value, []string{"Signature", "Timestamp", "Nonce"}}} {
		hint := "fields: ." + strings.Join(t.allowed, " .")
		if tm, err := ParseTemplate(t.field, t.text); err != nil {
			v.errf(p+"."+t.field, hint, "bad template: %v", err)
		} else if f := unknownField(tm, t.allowed); f != "" {
			v.errf(p+"."+t.field, hint, "no field %q", f)
		}
	}
	for field, h := range map[string]string{"header": g.Header, "timestamp_header": g.TimestampHeader, "nonce_header": g.NonceHeader} {
		if (h != "" || field == "header") && !validHeaderName(h) {
			v.errf(p+"."+field, "e.g. X-Signature", "%q is not a header name", h)
		}
	}
	if !slices.Contains([]string{"hex", "base64"}, g.Encoding) {
		v.errf(p+".encoding", "", "must be hex or base64, not %q", g.Encoding)
	}
	if !slices.Contains([]string{"unix", "unix_ms", "rfc3339"}, g.Timestamp) {
		v.errf(p+".timestamp", "", "must be unix, unix_ms or rfc3339, not %q", g.Timestamp)
	}
}

// unknownField returns the first {{.Field}} of t that is not in allowed.
func unknownField(t *template.Template, allowed []string) string {
	var bad string
	var visit func(n parse.Node)
	visit = func(n parse.Node) {
		if bad != "" || n == nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					visit(c)
				}
			}
		case *parse.ActionNode:
			visit(n.Pipe)
		case *parse.IfNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.WithNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					visit(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				visit(a)
			}
		case *parse.FieldNode:
			if !slices.Contains(allowed, n.Ident[0]) {
				bad = n.Ident[0]
			}
		}
	}
	if t.Tree != nil {
		visit(t.Tree.Root)
	}
	return bad
}
