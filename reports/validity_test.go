package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

// TestInvalidTestIsSaidEverywhere: the reasons of an invalid test, the
// unconfirmed note and the warnings show in the terminal summary, report.md
// and junit.xml (where the "valid test" case fails).
func TestInvalidTestIsSaidEverywhere(t *testing.T) {
	s := &analysis.Summary{Scenario: "t", Status: "completed", Verdict: analysis.VerdictInvalid, ExitCode: 1,
		Validity: analysis.Validity{Reasons: []string{"nothing was sent"}, Unconfirmed: "3 pending", Warnings: []string{"keys collide"}}}
	var term, md, junit bytes.Buffer
	Terminal(&term, s, "")
	Markdown(&md, s)
	JUnit(&junit, s)
	wants := map[string][]string{
		"terminal":  {"INVALID_TEST", "INVALID TEST: nothing was sent", "UNCONFIRMED: 3 pending", "WARNING: keys collide"},
		"report.md": {"INVALID_TEST", "INVALID TEST: nothing was sent", "UNCONFIRMED: 3 pending", "WARNING: keys collide"},
		"junit.xml": {`<testcase name="valid test" classname="run">`, `<failure message="nothing was sent"`, `<failure message="3 pending"`},
	}
	outs := map[string]string{"terminal": term.String(), "report.md": md.String(), "junit.xml": junit.String()}
	for name, ws := range wants {
		for _, w := range ws {
			if !strings.Contains(outs[name], w) {
				t.Errorf("%s does not say %q:\n%s", name, w, outs[name])
			}
		}
	}
}

// TestTerminalShowsNoEscapes: an escape sequence in a reason the service
// wrote reaches the terminal as plain text.
func TestTerminalShowsNoEscapes(t *testing.T) {
	s := &analysis.Summary{Scenario: "t\x1b]0;owned\x07", Status: "completed", Verdict: analysis.VerdictInvalid,
		Validity: analysis.Validity{Reasons: []string{"code \x1b[2J\x1b[31mred"}}}
	var term bytes.Buffer
	Terminal(&term, s, "")
	if strings.ContainsAny(term.String(), "\x1b\x07") || !strings.Contains(term.String(), "?[2J?[31mred") {
		t.Errorf("escape sequences reached the terminal: %q", term.String())
	}
}
