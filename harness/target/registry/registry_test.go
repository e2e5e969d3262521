package registry

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/fault"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/url"
)

// TestRegistry: the registry serves exactly the kinds the scenario schema
// offers, every module's fault kinds are registered as its own, and a
// duplicate kind panics.
func TestRegistry(t *testing.T) {
	f, _ := reflect.TypeOf(scenario.Target{}).FieldByName("Kind")
	var schema []string
	for _, e := range strings.Split(f.Tag.Get("jsonschema"), ",") {
		schema = append(schema, strings.TrimPrefix(e, "enum="))
	}
	if !slices.Equal(Kinds(), schema) {
		t.Errorf("registry kinds %v, scenario schema %v", Kinds(), schema)
	}
	for _, m := range List() {
		if m.Summary() == "" {
			t.Errorf("module %s has no summary", m.Kind())
		}
		if fa, ok := m.(target.FaultAdder); ok {
			for _, k := range fa.Faults() {
				if got, ok := fault.Lookup(k.Name); !ok || got.Module != m.Kind() {
					t.Errorf("fault kind %s: registered %v as module %q, want %q", k.Name, ok, got.Module, m.Kind())
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a duplicate target kind did not panic")
		}
	}()
	register(url.Module{})
}

// TestImages: a target builds only the images it runs.
func TestImages(t *testing.T) {
	svc := scenario.ContainerSpec{Image: "mine:dev", Port: 8080}
	for _, c := range []struct {
		name   string
		target scenario.Target
		want   images.Need
	}{
		// The bundled topology runs all three.
		{"authsim", scenario.Target{Kind: scenario.TargetAuthsim}, images.Need{Postgres: true, Toxiproxy: true, Authsim: true}},
		// Your own image needs Toxiproxy for its links, not authsim.
		{"containers", scenario.Target{Kind: scenario.TargetContainers, Containers: &scenario.ContainersTarget{Service: svc}},
			images.Need{Toxiproxy: true}},
		// Postgres only when the scenario asks for it.
		{"containers with postgres", scenario.Target{Kind: scenario.TargetContainers,
			Containers: &scenario.ContainersTarget{Service: svc, Postgres: &scenario.PostgresSpec{}}},
			images.Need{Toxiproxy: true, Postgres: true}},
		// An endpoint already running needs none: its Toxiproxy runs in process.
		{"url", scenario.Target{Kind: scenario.TargetURL, URL: "http://127.0.0.1:1"}, images.Need{}},
	} {
		if got := Images(c.target); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestStartUnknownKind: a kind no module serves is invalid input, and the
// caller still gets a Target to Close.
func TestStartUnknownKind(t *testing.T) {
	tgt, err := Start(context.Background(), &scenario.Scenario{Target: scenario.Target{Kind: "mainframe"}}, target.Options{})
	if tgt == nil || exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), `"mainframe"`) {
		t.Fatalf("Start: %v, %v", tgt, err)
	}
	tgt.Close(nil)
}
