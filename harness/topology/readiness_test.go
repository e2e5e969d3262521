package topology

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/dockertest"
)

// pgDependency is a dependency that does not speak HTTP: authquake's
// Postgres image on 5432, which drops an HTTP probe.
func pgDependency(name, img string) Container {
	return Container{Name: name, Image: img, Port: 5432, Env: map[string]string{"POSTGRES_PASSWORD": "pw"}}
}

// toxiproxyService is a small HTTP service to stand in for the service under test.
func toxiproxyService(img string) Container {
	return Container{Name: "service", Image: img, Port: 8474, Cmd: []string{"-host=0.0.0.0", "-port=8474"}}
}

// TestDependencyReadiness starts dependencies that are not HTTP: one with no
// ready (ready when its port accepts connections), one with a ready command
// that also reaches the first through the link its env names.
// Probed with HTTP, as before, neither would ever be ready.
func TestDependencyReadiness(t *testing.T) {
	dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := pgDependency("queue", refs.Postgres)
	// Its env reaches the other dependency through its Toxiproxy link, and
	// it is ready only once that works: dependencies' env is rendered, and
	// the links are up before them.
	cmd.Env["CACHE_ADDR"] = "{{.Links.cache}}"
	cmd.ReadyCmd = []string{"sh", "-c", `/usr/lib/postgresql/*/bin/pg_isready -h 127.0.0.1 -p 5432 && ` +
		`/usr/lib/postgresql/*/bin/pg_isready -h "${CACHE_ADDR%:*}" -p "${CACHE_ADDR#*:}"`}
	topo, err := Start(ctx, Spec{Toxiproxy: refs.Toxiproxy, Service: toxiproxyService(refs.Toxiproxy),
		Dependencies: []Container{pgDependency("cache", refs.Postgres), cmd}})
	defer topo.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"cache", "queue", "toxiproxy", "service"} {
		if topo.Containers[role] == nil {
			t.Errorf("no %s container", role)
		}
	}
}

// TestFailedContainerLogInError: a dependency that exits at start (Postgres
// given an unknown setting) fails Start with its last log lines in the
// error, read before Close removes the container.
func TestFailedContainerLogInError(t *testing.T) {
	cli := dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	broken := pgDependency("broken", refs.Postgres)
	broken.Cmd = []string{"-c", "no_such_setting=1"}
	topo, err := Start(ctx, Spec{Toxiproxy: refs.Toxiproxy, Service: toxiproxyService(refs.Toxiproxy),
		Dependencies: []Container{broken}})
	defer func() {
		topo.Close(context.Background())
		if cs, ns := dockertest.RunResources(t, cli, topo.RunID); len(cs)+len(ns) > 0 {
			t.Errorf("after Close, containers %v networks %v", cs, ns)
		}
	}()
	var se *StartError
	if !errors.As(err, &se) || se.Role != "broken" {
		t.Fatalf("error %v, want a StartError of broken", err)
	}
	if !strings.Contains(se.Log, "no_such_setting") || !strings.Contains(err.Error(), "no_such_setting") {
		t.Errorf("the error does not carry the container's log:\n%v\nlog:\n%s", err, se.Log)
	}
}
