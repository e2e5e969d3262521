// Package topology starts the system under test on a private Docker network
// with testcontainers-go and exposes every endpoint on 127.0.0.1:
//
//	load generator ──> 127.0.0.1:P ──> toxiproxy[client] ──> service:8080
//	                                                         service ──> toxiproxy[db] ──> postgres:5432
//	harness ──> 127.0.0.1:P ──> service admin :8081, toxiproxy API :8474, postgres :5432 (direct)
//
// Every network fault is a toxic on one of those proxies. Every container and
// the network carry authquake's run labels, so docker.Reap finds them if the
// process dies before Close.
package topology

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
)

// Link names: the toxiproxy proxies that network faults act on.
const (
	LinkClient = "client" // load generator -> service
	LinkDB     = "db"     // service -> postgres
)

// Endpoints are the addresses the harness talks to, all on 127.0.0.1, as
// run.json records them.
type Endpoints = rundir.Endpoints

// Topology is a running system under test. Close removes all of it.
type Topology struct {
	RunID      string
	Network    *testcontainers.DockerNetwork
	Containers map[string]*testcontainers.DockerContainer // by role
	Endpoints  Endpoints
	// Startup is how long Start took, from the first container request to ready.
	Startup time.Duration
	// Links are the Toxiproxy proxies network faults can act on.
	Links []string
	// AdminToken is the service's admin API token, if it has one.
	AdminToken string
	// KeepUntil is when a kept topology (--keep) may be reaped; zero when
	// it is not kept.
	KeepUntil time.Time
	log       io.Writer
	order     []string // roles in start order; Close goes in reverse
	closers   []func() // in-process parts (a url target's Toxiproxy)
}

// Close terminates every container (reverse start order) and the network.
// It is safe to call on a half-started topology and more than once.
func (t *Topology) Close(ctx context.Context) error {
	var errs []error
	for i := len(t.order) - 1; i >= 0; i-- {
		c := t.Containers[t.order[i]]
		if c == nil {
			continue
		}
		if err := c.Terminate(ctx, testcontainers.StopTimeout(5*time.Second)); err != nil && !strings.Contains(err.Error(), "No such container") {
			errs = append(errs, fmt.Errorf("remove %s: %w", t.order[i], err))
		}
		delete(t.Containers, t.order[i])
	}
	t.order = nil
	for _, c := range t.closers {
		c()
	}
	t.closers = nil
	if t.Network != nil {
		if err := t.Network.Remove(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove network: %w", err))
		}
		t.Network = nil
	}
	return errors.Join(errs...)
}

// labels are the labels of the resource in role: the run's, kept or not.
func (t *Topology) labels(role string) map[string]string {
	return docker.Keep(docker.RunLabels(t.RunID, role), t.KeepUntil)
}

// newNetwork creates the run's private network.
func (t *Topology) newNetwork(ctx context.Context) error {
	nw, err := network.New(ctx, network.WithLabels(t.labels("network")))
	if err != nil {
		return fmt.Errorf("create network: %w", err)
	}
	t.Network = nw
	return nil
}

// run starts one container of the topology on its network under alias role.
// The container is recorded before its error is checked so that Close removes
// a container that started but never became ready; its last log lines go
// into the error (a *StartError) first.
func (t *Topology) run(ctx context.Context, role, img string, opts ...testcontainers.ContainerCustomizer) error {
	opts = append([]testcontainers.ContainerCustomizer{
		testcontainers.WithLabels(t.labels(role)),
		network.WithNetwork([]string{role}, t.Network),
	}, opts...)
	c, err := testcontainers.Run(ctx, img, opts...)
	if c != nil {
		t.Containers[role] = c
		t.order = append(t.order, role)
	}
	if err != nil {
		se := &StartError{Role: role, Err: err}
		if c != nil {
			se.Log = tailLog(c, logLines)
		}
		return se
	}
	return nil
}

// endpoint returns scheme://127.0.0.1:P for port of the container in role,
// refusing any host that is not loopback.
func (t *Topology) endpoint(ctx context.Context, role, scheme, port string) (string, error) {
	c := t.Containers[role]
	host, err := c.Host(ctx)
	if err != nil {
		return "", err
	}
	if err := egress.CheckHost(host, false); err != nil {
		return "", exitcode.New(exitcode.Environment, fmt.Errorf("%s: %w", role, err),
			"set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 when Docker runs on this machine")
	}
	p, err := c.MappedPort(ctx, port)
	if err != nil {
		return "", fmt.Errorf("%s port %s: %w", role, port, err)
	}
	return fmt.Sprintf("%s://%s:%s", scheme, host, p.Port()), nil
}

// publishLoopback publishes each port on 127.0.0.1 only, never on every
// interface of the host, on a host port chosen now: Docker would pick a new
// one when a fault restarts the container, and the harness would lose it.
func publishLoopback(ports ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		req.ExposedPorts = append(req.ExposedPorts, ports...)
		bindings := mnet.PortMap{}
		for _, p := range ports {
			port, err := mnet.ParsePort(p)
			if err != nil {
				return err
			}
			host, err := freePort()
			if err != nil {
				return err
			}
			bindings[port] = []mnet.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: host}}
		}
		return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = mnet.PortMap{}
			}
			for p, b := range bindings {
				hc.PortBindings[p] = b
			}
		}).Customize(req)
	}
}

// freePort returns a TCP port free on 127.0.0.1 now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// limits applies CPU (as a CFS quota, so that a cpu fault can change it
// later) and memory limits to a container; 0 means none.
// cpuset pins a container to cores (Docker's cpuset syntax); "" leaves it be.
func cpuset(cores string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		if cores != "" {
			hc.CpusetCpus = cores
		}
	})
}

func limits(cpus float64, memory int64) testcontainers.CustomizeRequestOption {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		if cpus > 0 {
			hc.CPUPeriod, hc.CPUQuota = 100_000, int64(cpus*100_000)
		}
		if memory > 0 {
			hc.Memory, hc.MemorySwap = memory, memory
		}
	})
}
