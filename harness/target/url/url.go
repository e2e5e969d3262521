// Package url is the module of target kind url: an http:// endpoint already
// running, fronted by an in-process Toxiproxy.
package url

import (
	"context"
	"net/url"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/topology"
)

// Module loads a plain http:// endpoint that is already running, fronted by
// an in-process Toxiproxy: one link (client), no containers.
type Module struct{}

// Kind is target.kind url.
func (Module) Kind() string { return scenario.TargetURL }

// Summary says what it is, for authquake list.
func (Module) Summary() string {
	return "an http:// endpoint already running, fronted by an in-process Toxiproxy (target.url)"
}

// Links are the client link alone.
func (Module) Links(scenario.Target) (links, roles []string) { return []string{"client"}, nil }

// Validate checks target.url: a plain http:// URL with a host.
func (Module) Validate(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
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

// Shareable is true: the service is already running, and the shards of a
// split run all point at it.
func (Module) Shareable() bool { return true }

// Start fronts the endpoint with Toxiproxy; an endpoint off this machine
// without o.AllowRemote is invalid input (exit 2).
func (Module) Start(ctx context.Context, s *scenario.Scenario, o target.Options) (*target.Target, error) {
	topo, err := topology.StartURL(ctx, s.Target.URL, o.AllowRemote)
	t := &target.Target{Topo: topo}
	if err != nil {
		return t, exitcode.New(exitcode.Invalid, err, "")
	}
	return t, nil
}
