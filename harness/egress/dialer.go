package egress

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// Dialer returns a net.Dialer whose Control checks every address it is about
// to connect to: Control runs after name resolution and before connect(2),
// so a host name that resolves off this machine, or a redirect to another
// host, is refused before any packet leaves. It runs once per new
// connection; reused keep-alive connections cost nothing. Callers may set
// Timeout, KeepAlive and the like on the result, but not Control.
func (g Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: g.control, Resolver: g.resolver}
}

// control is the net.Dialer.Control hook: address is the resolved "ip:port".
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	ip, err := parseAddr(address)
	if err != nil {
		return refusal(fmt.Sprintf("egress guard: refusing to connect to %q (%s): not an IP address: %v", address, network, err))
	}
	return g.Check(ip)
}
