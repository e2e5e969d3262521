package fault

import (
	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/scenario"
)

// timeoutKind blackholes a link: what is sent is dropped, and the
// connection closes after timeout (or never).
var timeoutKind = toxic[timeoutParams]("timeout", "timeout", "blackholes a link: data is dropped, connections close after timeout (0: never)",
	Always(Fails), "timeout: close after this (0: hold forever)")

// timeoutParams are the parameters of timeout and reset_peer.
type timeoutParams struct {
	ToxicCommon `yaml:",inline"`
	Timeout     scenario.Duration `yaml:"timeout"`
}

func (p *timeoutParams) attributes() (toxiclient.Attributes, []ParamError) {
	return toxiclient.Attributes{"timeout": ms(p.Timeout)}, nil
}
