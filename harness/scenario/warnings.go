package scenario

import "net"

// Warnings are what in a valid scenario will likely not work as meant:
// each a problem at its place in the file, for validate and run to print,
// none a reason to refuse the scenario.
func (s *Scenario) Warnings(src *Source) Problems {
	var out Problems
	if p := s.webhookReach(src); p != nil {
		out = append(out, *p)
	}
	return out
}

// webhookReach warns when the webhook receiver listens on loopback while
// the service runs in a container: 127.0.0.1 in the container is the
// container itself, so its notifications never arrive.
func (s *Scenario) webhookReach(src *Source) *Problem {
	w := s.Target.Webhooks
	if w == nil || s.Target.Kind == TargetURL {
		return nil
	}
	host, _, err := net.SplitHostPort(w.Listen)
	if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	p := src.Problem("$.target.webhooks.listen",
		"the receiver listens on "+w.Listen+" but the "+s.Target.Kind+" target's service runs in a container, where 127.0.0.1 is the container itself: its notifications will not arrive and every payment answered pending will be unsettled",
		`listen: 0.0.0.0:PORT and give the service http://HOST:PORT`+w.Path+`, HOST being this machine as the container reaches it (README "Asynchronous results": a webhook receiver for a service in a container)`)
	return &p
}
