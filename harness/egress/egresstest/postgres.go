// Package egresstest has test doubles for what the harness connects to
// through the egress guard.
package egresstest

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
)

// Postgres is a fake Postgres server: it answers TLS requests with "no",
// asks every client for its password in clear text, records what the
// client sent and refuses it. It is what a hostile database a scenario
// points at would see.
type Postgres struct {
	// Addr is host:port.
	Addr string

	mu    sync.Mutex
	conns []Startup
}

// Startup is one client's startup parameters (user, database,
// application_name, options...) and the password it sent ("" and Sent
// false when it sent none).
type Startup struct {
	Params   map[string]string
	Password string
	Sent     bool
}

// NewPostgres listens on addr ("127.0.0.1:0") until the test ends; a
// listener that cannot be made skips the test (127.0.0.2 is not on every
// machine's loopback).
func NewPostgres(t testing.TB, addr string) *Postgres {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &Postgres{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

// Conns is every connection's startup so far.
func (p *Postgres) Conns() []Startup {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Startup(nil), p.conns...)
}

const (
	sslRequest = 80877103
	gssRequest = 80877104
)

func (p *Postgres) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	var st Startup
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		n, code := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
		if n < 8 || n > 1<<16 {
			return
		}
		body := make([]byte, n-8)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if code == sslRequest || code == gssRequest {
			c.Write([]byte{'N'})
			continue
		}
		st.Params = pairs(body)
		break
	}
	i := p.record(st)                            // seen even if no password follows
	c.Write([]byte{'R', 0, 0, 0, 8, 0, 0, 0, 3}) // AuthenticationCleartextPassword
	if t, err := r.ReadByte(); err == nil && t == 'p' {
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err == nil && binary.BigEndian.Uint32(l[:]) <= 1<<16 {
			pw := make([]byte, binary.BigEndian.Uint32(l[:])-4)
			if _, err := io.ReadFull(r, pw); err == nil {
				p.mu.Lock()
				p.conns[i].Password, p.conns[i].Sent = string(trimNUL(pw)), true
				p.mu.Unlock()
			}
		}
	}
	msg := []byte("SFATAL\x00C28P01\x00Mpassword authentication failed (fake server)\x00\x00")
	out := binary.BigEndian.AppendUint32([]byte{'E'}, uint32(len(msg)+4))
	c.Write(append(out, msg...))
}

func (p *Postgres) record(st Startup) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, st)
	return len(p.conns) - 1
}

// pairs reads a startup message's NUL-terminated key/value pairs.
func pairs(b []byte) map[string]string {
	out := map[string]string{}
	var fields []string
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		fields = append(fields, string(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] != "" {
			out[fields[i]] = fields[i+1]
		}
	}
	return out
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
