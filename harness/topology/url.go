package topology

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/egress"
)

// InProcessToxiproxy runs a Toxiproxy API server inside this process on
// 127.0.0.1 and returns its URL and a function that stops it.
func InProcessToxiproxy() (string, func()) {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	api := httptest.NewServer(srv.Routes())
	return api.URL, func() {
		if proxies, err := toxiclient.NewClient(api.URL).Proxies(); err == nil {
			for _, p := range proxies {
				p.Delete()
			}
		}
		api.Close()
	}
}

// StartURL fronts an existing endpoint with an in-process Toxiproxy, so that
// network faults work on the client link: the load goes to the proxy on
// 127.0.0.1, the proxy to base. A base that is not on this machine is refused
// unless allowRemote.
func StartURL(ctx context.Context, base string, allowRemote bool) (*Topology, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("target url %q: want http://host:port (https cannot pass the client link's proxy)", base)
	}
	if err := egress.CheckHost(u.Hostname(), allowRemote); err != nil {
		return nil, fmt.Errorf("target url %s: %w", base, err)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), "80")
	}
	api, stop := InProcessToxiproxy()
	t := &Topology{RunID: docker.NewRunID(), closers: []func(){stop}, Links: []string{LinkClient}}
	start := time.Now()
	p, err := toxiclient.NewClient(api).CreateProxy(LinkClient, "127.0.0.1:0", upstream)
	if err != nil {
		return t, fmt.Errorf("client link proxy: %w", err)
	}
	t.Endpoints = Endpoints{Service: "http://" + p.Listen + u.EscapedPath(), ServiceDirect: base, Toxiproxy: api}
	t.Startup = time.Since(start)
	return t, nil
}
