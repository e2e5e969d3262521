package target

import (
	"context"
	"net/url"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/topology"
)

// urlModule loads a plain http:// endpoint that is already running,
// fronted by an in-process Toxiproxy: one link (client), no containers.
type urlModule struct{}

func (urlModule) Kind() string { return scenario.TargetURL }

func (urlModule) Summary() string {
	return "an http:// endpoint already running, fronted by an in-process Toxiproxy (target.url)"
}

func (urlModule) Links(scenario.Target) (links, roles []string) { return []string{"client"}, nil }

// Check checks target.url: a plain http:// URL with a host.
func (urlModule) Check(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	u, err := url.Parse(s.Target.URL)
	switch {
	case err == nil && u.Scheme == "https":
		// The load goes through an in-process Toxiproxy, a TCP proxy
		// that the harness talks plain HTTP to; TLS cannot pass it.
		return scenario.Problems{src.Errorf("$.target.url", "use the service's plain http:// port, e.g. url: http://127.0.0.1:8080, or front it with kind: containers",
			"https is not supported: the client link's Toxiproxy carries plain HTTP")}
	case s.Target.URL == "" || err != nil || u.Scheme != "http" || u.Host == "":
		return scenario.Problems{src.Errorf("$.target.url", "e.g. url: http://127.0.0.1:8080", "%q is not an http URL", s.Target.URL)}
	}
	return nil
}

// Start fronts the endpoint with Toxiproxy; an endpoint off this machine
// without o.AllowRemote is invalid input (exit 2).
func (urlModule) Start(ctx context.Context, s *scenario.Scenario, o Options) (*Target, error) {
	topo, err := topology.StartURL(ctx, s.Target.URL, o.AllowRemote)
	t := &Target{Topo: topo}
	if err != nil {
		return t, exitcode.New(exitcode.Invalid, err, "")
	}
	return t, nil
}
