package fault

import (
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/scenario"
)

// latencyKind adds latency (and jitter) to every packet on a link. On the
// client link it delays answers, and fails them once the delay it can add
// reaches the client's timeout.
var latencyKind = toxic[latencyParams]("latency", "latency", "adds latency (and jitter) to every packet on a link",
	delaysOnClient(latencyAdded),
	"latency: added delay, e.g. 200ms", "jitter: random extra delay up to this (0)")

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

// latencyAdded is the most a latency fault adds to an answer: its latency
// and its jitter; 0 when its parameters cannot be read.
func latencyAdded(s Spec) time.Duration {
	var p latencyParams
	if Decode(s.Params, &p) != nil {
		return 0
	}
	return p.Latency.D() + p.Jitter.D()
}
