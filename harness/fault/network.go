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

type latencyParams struct {
	ToxicCommon `yaml:",inline"`
	Latency     scenario.Duration `yaml:"latency"`
	Jitter      scenario.Duration `yaml:"jitter"`
}

func (p *latencyParams) attributes() (toxiclient.Attributes, []ParamError) {
	if p.Latency <= 0 {
		return nil, []ParamError{{"latency", "is required, e.g. latency: 200ms"}}
	}
	return toxiclient.Attributes{"latency": ms(p.Latency), "jitter": ms(p.Jitter)}, nil
}

type bandwidthParams struct {
	ToxicCommon `yaml:",inline"`
	Rate        int64 `yaml:"rate"`
}

func (p *bandwidthParams) attributes() (toxiclient.Attributes, []ParamError) {
	if p.Rate <= 0 {
		return nil, []ParamError{{"rate", "is required: KB/s, e.g. rate: 64"}}
	}
	return toxiclient.Attributes{"rate": p.Rate}, nil
}

type timeoutParams struct {
	ToxicCommon `yaml:",inline"`
	Timeout     scenario.Duration `yaml:"timeout"`
}

func (p *timeoutParams) attributes() (toxiclient.Attributes, []ParamError) {
	return toxiclient.Attributes{"timeout": ms(p.Timeout)}, nil
}

type slowCloseParams struct {
	ToxicCommon `yaml:",inline"`
	Delay       scenario.Duration `yaml:"delay"`
}

func (p *slowCloseParams) attributes() (toxiclient.Attributes, []ParamError) {
	if p.Delay <= 0 {
		return nil, []ParamError{{"delay", "is required, e.g. delay: 1s"}}
	}
	return toxiclient.Attributes{"delay": ms(p.Delay)}, nil
}

type limitDataParams struct {
	ToxicCommon `yaml:",inline"`
	Bytes       int64 `yaml:"bytes"`
}

func (p *limitDataParams) attributes() (toxiclient.Attributes, []ParamError) {
	if p.Bytes <= 0 {
		return nil, []ParamError{{"bytes", "is required, e.g. bytes: 1024"}}
	}
	return toxiclient.Attributes{"bytes": p.Bytes}, nil
}

// toxic defines a network kind whose fault is one Toxiproxy toxic of typ on
// the target link.
func toxic[P any, PP interface {
	*P
	toxicParams
}](name, typ, summary string, params ...string) Kind {
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
		Params: append(params, streamDocs...),
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

var (
	latencyKind   = toxic[latencyParams]("latency", "latency", "adds latency (and jitter) to every packet on a link", "latency: added delay, e.g. 200ms", "jitter: random extra delay up to this (0)")
	bandwidthKind = toxic[bandwidthParams]("bandwidth", "bandwidth", "limits a link's bandwidth", "rate: KB/s")
	timeoutKind   = toxic[timeoutParams]("timeout", "timeout", "blackholes a link: data is dropped, connections close after timeout (0: never)", "timeout: close after this (0: hold forever)")
	resetPeerKind = toxic[timeoutParams]("reset_peer", "reset_peer", "resets connections on a link (TCP RST) after timeout", "timeout: reset after this (0: at once)")
	slowCloseKind = toxic[slowCloseParams]("slow_close", "slow_close", "delays the close of connections on a link", "delay: e.g. 1s")
	limitDataKind = toxic[limitDataParams]("limit_data", "limit_data", "closes connections on a link after some bytes", "bytes: e.g. 1024")
	downKind      = Kind{Name: "down", Family: "network", Summary: "takes a link down: connections are refused and existing ones closed",
		Target: "a link: client, db, or a dependency's name",
		Check:  func(s Spec) []ParamError { return append(Decode(s.Params, &struct{}{}), needTarget(s)...) },
		Build: func(s Spec, env Env) (Fault, error) {
			if err := JoinParams(Decode(s.Params, &struct{}{})); err != nil {
				return nil, err
			}
			if err := env.link(s.Target); err != nil {
				return nil, err
			}
			return &downFault{client: env.Toxiproxy, link: s.Target}, nil
		}}
)

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

// downFault disables a proxy.
type downFault struct {
	client *toxiclient.Client
	link   string
}

func (f *downFault) Inject(context.Context) error {
	p, err := f.client.Proxy(f.link)
	if err != nil {
		return err
	}
	return p.Disable()
}

func (f *downFault) Revert(context.Context) error {
	p, err := f.client.Proxy(f.link)
	if err != nil {
		return err
	}
	return p.Enable()
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
