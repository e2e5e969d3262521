package load

import (
	"fmt"
	"strconv"
	"text/template"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// text is a compiled request template. Templates that are only text and
// {{.Field}} references (every default, and most user templates) render by
// concatenation; anything else falls back to text/template.
type text struct {
	parts  []scenario.Part
	tmpl   *template.Template
	notify string // {{.NotifyURL}}: the run's webhook receiver
	max    int    // the most it may render
}

// fields are the view's fields that render by concatenation (the fast path
// of render); a template may refer to any field of view (see viewFields).
var fields = map[string]bool{"AccountID": true, "AccountRef": true, "AmountMinor": true, "Currency": true, "MerchantID": true, "IdempotencyKey": true, "AuthID": true,
	"NotifyURL": true}

func compile(name, src string) (*text, error) {
	t, err := scenario.ParseTemplate(name, src)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return &text{tmpl: t, parts: scenario.Fields(t, func(f string) bool { return fields[f] }), max: scenario.MaxRequestBytes}, nil
}

// compileHeader compiles a header's value, which renders at most
// scenario.MaxHeaderBytes: its literal text alone may not be longer.
func compileHeader(name, src string) (*text, error) {
	t, err := compile(name, src)
	if err != nil {
		return nil, err
	}
	if t.parts != nil && len(src) > scenario.MaxHeaderBytes {
		return nil, fmt.Errorf("template %s: longer than %d bytes, the most a header may be", name, scenario.MaxHeaderBytes)
	}
	t.max = scenario.MaxHeaderBytes
	return t, nil
}

// capped is a buffer that refuses to grow past max: a write past it stops
// the template.
type capped struct {
	b   []byte
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if len(c.b)+len(p) > c.max {
		return 0, fmt.Errorf("the template renders more than %d bytes", c.max)
	}
	c.b = append(c.b, p...)
	return len(p), nil
}

// view is what templates see. A field added here is allowed in templates at
// once: CheckTemplates lists the fields from this type.
type view struct {
	AccountID, AccountRef, Currency, MerchantID, IdempotencyKey string
	AmountMinor                                                 int64
	// AuthID is the service's id of the authorisation, in capture and void
	// requests (empty in the authorisation itself).
	AuthID string
	// NotifyURL is the run's webhook receiver (target.webhooks).
	NotifyURL string
}

func viewOf(p *traffic.Payment, authID string) view {
	return view{AccountID: p.AccountID, AccountRef: p.AccountRef, Currency: p.Currency, MerchantID: p.MerchantID, IdempotencyKey: p.IdempotencyKey,
		AmountMinor: p.AmountMinor, AuthID: authID}
}

// render appends the template for payment p to b.
func (c *text) render(b []byte, p *traffic.Payment) ([]byte, error) { return c.renderFor(b, p, "") }

// renderFor appends the template for a call of payment p's flow, about the
// authorisation authID, to b.
func (c *text) renderFor(b []byte, p *traffic.Payment, authID string) ([]byte, error) {
	if c.parts == nil {
		buf := capped{max: c.max}
		v := viewOf(p, authID)
		v.NotifyURL = c.notify
		err := c.tmpl.Execute(&buf, v)
		return append(b, buf.b...), err
	}
	for _, pt := range c.parts {
		switch pt.Field {
		case "":
			b = append(b, pt.Lit...)
		case "AccountID":
			b = append(b, p.AccountID...)
		case "AccountRef":
			b = append(b, p.AccountRef...)
		case "AmountMinor":
			b = strconv.AppendInt(b, p.AmountMinor, 10)
		case "Currency":
			b = append(b, p.Currency...)
		case "MerchantID":
			b = append(b, p.MerchantID...)
		case "IdempotencyKey":
			b = append(b, p.IdempotencyKey...)
		case "AuthID":
			b = append(b, authID...)
		case "NotifyURL":
			b = append(b, c.notify...)
		}
	}
	return b, nil
}
