// Package docker connects to the Docker Engine and owns what authquake creates
// there: the labels that mark each container and network with its run and
// owning process, the environment testcontainers-go needs without Ryuk, and the
// reaper that removes what a dead run left behind.
package docker

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/authquake/authquake/harness/exitcode"
)

// SetDefaults prepares the environment for testcontainers-go before its first
// use: Ryuk is disabled (it cannot be pulled without a registry; authquake
// cleans up itself) and, when Docker is a local socket, the host that
// testcontainers reports for mapped ports is 127.0.0.1. Values the user set are
// kept.
//
// testcontainers' own log lines are dropped unless AUTHQUAKE_DEBUG is set:
// authquake reports what it starts itself.
func SetDefaults() {
	if os.Getenv("AUTHQUAKE_DEBUG") == "" {
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	setDefault("TESTCONTAINERS_RYUK_DISABLED", "true")
	if LocalSocket(os.Getenv("DOCKER_HOST")) {
		setDefault("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
}

func setDefault(key, value string) {
	if _, ok := os.LookupEnv(key); !ok {
		os.Setenv(key, value)
	}
}

// LocalSocket reports whether dockerHost (a DOCKER_HOST value, empty for the
// default) names a Docker Engine on this machine reached through a socket.
func LocalSocket(dockerHost string) bool {
	if dockerHost == "" {
		return true
	}
	u, err := url.Parse(dockerHost)
	if err != nil {
		return false
	}
	return u.Scheme == "unix" || u.Scheme == "npipe"
}

// Connect returns a client for the Docker Engine named by the environment and
// checks that it answers. An unreachable engine is an environment error (exit 5)
// whose message names the cause and the fix.
func Connect(ctx context.Context) (*client.Client, error) {
	SetDefaults()
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, exitcode.New(exitcode.Environment, fmt.Errorf("docker client: %w", err),
			"check DOCKER_HOST")
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{}); err != nil {
		cli.Close()
		return nil, exitcode.New(exitcode.Environment,
			fmt.Errorf("docker engine not reachable at %s: %v", cli.DaemonHost(), firstLine(err)),
			"start the Docker Engine (systemctl start docker) or point DOCKER_HOST at one")
	}
	return cli, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
