package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// copyRun copies the saved run in testdata into a temporary directory.
func copyRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob("testdata/run/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
	}
	return dir
}

func render(t *testing.T, dir string) *analysis.Summary {
	t.Helper()
	_, s, _ := renderRun(t, dir)
	return s
}

// renderRun analyses the run in dir and writes its reports there.
func renderRun(t *testing.T, dir string) (*analysis.Run, *analysis.Summary, *analysis.Series) {
	t.Helper()
	r, err := analysis.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, series, err := analysis.Analyze(r, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(r, s, series); err != nil {
		t.Fatal(err)
	}
	return r, s, series
}

// TestGolden renders the saved run and compares summary.json, report.md and
// junit.xml with the golden files (go test -update rewrites them).
func TestGolden(t *testing.T) {
	dir := copyRun(t)
	render(t, dir)
	for _, name := range []string{SummaryFile, MarkdownFile, JUnitFile} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, name, got)
	}
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.WriteFile(path, got, 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if d := golden.Diff(path, want, got); d != "" {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, d)
	}
}

// TestReportReproducesSummary: recomputing a copied run directory gives the
// same summary.json, byte for byte.
func TestReportReproducesSummary(t *testing.T) {
	a, b := copyRun(t), copyRun(t)
	render(t, a)
	render(t, b)
	render(t, b) // again, over its own reports
	sa, _ := os.ReadFile(filepath.Join(a, SummaryFile))
	sb, _ := os.ReadFile(filepath.Join(b, SummaryFile))
	if len(sa) == 0 || !bytes.Equal(sa, sb) {
		t.Error("summary.json differs between two reports of the same run")
	}
}

// TestHTMLInChromium loads report.html in headless Chromium: no console
// error, every chart drew its lines, and a screenshot is kept.
func TestHTMLInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is needed for this test (apt-get install chromium)")
		}
		t.Skip("chromium not installed")
	}
	dir := copyRun(t)
	writeServiceScrapes(t, dir)
	render(t, dir)
	page := "file://" + filepath.Join(dir, HTMLFile)
	args := []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"}
	dom, err := exec.Command(browser, append(args, "--dump-dom", page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	shot := filepath.Join(os.TempDir(), "authquake-report.png")
	cmd := exec.Command(browser, append(args, "--window-size=1100,2600", "--screenshot="+shot, page)...)
	logs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, logs)
	}
	if regexp.MustCompile(`(?i)CONSOLE.*(error|uncaught)|Uncaught`).Match(logs) {
		t.Errorf("console errors:\n%s", logs)
	}
	charts := regexp.MustCompile(`(?s)<svg class="chart" id="([a-z]+)".*?</svg>`).FindAllSubmatch(dom, -1)
	if len(charts) != 7 {
		t.Errorf("%d charts in the page, want 7 (rate, outcomes, latency, service latency, service in flight, cpu, memory)", len(charts))
	}
	for _, want := range []string{`id="servicelatency"`, `<title>service p99</title>`, `<title>client p99</title>`, `id="serviceinflight"`,
		"The service's own view", "by its own metrics"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the page lacks %s: the service's metrics are not shown", want)
		}
	}
	for _, c := range charts {
		drawn := regexp.MustCompile(`<(polyline|polygon)[^>]* points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+`).Match(c[0])
		if !drawn {
			t.Errorf("chart %s drew no line", c[1])
		}
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 20_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	if strings.Contains(string(dom), "<script") {
		t.Error("the report has a script: it must stand alone")
	}
	t.Logf("screenshot: %s", shot)
}

// TestWarningsReachEveryReport: a warning saved in run.json (such as a
// duration scale at which no account reaches its limit) shows in
// summary.json, the Markdown and the HTML report.
func TestWarningsReachEveryReport(t *testing.T) {
	dir := copyRun(t)
	path := filepath.Join(dir, "run.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	const warning = "no account reaches its limit"
	meta["warnings"] = []string{warning}
	b, _ = json.Marshal(meta)
	os.WriteFile(path, b, 0o644)
	render(t, dir)
	for _, name := range []string{SummaryFile, MarkdownFile, HTMLFile} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if !strings.Contains(string(got), warning) {
			t.Errorf("%s does not show the warning", name)
		}
	}
}

// TestRecoveryTextSaysTheState: each fault state reads as itself in the
// tables, never as "impact 0 s" or a plain recovery it was not.
func TestRecoveryTextSaysTheState(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name         string
		fs           analysis.FaultStats
		impact, recv string
	}{
		// Never injected: the run was stopping.
		{"skipped", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateSkipped}}, "skipped", "-"},
		// Injected into a failing service: no impact time to give.
		{"already unhealthy", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateAlreadyUnhealthy, Recovered: true, TimeToRecoverS: f(4)}}, "already unhealthy", "4 s"},
		// Healthy again only once the load had fallen.
		{"lower load", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateLowerLoad, Impact: true, TimeToImpactS: f(0)}}, "0 s", "only at lower load"},
		// Damage that cannot be told apart names the other fault.
		{"shared", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateShared, Impact: true, TimeToImpactS: f(1), Recovered: true, TimeToRecoverS: f(2), SharedWith: []string{"db-blackhole"}}}, "1 s (shared with db-blackhole)", "2 s"},
		// Its window's damage went to another fault.
		{"no impact", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateNoImpact, Recovered: true, TimeToRecoverS: f(0), AttributedTo: []string{"db-blackhole"}}}, "no impact", "-"},
		// Hurt and never came back.
		{"did not recover", analysis.FaultStats{Recovery: analysis.Recovery{State: analysis.StateDidNotRecover, Impact: true, TimeToImpactS: f(0.5)}}, "0.5 s", "did not recover"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i, r := recoveryText(tt.fs); i != tt.impact || r != tt.recv {
				t.Errorf("%q %q; want %q %q", i, r, tt.impact, tt.recv)
			}
		})
	}
}

// TestCoverageSaysWhatWasChecked: a clean audit says what it checked, all of
// it or part of it, in the terminal summary and report.md alike.
func TestCoverageSaysWhatWasChecked(t *testing.T) {
	all := &audit.Result{Checked: true, Source: "sql", Coverage: audit.Coverage{Checked: []string{"I1", "I2", "I3"}}}
	part := &audit.Result{Checked: true, Source: "http", Coverage: audit.Coverage{Checked: []string{"I1"},
		Unchecked: []audit.Unchecked{{Invariant: "I6", Reason: "no limits"}}}}
	for _, c := range []struct {
		a    *audit.Result
		want string
	}{
		{all, "ledger from sql: checked all 3 invariants (I1 I2 I3)"},
		{part, "ledger from http: checked I1; not checked I6 (no limits)"},
	} {
		s := &analysis.Summary{Scenario: "x", Verdict: "pass", Audit: c.a}
		var text, md strings.Builder
		Terminal(&text, s, "")
		if err := Markdown(&md, s); err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]string{"terminal": text.String(), "report.md": md.String()} {
			if !strings.Contains(strings.ToLower(got), strings.ToLower(c.want)) { // report.md starts a sentence
				t.Errorf("%s does not say %q:\n%s", name, c.want, got)
			}
		}
	}
}

// TestUnresolvedAloneIsNotBroken: a payment still pending in the ledger
// (I8) alone makes the verdict audit_inconclusive; the audit's line says
// so too, not "1 invariants BROKEN" under an INCONCLUSIVE banner.
func TestUnresolvedAloneIsNotBroken(t *testing.T) {
	s := &analysis.Summary{Scenario: "x", Verdict: "audit_inconclusive", Audit: &audit.Result{Checked: true, Inconclusive: true, Keys: 600,
		Violations: []audit.Violation{{Invariant: "I8", Name: audit.Name("I8"), Count: 1}}}}
	var text strings.Builder
	Terminal(&text, s, "")
	if got := text.String(); strings.Contains(got, "BROKEN") || strings.Contains(got, "VIOLATION") ||
		!strings.Contains(got, "money audit: INCONCLUSIVE: 1 payments still pending in the ledger (I8)") || !strings.Contains(got, "UNRESOLVED I8 x1") {
		t.Errorf("terminal summary:\n%s", got)
	}
	s.Audit.Violations = append(s.Audit.Violations, audit.Violation{Invariant: "I1", Name: audit.Name("I1"), Count: 2})
	if got := auditLine(s); got != "money audit: 2 invariants BROKEN over 600 keys" {
		t.Errorf("with I1 too: %q", got)
	}
}
