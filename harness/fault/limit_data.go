package fault

import toxiclient "github.com/Shopify/toxiproxy/v2/client"

// limitDataKind closes connections on a link after some bytes.
var limitDataKind = toxic[limitDataParams]("limit_data", "limit_data", "closes connections on a link after some bytes",
	Always(Fails), "bytes: e.g. 1024")

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
