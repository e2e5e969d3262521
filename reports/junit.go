package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// JUnit renders junit.xml: a test case per SLO rule and per fault's
// recovery, and one for the run itself when it was aborted.
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
		impact, rec := recoveryText(f)
		text := fmt.Sprintf("%s on %s: impact %s, recover %s", f.Kind, f.Target, impact, rec)
		fail := ""
		if judged && f.State != "skipped" && !f.Recovered {
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
		for _, inv := range []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8"} {
			fail := ""
			if v, ok := broken[inv]; ok {
				fail = fmt.Sprintf("%d x %s", v.count, v.name)
			}
			if inv == "I8" && a.Inconclusive && fail == "" {
				fail = "inconclusive: " + a.Note
			}
			add("audit", inv, fail)
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
