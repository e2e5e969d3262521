package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/audit"
)

// A run that broke an invariant says in its terminal summary, report.md
// and report.html how to replay and shrink it, and, once shrink.json is
// there, where the shrunk scenario is; a clean run says neither.
func TestReplayHint(t *testing.T) {
	dir := copyRun(t)
	r, s, series := renderRun(t, dir)
	outputs := func() string {
		if err := Write(r, s, series); err != nil {
			t.Fatal(err)
		}
		var term bytes.Buffer
		Terminal(&term, s, dir)
		md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
		page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
		return term.String() + "\n---\n" + string(md) + "\n---\n" + string(page)
	}
	if out := outputs(); strings.Contains(out, "authquake replay") {
		t.Errorf("a clean run tells how to replay it:\n%s", out)
	}
	s.Audit.Violations = []audit.Violation{{Invariant: "I1", Name: audit.Name("I1"), Count: 1, Examples: []audit.Example{{Key: "aq-1-7-3"}}}}
	out := outputs()
	if n := strings.Count(out, "authquake replay "+dir+" --times 5"); n != 3 {
		t.Errorf("the replay command is in %d of the 3 outputs:\n%s", n, out)
	}
	os.WriteFile(filepath.Join(dir, ShrinkLinkFile), []byte(`{"shrunk": "shrink/shrunk.yaml", "report": "shrink/shrink.md", "invariant": "I1",
		"status": "done", "payments": [350, 60], "faults": [1, 1], "reproduced": 5, "runs": 5}`), 0o644)
	out = outputs()
	for _, want := range []string{
		"shrunk (done): " + dir + "/shrink/shrunk.yaml: 350 -> 60 payments, 1 -> 1 faults, I1 broke in 5 of 5 runs of it", // terminal
		"Shrunk (done): [shrink/shrunk.yaml](shrink/shrunk.yaml), 350 -> 60 payments",                                     // report.md
		`Shrunk (done): <a href="shrink/shrunk.yaml">shrink/shrunk.yaml</a>, 350 -&gt; 60 payments`,                       // report.html
	} {
		if !strings.Contains(out, want) {
			t.Errorf("outputs lack %q:\n%s", want, out)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"results/bugs_x-20261207T045101Z": "results/bugs_x-20261207T045101Z",
		"my runs/x":                       "'my runs/x'",
		"it's":                            `'it'\''s'`,
		"":                                "''",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
