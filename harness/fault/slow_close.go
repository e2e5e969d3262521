package fault

import (
	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/scenario"
)

// slowCloseKind delays the close of connections on a link: on the client
// link the answers still come.
var slowCloseKind = toxic[slowCloseParams]("slow_close", "slow_close", "delays the close of connections on a link",
	delaysOnClient(nil), "delay: e.g. 1s")

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
