package scenario

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// Webhooks is the endpoint authquake serves while the run lasts for a
// service that tells a payment's final state later, by notification
// (Stripe- or Alipay-style notify URLs). Its URL is {{.NotifyURL}} in
// request and setup templates. Each notification is matched to its payment
// and recorded in the attempts file as a notify call.
type Webhooks struct {
	// Listen is where it listens; default 127.0.0.1:0 (a free port).
	Listen string `yaml:"listen,omitempty" json:"listen,omitempty"`
	// Path is the notification path; default /notify.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Key is the JSON path of what names the payment in a notification:
	// its idempotency key (match: key, the default) or the service's id
	// for it (match: id, read from answers at target.response.auth_id).
	Key   string `yaml:"key" json:"key" jsonschema:"required"`
	Match string `yaml:"match,omitempty" json:"match,omitempty" jsonschema:"enum=key,enum=id"`
	// Status is the JSON path of the payment's state; Rules map its values
	// to outcomes (a value no rule names is an intermediate state: pending).
	Status string      `yaml:"status" json:"status" jsonschema:"required"`
	Rules  []StateRule `yaml:"rules" json:"rules" jsonschema:"required"`
	// Reason is the JSON path of a decline's reason, if any.
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
	// Signature, when set, is checked on every notification: one that
	// fails is answered 401 and counted, not recorded.
	Signature *WebhookSignature `yaml:"signature,omitempty" json:"signature,omitempty"`
}

// WebhookSignature is how a service signs its notifications: an HMAC of the
// raw body, or of TIMESTAMP.BODY when the timestamp comes in a header of its
// own (Stripe, Blnk), in a header.
type WebhookSignature struct {
	// Algorithm is hmac-sha256.
	Algorithm string `yaml:"algorithm,omitempty" json:"algorithm,omitempty" jsonschema:"enum=hmac-sha256"`
	// Key is the shared secret, usually {{env "NAME"}}; or key_env.
	Key    string `yaml:"key,omitempty" json:"key,omitempty"`
	KeyEnv string `yaml:"key_env,omitempty" json:"key_env,omitempty"`
	// Header holds the signature; default X-Signature.
	Header string `yaml:"header,omitempty" json:"header,omitempty"`
	// Encoding is hex (default) or base64.
	Encoding string `yaml:"encoding,omitempty" json:"encoding,omitempty" jsonschema:"enum=hex,enum=base64"`
	// TimestampHeader, when set, names the header whose value is signed
	// before the body: the HMAC is of TIMESTAMP + "." + BODY, e.g.
	// X-Blnk-Timestamp.
	TimestampHeader string `yaml:"timestamp_header,omitempty" json:"timestamp_header,omitempty"`
}

// StatusPoll polls a status endpoint for payments answered pending, for
// services without webhooks: every Every from the answer until a final
// state or Until, each poll recorded as a status call.
type StatusPoll struct {
	// Method defaults to GET; Path is a template over the payment's fields
	// and {{.AuthID}}, e.g. /payments/{{.AuthID}}.
	Method  string            `yaml:"method,omitempty" json:"method,omitempty"`
	Path    string            `yaml:"path" json:"path" jsonschema:"required"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Every is the time between polls of one payment; default 500ms.
	Every Duration `yaml:"every,omitempty" json:"every,omitempty"`
	// Until bounds the polling of one payment; default target.settle.
	Until Duration `yaml:"until,omitempty" json:"until,omitempty"`
	// Status and Rules read the answer as a webhook's are read.
	Status string      `yaml:"status" json:"status" jsonschema:"required"`
	Rules  []StateRule `yaml:"rules" json:"rules" jsonschema:"required"`
	Reason string      `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// StateRule maps a state value to an outcome.
type StateRule struct {
	// Equals is the one value that matches; In lists the values that match.
	Equals *string  `yaml:"equals,omitempty" json:"equals,omitempty" jsonschema:"oneof_type=string;number;boolean"`
	In     []string `yaml:"in,omitempty" json:"in,omitempty"`
	// Outcome is what the state means: approved, declined, error or pending.
	Outcome string `yaml:"outcome" json:"outcome" jsonschema:"required,enum=approved,enum=declined,enum=error,enum=pending"`
}

// Matches says whether the rule names value.
func (r StateRule) Matches(value string) bool {
	return r.Equals != nil && *r.Equals == value || slices.Contains(r.In, value)
}

// StateOutcomes are what a final state may be.
var StateOutcomes = []string{"approved", "declined", "error", "pending"}

// DefaultSettle is how long a payment accepted for later may take to reach
// its final state when target.settle is not given.
const DefaultSettle = 30 * time.Second

// Settle is the target's settle time: target.settle, or DefaultSettle.
func (t Target) SettleTime() time.Duration {
	if t.Settle > 0 {
		return t.Settle.D()
	}
	return DefaultSettle
}

// Async says whether the target tells final states later (webhooks or polling).
func (t Target) Async() bool { return t.Webhooks != nil || t.Status != nil }

func (s *Scenario) asyncDefaults() {
	t := &s.Target
	if w := t.Webhooks; w != nil {
		def(&w.Listen, "127.0.0.1:0")
		def(&w.Path, "/notify")
		def(&w.Match, "key")
		if g := w.Signature; g != nil {
			def(&g.Algorithm, SignHMAC)
			def(&g.Header, "X-Signature")
			def(&g.Encoding, "hex")
		}
		if w.Match == "id" {
			def(&t.Response.AuthID, DefaultAuthID)
		}
	}
	if p := t.Status; p != nil {
		def(&p.Method, "GET")
		def(&p.Every, Duration(500*time.Millisecond))
		def(&p.Until, Duration(t.SettleTime()))
		if strings.Contains(p.Path, ".AuthID") {
			def(&t.Response.AuthID, DefaultAuthID)
		}
	}
}

func (s *Scenario) validateAsync(v *validator) {
	t := s.Target
	if s.SLO.SettleP99 != nil && !t.Async() {
		v.errf("$.slo.settle_p99", "give target.webhooks or target.status: how the final states are told", "needs final states told later")
	}
	if t.Settle < 0 || t.Settle.D() > 24*time.Hour {
		v.errf("$.target.settle", "e.g. settle: 30s", "must be from 0 to 24h")
	}
	if w := t.Webhooks; w != nil {
		const p = "$.target.webhooks"
		host, _, err := net.SplitHostPort(w.Listen)
		if err != nil {
			v.errf(p+".listen", "e.g. 127.0.0.1:0 (any free port) or 127.0.0.1:9090", "%q is not host:port", w.Listen)
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && host != "0.0.0.0" {
			v.errf(p+".listen", "127.0.0.1:PORT; 0.0.0.0:PORT for a service in a container", "%q is neither loopback nor 0.0.0.0", host)
		}
		if !strings.HasPrefix(w.Path, "/") {
			v.errf(p+".path", "e.g. /notify", "must start with /")
		}
		if w.Match != "key" && w.Match != "id" {
			v.errf(p+".match", "key: the notification names the idempotency key; id: the service's id", "must be key or id, not %q", w.Match)
		}
		v.stateBlock(p, w.Key, "key", w.Status, w.Reason, w.Rules)
		if g := w.Signature; g != nil {
			if g.Algorithm != SignHMAC {
				v.errf(p+".signature.algorithm", "hmac-sha256", "must be hmac-sha256, not %q", g.Algorithm)
			}
			if (g.Key == "") == (g.KeyEnv == "") {
				v.errf(p+".signature", `e.g. key: '{{env "WEBHOOK_SECRET"}}', or key_env: WEBHOOK_SECRET`, "give exactly one of key and key_env")
			}
			checkTemplate(v, p+".signature.key", g.Key, `{{env "NAME"}} reads the secret from the environment`)
			envField(v, p+".signature.key_env", g.KeyEnv)
			if !validHeaderName(g.Header) {
				v.errf(p+".signature.header", "e.g. X-Signature", "%q is not a header name", g.Header)
			}
			if g.TimestampHeader != "" && !validHeaderName(g.TimestampHeader) {
				v.errf(p+".signature.timestamp_header", "e.g. X-Timestamp", "%q is not a header name", g.TimestampHeader)
			}
			if g.Encoding != "hex" && g.Encoding != "base64" {
				v.errf(p+".signature.encoding", "", "must be hex or base64, not %q", g.Encoding)
			}
		}
	}
	if q := t.Status; q != nil {
		const p = "$.target.status"
		if !strings.HasPrefix(q.Path, "/") {
			v.errf(p+".path", "e.g. /v1/payments/{{.AuthID}}", "must start with /")
		} else if _, err := ParseTemplate("path", q.Path); err != nil {
			v.errf(p+".path", "fields: .AuthID .IdempotencyKey .AccountID ...", "bad template: %v", err)
		}
		for k, h := range q.Headers {
			checkTemplate(v, p+".headers."+k, h, "")
		}
		if q.Method != "GET" && q.Method != "POST" {
			v.errf(p+".method", "", "must be GET or POST, not %q", q.Method)
		}
		if q.Every < Duration(10*time.Millisecond) {
			v.errf(p+".every", "e.g. every: 500ms", "must be at least 10ms")
		}
		if q.Until < q.Every || q.Until.D() > 24*time.Hour {
			v.errf(p+".until", "e.g. until: 30s", "must be from every (%s) to 24h", q.Every.D())
		}
		v.stateBlock(p, "", "", q.Status, q.Reason, q.Rules)
	}
}

// stateBlock checks the paths and rules that read a final state.
func (v *validator) stateBlock(p, key, keyField, status, reason string, rules []StateRule) {
	for _, f := range []struct{ field, path string }{{keyField, key}, {"status", status}, {"reason", reason}} {
		if f.field != "" && (f.path != "" || f.field != "reason") && SplitPath(f.path) == nil {
			v.errf(p+"."+f.field, "a dot-separated JSON path, e.g. data.status", "%q is not a JSON path", f.path)
		}
	}
	final := false
	for i, r := range rules {
		q := fmt.Sprintf("%s.rules[%d]", p, i)
		if !slices.Contains(StateOutcomes, r.Outcome) {
			v.errf(q+".outcome", "one of "+strings.Join(StateOutcomes, ", "), "unknown outcome %q", r.Outcome)
		}
		if (r.Equals == nil) == (len(r.In) == 0) {
			v.errf(q, "e.g. {equals: SUCCEEDED, outcome: approved} or {in: [FAILED, CANCELLED], outcome: declined}", "give equals or in")
		}
		final = final || r.Outcome != "pending"
	}
	if !final {
		v.errf(p+".rules", "e.g. [{equals: SUCCEEDED, outcome: approved}, {equals: FAILED, outcome: declined}]", "needs a rule for a final state")
	}
}
