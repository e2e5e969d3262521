package sign

import (
	"fmt"
	"slices"
	"text/template"

	"github.com/authquake/authquake/harness/scenario"
)

// fields are what the canonical string and the header value see.
type fields struct {
	method, path, body, timestamp, nonce, signature []byte
}

// tmpl is a compiled canonical string or header value: a template of text
// and {{.Field}} references renders by concatenation; anything else by
// text/template.
type tmpl struct {
	parts []scenario.Part
	t     *template.Template
}

func compile(name, src string, allowed []string) (*tmpl, error) {
	t, err := scenario.ParseTemplate(name, src)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", name, err)
	}
	return &tmpl{t: t, parts: scenario.Fields(t, func(f string) bool { return slices.Contains(allowed, f) })}, nil
}

// view is what text/template sees when a template is more than fields.
type view struct {
	Method, Path, Body, Timestamp, Nonce, Signature string
}

// render appends the template for f to b.
func (c *tmpl) render(b []byte, f *fields) ([]byte, error) {
	if c.parts == nil {
		w := appender{b: b}
		err := c.t.Execute(&w, view{Method: string(f.method), Path: string(f.path), Body: string(f.body),
			Timestamp: string(f.timestamp), Nonce: string(f.nonce), Signature: string(f.signature)})
		return w.b, err
	}
	for _, p := range c.parts {
		switch p.Field {
		case "":
			b = append(b, p.Lit...)
		case "Method":
			b = append(b, f.method...)
		case "Path":
			b = append(b, f.path...)
		case "Body":
			b = append(b, f.body...)
		case "Timestamp":
			b = append(b, f.timestamp...)
		case "Nonce":
			b = append(b, f.nonce...)
		case "Signature":
			b = append(b, f.signature...)
		}
	}
	return b, nil
}

type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	if len(a.b)+len(p) > scenario.MaxRequestBytes {
		return 0, fmt.Errorf("sign: renders more than %d bytes", scenario.MaxRequestBytes)
	}
	a.b = append(a.b, p...)
	return len(p), nil
}
