package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitSkipped is an invariant the audit could not check, with why.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// JUnit renders junit.xml: a test case per SLO rule and per fault's
// recovery, one for the run's validity (failing with the invalid-test
// reasons), one for its outcomes when some are unconfirmed, and one for the
// run itself when it was aborted.
func JUnit(w io.Writer, s *analysis.Summary) error {
	suite := junitSuite{Name: "authquake " + s.Scenario}
	add := func(class, name string, fail string) {
		c := junitCase{Name: name, Classname: class}
		if fail != "" {
			c.Failure = &junitFailure{Message: fail, Text: fail}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if s.Status != "completed" {
		add("run", "run completed", fmt.Sprintf("run %s: %s", s.Status, s.Reason))
	}
	add("run", "valid test", strings.Join(s.Validity.Reasons, "; "))
	if s.Validity.Unconfirmed != "" {
		add("run", "outcomes confirmed", s.Validity.Unconfirmed)
	}
	if len(s.Damaged) > 0 {
		add("run", "record readable", "partial numbers: "+strings.Join(s.Damaged, "; "))
	}
	for _, r := range s.SLO {
		fail := ""
		if !r.Pass {
			fail = fmt.Sprintf("%s = %s, limit %g %s", r.Name, opt(r.Value, ""), r.Limit, r.Note)
		}
		add("slo", r.Name, fail)
	}
	// A recovery fails its case only where an SLO judges recovery, so that
	// the cases agree with the verdict; otherwise it is reported as output.
	judged := false
	for _, r := range s.SLO {
		judged = judged || r.Name == "time_to_recover_s"
	}
	for _, f := range s.Faults {
		text := fmt.Sprintf("%s on %s: %s, time to impact %s, to recover %s", f.Kind, f.Target, f.State, opt(f.TimeToImpactS, " s"), opt(f.TimeToRecoverS, " s"))
		if f.Note != "" {
			text += " (" + f.Note + ")"
		}
		if dt := decisionsText(f); dt != "" {
			text += "; " + dt
		}
		fail := ""
		if judged && f.State != "skipped" && (!f.Recovered || f.Decisions.NotRecovered()) {
			fail = text
		}
		if f.InjectError != "" {
			fail = "inject failed: " + f.InjectError
		}
		add("recovery", "recovery after "+f.Name, fail)
		suite.Cases[len(suite.Cases)-1].SystemOut = text
	}
	if a := s.Audit; a != nil {
		broken := map[string]analysisViolation{}
		for _, v := range a.Violations {
			broken[v.Invariant] = analysisViolation{v.Name, v.Count}
		}
		unchecked := map[string]string{}
		for _, u := range a.Coverage.Unchecked {
			unchecked[u.Invariant] = u.Reason
		}
		for _, inv := range audit.Invariants {
			fail := ""
			if v, ok := broken[inv]; ok {
				fail = fmt.Sprintf("%d x %s", v.count, v.name)
			}
			if inv == "I8" && a.Inconclusive && fail == "" {
				fail = "inconclusive: " + a.Note
			}
			add("audit", inv, fail)
			if why, ok := unchecked[inv]; ok && fail == "" {
				suite.Cases[len(suite.Cases)-1].Skipped = &junitSkipped{Message: "not checked: " + strings.TrimPrefix(why, "not checked: ")}
				suite.Skipped++
			}
		}
	}
	suite.Tests = len(suite.Cases)
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type analysisViolation struct {
	name  string
	count int
}
