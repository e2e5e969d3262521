// Network kinds: a Toxiproxy toxic on a link, one kind per file (latency.go,
// bandwidth.go, timeout.go, reset_peer.go, slow_close.go, limit_data.go; and
// down.go, which disables the link's proxy), like Toxiproxy's own toxics/.

package fault

import (
	"context"
	"fmt"
	"slices"
	"strings"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/scenario"
)

// ToxicCommon holds the parameters common to every toxic.
type ToxicCommon struct {
	// Stream is downstream (answers, the default) or upstream (requests).
	Stream string `yaml:"stream"`
	// Toxicity is the share of connections affected, 1 by default.
	Toxicity *float64 `yaml:"toxicity"`
}

func (s *ToxicCommon) common() *ToxicCommon { return s }

var streamDocs = []string{"stream: downstream (answers) or upstream (requests) (downstream)", "toxicity: share of connections affected, 0 to 1 (1)"}

// toxicParams is what each toxic kind's parameters provide.
type toxicParams interface {
	common() *ToxicCommon
	attributes() (toxiclient.Attributes, []ParamError)
}

func ms(d scenario.Duration) int64 { return d.D().Milliseconds() }

// toxic defines a network kind whose fault is one Toxiproxy toxic of typ on
// the target link, with its effect on payments.
func toxic[P any, PP interface {
	*P
	toxicParams
}](name, typ, summary string, effect EffectRule, params ...string) Kind {
	parse := func(s Spec) (PP, toxiclient.Attributes, []ParamError) {
		p := PP(new(P))
		if errs := Decode(s.Params, p); errs != nil {
			return nil, nil, errs
		}
		c := p.common()
		var errs []ParamError
		if c.Stream != "" && c.Stream != "downstream" && c.Stream != "upstream" {
			errs = append(errs, ParamError{"stream", fmt.Sprintf("must be downstream or upstream, not %q", c.Stream)})
		}
		if c.Toxicity != nil && (*c.Toxicity < 0 || *c.Toxicity > 1) {
			errs = append(errs, ParamError{"toxicity", "must be from 0 to 1"})
		}
		attrs, aerrs := p.attributes()
		return p, attrs, append(errs, aerrs...)
	}
	return Kind{
		Name: name, Family: "network", Summary: summary, Target: "a link: client, db, or a dependency's name",
		Params: append(params, streamDocs...), Effect: effect,
		Check: func(s Spec) []ParamError {
			_, _, errs := parse(s)
			return append(errs, needTarget(s)...)
		},
		Build: func(s Spec, env Env) (Fault, error) {
			p, attrs, errs := parse(s)
			if err := JoinParams(errs); err != nil {
				return nil, err
			}
			if err := env.link(s.Target); err != nil {
				return nil, err
			}
			c := p.common()
			stream, toxicity := c.Stream, float32(1)
			if stream == "" {
				stream = "downstream"
			}
			if c.Toxicity != nil {
				toxicity = float32(*c.Toxicity)
			}
			return &toxicFault{client: env.Toxiproxy, link: s.Target, name: "authquake-" + s.ID, typ: typ,
				stream: stream, toxicity: toxicity, attrs: attrs}, nil
		},
	}
}

// toxicFault is one toxic on one proxy.
type toxicFault struct {
	client          *toxiclient.Client
	link, name, typ string
	stream          string
	toxicity        float32
	attrs           toxiclient.Attributes
}

func (f *toxicFault) Inject(context.Context) error {
	p, err := f.client.Proxy(f.link)
	if err != nil {
		return fmt.Errorf("proxy %s: %w", f.link, err)
	}
	_, err = p.AddToxic(f.name, f.typ, f.stream, f.toxicity, f.attrs)
	return err
}

func (f *toxicFault) Revert(context.Context) error {
	p, err := f.client.Proxy(f.link)
	if err != nil {
		return fmt.Errorf("proxy %s: %w", f.link, err)
	}
	if err := p.RemoveToxic(f.name); err != nil && !strings.Contains(err.Error(), "not found") {
		return err
	}
	return nil
}

func needTarget(s Spec) []ParamError {
	if s.Target == "" {
		return []ParamError{{Msg: "needs a target"}}
	}
	return nil
}

func (env Env) link(name string) error {
	if env.Toxiproxy == nil || !slices.Contains(env.Links, name) {
		return fmt.Errorf("no link %q: this target has links %s", name, strings.Join(env.Links, ", "))
	}
	return nil
}

// JoinParams is one error of every parameter problem, nil when there is none:
// what a kind's Build returns for what its Check reports.
func JoinParams(errs []ParamError) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}
