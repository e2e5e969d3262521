package egress

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeDNS is a resolver that answers every A query with ip and every other
// query with no records, over an in-memory pipe: no packet leaves.
func fakeDNS(ip [4]byte) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, ip)
		return client, nil
	}}
}

// serveDNS answers length-prefixed (TCP style) DNS queries on c.
func serveDNS(c net.Conn, ip [4]byte) {
	defer c.Close()
	for {
		var n uint16
		if binary.Read(c, binary.BigEndian, &n) != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		end := 12
		for end < len(q) && q[end] != 0 {
			end += int(q[end]) + 1
		}
		end += 5 // the root label, QTYPE and QCLASS
		qtype := binary.BigEndian.Uint16(q[end-4:])
		resp := append([]byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}, q[12:end]...)
		if qtype == 1 { // A
			resp[7] = 1
			resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ip[0], ip[1], ip[2], ip[3])
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

func TestDialerRefusesBeforeConnect(t *testing.T) {
	// A listener on 127.0.0.2 that the allow-list excludes: it must accept nothing.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	only1 := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	cases := []struct {
		name     string
		guard    Guard
		resolver *net.Resolver
		addr     string
		want     []string // substrings of the refusal
	}{
		// A host name that resolves off this machine is refused once resolved.
		{name: "name resolving to 192.0.2.1", resolver: fakeDNS([4]byte{192, 0, 2, 1}), addr: "pay.example.test.:80",
			want: []string{"egress guard", "192.0.2.1", "--allow-remote"}},
		// An IP literal off this machine is refused in Control, before connect.
		{name: "IPv4 literal", addr: "192.0.2.1:80", want: []string{"192.0.2.1", "not on this machine"}},
		// The same for IPv6.
		{name: "IPv6 literal", addr: "[2001:db8::1]:80", want: []string{"2001:db8::1"}},
		// The allow-list narrows even loopback: 127.0.0.2 is refused, its listener untouched.
		{name: "loopback outside the allow-list", guard: only1, addr: ln.Addr().String(),
			want: []string{"127.0.0.2", "allow-list 127.0.0.1/32"}},
		// The allow-list wins over AllowRemote.
		{name: "allow-list beats AllowRemote", guard: Guard{AllowRemote: true, Allow: only1.Allow}, addr: "192.0.2.1:80",
			want: []string{"allow-list"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.guard.Dialer()
			d.Resolver = c.resolver
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := d.DialContext(ctx, "tcp", c.addr)
			if err == nil {
				conn.Close()
				t.Fatalf("dial %s: connected, want a refusal", c.addr)
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
	select {
	case <-accepted:
		t.Error("127.0.0.2 accepted a connection the guard refused")
	default:
	}
}

func TestDialerAllows(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cases := []struct {
		name     string
		guard    Guard
		resolver *net.Resolver
		addr     string
	}{
		// The zero Guard allows loopback.
		{name: "loopback", addr: ln.Addr().String()},
		// A name that resolves to loopback is allowed: the address decides, not the string.
		{name: "name resolving to 127.0.0.1", resolver: fakeDNS([4]byte{127, 0, 0, 1}),
			addr: "svc.example.test.:" + port},
		// The allow-list admits what it lists.
		{name: "allow-list", guard: Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, addr: ln.Addr().String()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.guard.Dialer()
			d.Resolver = c.resolver
			conn, err := d.Dial("tcp", c.addr)
			if err != nil {
				t.Fatalf("dial %s: %v", c.addr, err)
			}
			conn.Close()
		})
	}
}

func TestCheckHost(t *testing.T) {
	cases := []struct {
		host        string
		allowRemote bool
		ok          bool
	}{
		{"localhost", false, true},          // the name of this machine
		{"127.0.0.1", false, true},          // IPv4 loopback
		{"127.0.0.9", false, true},          // all of 127.0.0.0/8
		{"::1", false, true},                // IPv6 loopback
		{"[::1]", false, true},              // as a URL writes it
		{"::ffff:127.0.0.1", false, true},   // IPv4-mapped loopback
		{"10.0.0.1", false, false},          // a private address is not this machine
		{"example.com", false, false},       // names are refused: only the dialer sees what they resolve to
		{"localhost.example", false, false}, // not "localhost"
		{"", false, false},                  // no host
		{"example.com", true, true},         // --allow-remote
		{"203.0.113.7", true, true},         // --allow-remote
	}
	for _, c := range cases {
		err := CheckHost(c.host, c.allowRemote)
		if (err == nil) != c.ok {
			t.Errorf("CheckHost(%q, %v) = %v, want ok=%v", c.host, c.allowRemote, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("CheckHost(%q): %q does not say how to allow it", c.host, err)
		}
	}
}
