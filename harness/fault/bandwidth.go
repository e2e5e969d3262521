package fault

import toxiclient "github.com/Shopify/toxiproxy/v2/client"

// bandwidthKind limits a link's bandwidth: on the client link it delays
// answers.
var bandwidthKind = toxic[bandwidthParams]("bandwidth", "bandwidth", "limits a link's bandwidth",
	delaysOnClient(nil), "rate: KB/s")

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
