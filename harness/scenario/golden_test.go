package scenario_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/authquake/authquake/harness/golden"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target/registry"
)

// The golden tests decode as a run does: with the target module's defaults
// and checks (harness/target), which is why they are an external test.

var update = flag.Bool("update", false, "rewrite the golden files")

// checkGolden compares got with testdata/NAME, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := golden.Diff(path, want, got); d != "" {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, d)
	}
}

// TestGolden decodes each scenario in testdata: a valid one is written back
// as YAML with its defaults, an invalid one as its list of problems.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 4 {
		t.Fatalf("only %d scenarios in testdata", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, _, err := registry.Load(f)
			var out []byte
			if err != nil {
				out = []byte(err.Error() + "\n")
			} else {
				out, err = yaml.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
			}
			checkGolden(t, strings.TrimSuffix(filepath.Base(f), ".yaml")+".golden", out)
		})
	}
}

// TestEveryProblemHasAPlace: each problem of errors.yaml names a line and a
// column inside the file, and every kind of mistake in it is reported.
func TestEveryProblemHasAPlace(t *testing.T) {
	_, _, err := registry.Load("testdata/errors.yaml")
	probs, ok := err.(scenario.Problems)
	if !ok {
		t.Fatalf("error is %T, want Problems", err)
	}
	data, _ := os.ReadFile("testdata/errors.yaml")
	lines := strings.Count(string(data), "\n")
	for _, p := range probs {
		if p.Line < 1 || p.Line > lines || p.Column < 1 {
			t.Errorf("problem outside the file: %s", p)
		}
	}
	for _, want := range []string{`unknown field "seeds"`, `did you mean "seed"`, "must be a whole number", `no unit`, `not a rate`,
		"applies to kind url only", `unknown bug "no-such-bug"`, "does not apply to shape ramp", "must be above baseline",
		`not "wave"`, "three capital letters", "is required", "exactly one of failure_ratio and p99"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem says %q", want)
		}
	}
}
