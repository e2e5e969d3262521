package load

import (
	"bytes"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// FuzzRequestTemplate: every template the scenario check accepts compiles,
// renders in bounded time to at most MaxRequestBytes, and the fast path
// (plain text and fields) renders exactly what text/template would.
func FuzzRequestTemplate(f *testing.F) {
	for _, s := range []string{scenario.DefaultBody, scenario.DefaultPath, "/v1/{{.AccountID}}/pay", "{{.IdempotencyKey}}",
		`{{if eq .Currency "EUR"}}€{{else}}{{.Currency}}{{end}}`, `{{printf "%08d" .AmountMinor}}`, `{{with .MerchantID}}{{.}}{{end}}`,
		"{{range 1000000000}}x{{end}}", `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, `{{printf "%099999999d" 1}}`,
		`{{.Nope}}`, "{{", ""} {
		f.Add(s)
	}
	p := &traffic.Payment{Seq: 7, AccountID: "acct-000001", AmountMinor: 2500, Currency: "EUR", MerchantID: "mrc-0001", IdempotencyKey: "aq-1-7"}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := compile("body", src)
		if err != nil {
			return
		}
		out, err := c.render(nil, p)
		if len(out) > scenario.MaxRequestBytes {
			t.Fatalf("rendered %d bytes", len(out))
		}
		if err != nil || c.parts == nil {
			return
		}
		var want bytes.Buffer
		if err := c.tmpl.Execute(&want, viewOf(p, "")); err != nil {
			t.Fatalf("the fast path rendered what text/template refuses: %v", err)
		}
		if !bytes.Equal(out, want.Bytes()) {
			t.Fatalf("fast path %q, text/template %q", out, want.Bytes())
		}
	})
}
