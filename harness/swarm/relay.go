package swarm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
)

// Relay forwards every TCP connection accepted on a multi-node swarm's
// manager address to the client link of the target authquake swarm
// started, which is published on this machine's loopback only, as every
// port authquake publishes. Shards on other nodes reach the target
// through it, and Toxiproxy behind it, so faults on the client link apply
// to them as to a shard on this node.
type Relay struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewRelay listens on listen (host:port; port 0 picks one) and forwards
// each connection to to (host:port).
func NewRelay(listen, to string) (*Relay, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	r := &Relay{ln: ln, to: to, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.serve()
	return r, nil
}

// Addr is where the relay listens (host:port).
func (r *Relay) Addr() string { return r.ln.Addr().String() }

func (r *Relay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		r.wg.Add(1)
		go r.forward(c)
	}
}

// forward copies both ways until either side closes; a link that cannot
// be dialled closes the shard's connection, which the shard records as a
// connection error, as it would without the relay.
func (r *Relay) forward(c net.Conn) {
	defer r.wg.Done()
	if !r.track(c) {
		c.Close()
		return
	}
	defer r.untrack(c)
	up, err := net.Dial("tcp", r.to)
	if err != nil {
		return
	}
	if !r.track(up) {
		up.Close()
		return
	}
	defer r.untrack(up)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite() // the other way may still be answering
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns == nil {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *Relay) untrack(c net.Conn) {
	c.Close()
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

// Close stops accepting, closes every open connection and waits for the
// forwarding to end.
func (r *Relay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// RelayTo starts a relay on listen's host (a port of its own) to the
// client link at clientURL, and returns it with the URL the shards dial:
// clientURL with the advertised host (listen's when advertise is empty)
// and the relay's port.
func RelayTo(clientURL, listen, advertise string) (*Relay, string, error) {
	u, err := url.Parse(clientURL)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("client link %q: not a URL", clientURL)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, "", err
	}
	relay, err := NewRelay(net.JoinHostPort(host, "0"), u.Host)
	if err != nil {
		return nil, "", fmt.Errorf("relay to the client link: %w", err)
	}
	_, port, _ := net.SplitHostPort(relay.Addr())
	if advertise != "" {
		host = advertise
	}
	u.Host = net.JoinHostPort(host, port)
	return relay, u.String(), nil
}
