// Package egress is the one way out of the harness: every outbound HTTP
// client (faults, seeding, readiness probes, ledger reads, the load
// generator) dials through a Guard, so authquake's promise "traffic only to
// this machine unless --allow-remote" is checked on the address actually
// dialled, after name resolution and on every redirect hop, not only on the
// configured URL string.
//
//	scenario URL --CheckHost--> early, clear error (bad input)
//	    |
//	Guard.Client / Guard.Dialer --Control--> resolved IP checked before connect(2)
//	    |
//	3xx --> error naming the Location (unless FollowRedirects: same method only)
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Guard decides which addresses the harness may connect to. The zero Guard
// allows this machine only (127.0.0.0/8 and ::1), which is the safe default.
type Guard struct {
	// AllowRemote allows any address, as --allow-remote does.
	AllowRemote bool
	// Allow, when set, is the only set of addresses allowed, whatever
	// AllowRemote says; tests use it to allow 127.0.0.1 but not 127.0.0.2.
	Allow []netip.Prefix

	// resolver, when set, resolves names instead of the system's (tests).
	resolver *net.Resolver
}

// Check returns nil when g allows a connection to ip, otherwise an error that
// names the address and how to allow it.
func (g Guard) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	if len(g.Allow) > 0 {
		for _, p := range g.Allow {
			if p.Contains(ip) {
				return nil
			}
		}
		return refusal(fmt.Sprintf("egress guard: refusing to connect to %s: not in the allow-list %s", ip, prefixes(g.Allow)))
	}
	if g.AllowRemote || ip.IsLoopback() {
		return nil
	}
	return refusal(fmt.Sprintf("egress guard: refusing to connect to %s: not on this machine (pass --allow-remote to allow it)", ip))
}

// ErrRefused is what every refusal of the guard matches (errors.Is), so
// that a caller that retries a connection does not retry a refusal.
var ErrRefused = errors.New("refused by the egress guard")

// refusal is a refusal of the guard, its message as it reads.
type refusal string

func (r refusal) Error() string        { return string(r) }
func (r refusal) Is(target error) bool { return target == ErrRefused }

// CheckHost is the early, string-level check of a configured host (a URL's
// Hostname()): "localhost" and loopback IP literals pass, any other host
// only with allowRemote. It is what input validation calls; the Guard's
// dialer still checks the resolved address when the harness connects.
func CheckHost(host string, allowRemote bool) error {
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to send traffic to %q: not a loopback address (pass --allow-remote to allow it)", host)
}

func prefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// parseAddr is net.SplitHostPort plus netip.ParseAddr: the IP of a resolved
// "ip:port" address as Control receives it.
func parseAddr(address string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(host)
}
