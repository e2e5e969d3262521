package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"text/template"
	"text/template/parse"

	"github.com/authquake/authquake/harness/secret"
)

// MaxTemplateBytes is the longest request template (path, body or header),
// and MaxRequestBytes the most one template may render.
const (
	MaxTemplateBytes = 64 << 10
	MaxRequestBytes  = 1 << 20
	// MaxHeaders is the most headers of one request, and MaxHeaderBytes
	// the most one header's value may render: servers refuse far less (8
	// KiB a header line is common), and every header is rendered for 64
	// sample payments by validate.
	MaxHeaders     = 64
	MaxHeaderBytes = 8 << 10
)

// headerCount refuses more than MaxHeaders headers at path.
func (v *validator) headerCount(path string, headers map[string]string) {
	if len(headers) > MaxHeaders {
		v.errf(path, "a request has a few headers; the README's limits", "%d headers: at most %d", len(headers), MaxHeaders)
	}
}

// wideVerb is a printf verb with a width or precision of four digits or
// more, or one taken from an argument: it could make a request of any size.
var wideVerb = regexp.MustCompile(`%[^a-zA-Z%]*?(\*|[0-9]{4,})`)

// ParseTemplate parses a request template and checks that it renders in
// bounded time and space: no range (a range over a number loops that many
// times), no template calls (they could recurse), no printf width or
// precision past three digits. The load generator compiles only templates
// that pass, and caps what one renders at MaxRequestBytes.
func ParseTemplate(name, src string) (*template.Template, error) {
	return parseBounded(name, src, bounds{})
}

// ParseSetupTemplate parses a setup step's template with the same bounds,
// but for accounts: a batch step's may range over its batch, a once step's
// over every account ({{range .Accounts}}, not nested; what it renders is
// capped at MaxRequestBytes like any template).
func ParseSetupTemplate(name, src string, accounts bool) (*template.Template, error) {
	return parseBounded(name, src, bounds{accounts: accounts})
}

// bounds are what a template may do beyond text, fields and functions.
type bounds struct {
	accounts bool // range over .Accounts
	inRange  bool
}

func parseBounded(name, src string, b bounds) (*template.Template, error) {
	if len(src) > MaxTemplateBytes {
		return nil, fmt.Errorf("longer than %d bytes", MaxTemplateBytes)
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(secret.Funcs).Parse(src)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("define and block are not allowed in a request template")
	}
	if t.Tree != nil && t.Tree.Root != nil {
		if err := b.node(t.Tree.Root); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// overAccounts says whether a range's pipeline is .Accounts, alone or
// with $i, $a := declared.
func overAccounts(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	return ok && len(f.Ident) == 1 && f.Ident[0] == "Accounts"
}

// node walks a template's tree for what could render without bound.
func (b bounds) node(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := b.node(c); err != nil {
				return err
			}
		}
	case *parse.RangeNode:
		if b.accounts && !b.inRange && overAccounts(n.Pipe) {
			in := bounds{accounts: true, inRange: true}
			return errors.Join(in.node(n.List), in.node(n.ElseList))
		}
		if b.accounts {
			return errors.New("range is allowed over .Accounts only, not nested: {{range .Accounts}}...{{end}}")
		}
		return errors.New("range is not allowed in a request template: it could loop without bound (a setup step with batch: N may range over .Accounts)")
	case *parse.IfNode:
		return errors.Join(b.node(n.Pipe), b.node(n.List), b.node(n.ElseList))
	case *parse.WithNode:
		return errors.Join(b.node(n.Pipe), b.node(n.List), b.node(n.ElseList))
	case *parse.ActionNode:
		return b.node(n.Pipe)
	case *parse.TemplateNode:
		return errors.New("template calls are not allowed in a request template: they could recurse without bound")
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := b.node(c); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if s, ok := a.(*parse.StringNode); ok && wideVerb.MatchString(s.Text) {
				return fmt.Errorf("%s: a width or precision past three digits could make a request of any size", s.Quoted)
			}
			if err := b.node(a); err != nil {
				return err
			}
		}
	case *parse.ChainNode:
		return b.node(n.Node)
	}
	return nil
}

// Part is a piece of a template: literal text, or a {{.Field}} reference.
type Part struct{ Lit, Field string }

// Fields splits a template into literal text and {{.Field}} references of
// the fields allowed, for renderers that concatenate instead of executing
// (the request path of the load generator); nil when the template is
// anything more, and an empty list for an empty template.
func Fields(t *template.Template, allowed func(string) bool) []Part {
	parts := []Part{}
	if t.Tree == nil || t.Tree.Root == nil {
		return parts
	}
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			parts = append(parts, Part{Lit: string(n.Text)})
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return nil
			}
			f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 || !allowed(f.Ident[0]) {
				return nil
			}
			parts = append(parts, Part{Field: f.Ident[0]})
		default:
			return nil
		}
	}
	return parts
}
