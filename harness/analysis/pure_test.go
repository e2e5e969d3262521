package analysis

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestPure: the analysis and the reports are functions of a run directory
// (harness/rundir): building them pulls in no container, Docker, Toxiproxy or
// database driver package, nor the harness packages that drive them. It was
// 511 packages, testcontainers and pgx among them, when analysis imported
// run for its file names.
func TestPure(t *testing.T) {
	const mod = "github.com/authquake/authquake/"
	out, err := exec.Command("go", "list", "-deps", mod+"harness/analysis", mod+"reports").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := regexp.MustCompile(`docker|moby|testcontainers|toxiproxy|jackc/pgx|` +
		regexp.QuoteMeta(mod) + `harness/(run|target|topology|fault|ledger|setup|load|images|egress)(/|$)`)
	deps := strings.Fields(string(out))
	var bad []string
	for _, p := range deps {
		if banned.MatchString(p) {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Errorf("analysis and reports depend on %d packages they must not (of %d), e.g.:\n%s", len(bad), len(deps), strings.Join(bad[:min(len(bad), 10)], "\n"))
	}
	if !strings.Contains(string(out), mod+"harness/rundir") {
		t.Errorf("analysis and reports do not read through harness/rundir:\n%s", out)
	}
}
