package fault

import (
	"context"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// downKind takes a link down: Toxiproxy disables its proxy.
var downKind = Kind{Name: "down", Family: "network", Summary: "takes a link down: connections are refused and existing ones closed",
	Target: "a link: client, db, or a dependency's name", Effect: Always(Fails),
	Check: func(s Spec) []ParamError { return append(Decode(s.Params, &struct{}{}), needTarget(s)...) },
	Build: func(s Spec, env Env) (Fault, error) {
		if err := JoinParams(Decode(s.Params, &struct{}{})); err != nil {
			return nil, err
		}
		if err := env.link(s.Target); err != nil {
			return nil, err
		}
		return &downFault{client: env.Toxiproxy, link: s.Target}, nil
	}}

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
