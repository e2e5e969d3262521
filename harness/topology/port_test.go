package topology

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go/exec"
	"github.com/testcontainers/testcontainers-go/wait"
)

// execTarget plays a container: its states in turn (the last one stays),
// the exit codes of its execs in turn, and a published port.
type execTarget struct {
	wait.StrategyTarget
	states []bool // running?
	codes  []int
	port   string
	execs  []string
}

func (f *execTarget) State(context.Context) (*container.State, error) {
	run := f.states[0]
	if len(f.states) > 1 {
		f.states = f.states[1:]
	}
	if run {
		return &container.State{Running: true, Status: container.StateRunning}, nil
	}
	return &container.State{Status: container.StateExited, ExitCode: 1}, nil
}

func (f *execTarget) Exec(_ context.Context, cmd []string, _ ...exec.ProcessOption) (int, io.Reader, error) {
	f.execs = append(f.execs, strings.Join(cmd, " "))
	code := f.codes[0]
	if len(f.codes) > 1 {
		f.codes = f.codes[1:]
	}
	return code, strings.NewReader(""), nil
}

func (f *execTarget) Host(context.Context) (string, error) { return "127.0.0.1", nil }

func (f *execTarget) MappedPort(context.Context, string) (network.Port, error) {
	return network.ParsePort(f.port + "/tcp")
}

// TestPortReady: ready only when the check from the inside finds a
// listening socket, or, for an image without a shell, when the published
// port accepts and the container keeps running. A container that stops
// while it is checked (exec exit 126) is never ready; testcontainers'
// wait.ForListeningPort took that 126 for "no shell" and passed.
func TestPortReady(t *testing.T) {
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
	_, open, _ := net.SplitHostPort(ln.Addr().String())
	for _, c := range []struct {
		name    string
		states  []bool
		codes   []int
		wantErr string
	}{
		{"listens after two checks", []bool{true}, []int{1, 1, 0}, ""},
		{"stops while checked", []bool{true, false}, []int{126}, "exited with code 1"},
		{"exits before the first check", []bool{false}, []int{0}, "exited with code 1"},
		{"no shell, keeps running", []bool{true}, []int{127}, ""},
		{"no shell, stops within the settle time", []bool{true, true, false}, []int{126}, "exited with code 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &execTarget{states: c.states, codes: c.codes, port: open}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := portReady{port: "5432/tcp", settle: 10 * time.Millisecond}.WaitUntilReady(ctx, f)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("error %v, want ready", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want %q", err, c.wantErr)
			}
			if len(f.execs) > 0 && !strings.Contains(f.execs[0], ":1538$") {
				t.Errorf("check %q does not look for port 5432 (1538 in hex)", f.execs[0])
			}
		})
	}
}
