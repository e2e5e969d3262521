package scenario

import (
	"strings"
	"testing"
)

// TestWebhooksOnLoopbackWarnForAContainer: a receiver on 127.0.0.1 (the
// default) cannot hear a service in a container; validate warns at the
// listen line, or at webhooks when listen is the default. A url target's
// service runs on this machine, and 0.0.0.0 is reachable: no warning.
func TestWebhooksOnLoopbackWarnForAContainer(t *testing.T) {
	hook := "  webhooks: {key: ref, status: st, rules: [{equals: OK, outcome: approved}]%s}\n"
	tail := "traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"
	containers := "  kind: containers\n  containers: {service: {image: 'svc:local', port: 8080}}\n"
	for _, tc := range []struct {
		name, target, listen, want string
	}{
		// The bundled service runs in a container; listen is the default 127.0.0.1:0.
		{"authsim default", "  kind: authsim\n", "", "s.yaml:4:3: target.webhooks.listen: the receiver listens on 127.0.0.1:0 but the authsim target's service runs in a container"},
		// Your image, with a loopback address written out.
		{"containers loopback", containers, ", listen: '127.0.0.1:9090'", "s.yaml:5:78: target.webhooks.listen: the receiver listens on 127.0.0.1:9090 but the containers target's"},
		{"containers localhost", containers, ", listen: 'localhost:9090'", "the receiver listens on localhost:9090"},
		// Reachable from a container.
		{"containers any", containers, ", listen: '0.0.0.0:9090'", ""},
		// A service on this machine hears loopback.
		{"url", "  kind: url\n  url: 'http://127.0.0.1:1'\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := "name: s\ntarget:\n" + tc.target + strings.Replace(hook, "%s", tc.listen, 1) + tail
			s, src, err := Parse("s.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Warnings(src)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("warned: %v", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0].String(), tc.want) || !strings.Contains(got[0].String(), "0.0.0.0:PORT")):
				t.Errorf("warnings %v, want one with %q and the hint", got, tc.want)
			}
		})
	}
}
