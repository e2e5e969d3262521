package scenario

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// limitScenario is a minimal scenario with the given phases and faults.
func limitScenario(phases, faults string) string {
	return "name: limits\ntraffic:\n  phases:\n" + phases + faults
}

func phase(duration, rate string) string {
	return fmt.Sprintf("    - {duration: %s, shape: constant, rate: %s}\n", duration, rate)
}

func headerList(n int) string {
	h := make([]string, n)
	for i := range h {
		h[i] = fmt.Sprintf("X-H%d: v", i)
	}
	return strings.Join(h, ", ")
}

func faultList(n int) string {
	var b strings.Builder
	b.WriteString("faults:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: f%d, at: 1s, duration: 1s, kind: noop}\n", i)
	}
	return b.String()
}

// TestLimits: every hard limit holds at its value and is refused one past
// it, with the place of the value; NaN and Inf are refused wherever a number
// is read.
func TestLimits(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantLine   int // 0: accepted
		want       string
	}{
		// The highest rate, for 1000 s: exactly the most payments.
		{"rate at the limit", limitScenario(phase("1000s", "1000000/s"), ""), 0, ""},
		{"rate past the limit", limitScenario(phase("1s", "1000001/s"), ""), 4, "above the highest rate"},
		// The case: it overflowed Total to 2^63.
		{"1e12/s for 1000000h", limitScenario(phase("1000000h", "1e12/s"), ""), 4, "longer than 720h"},
		{"payments past the limit", limitScenario(phase("1001s", "1000000/s"), ""), 3, "payments"},
		// The longest timeline, in one phase or summed over several.
		{"duration at the limit", limitScenario(phase("720h", "1/s"), ""), 0, ""},
		{"duration past the limit", limitScenario(phase("720h1s", "1/s"), ""), 4, "longer than 720h"},
		{"phases summed past the limit", limitScenario(phase("700h", "1/s")+phase("21h", "1/s"), ""), 5, "longer than 720h"},
		// The most faults.
		{"faults at the limit", limitScenario(phase("10s", "1/s"), faultList(MaxFaults)), 0, ""},
		{"faults past the limit", limitScenario(phase("10s", "1/s"), faultList(MaxFaults+1)), 5, "at most 1000"},
		// NaN and Inf rates, shares and sizes.
		{"NaN rate", limitScenario(phase("10s", "NaN/s"), ""), 4, "not a number"},
		{"Inf rate", limitScenario(phase("10s", "Inf/s"), ""), 4, "not a number"},
		{"NaN share", limitScenario(phase("10s", "1/s"), "accounts: {hot_share: NaN}\n"), 5, "finite"},
		{"Inf share", limitScenario(phase("10s", "1/s"), "accounts: {hot_share: .inf}\n"), 5, "number"},
		{"NaN size", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, authsim: {memory: NaNMiB}}\n"), 5, "not a size"},
		{"huge size", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, authsim: {memory: 1e30GiB}}\n"), 5, "not a size"},
		// Request templates that could render without bound in time or size.
		{"range in a body", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {body: '{{range 1000000000000}}x{{end}}'}}\n"), 5, "range is not allowed"},
		{"recursive template", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {body: '{{define \"a\"}}{{template \"a\"}}{{end}}'}}\n"), 5, "not allowed"},
		{"printf width", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {body: '{{printf \"%0999999999d\" 1}}'}}\n"), 5, "width or precision"},
		{"printf star width", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {body: '{{printf \"%[1]*d\" 99999999 1}}'}}\n"), 5, "width or precision"},
		{"printf within bounds", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {body: '{{printf \"%08.2f\" 1.5}}'}}\n"), 0, ""},
		// Two identical stop conditions would share one label of the live
		// metrics, and every scrape would fail with 500 (10.0 is 10).
		{"identical stop conditions", limitScenario(phase("10s", "1/s"), "stop_when: [{failure_ratio: 0.5, for: 10s}, {p99: 1s, for: 10s}, {failure_ratio: 0.50, for: 10000ms}]\n"), 5, "same condition as stop_when[0]"},
		{"stop conditions that differ", limitScenario(phase("10s", "1/s"), "stop_when: [{failure_ratio: 0.5, for: 10s}, {failure_ratio: 0.5, for: 5s}]\n"), 0, ""},
		// Headers per request: 64 (300 headers of 1 MiB took validate 106 s).
		{"headers at the limit", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {headers: {"+headerList(MaxHeaders)+"}}}\n"), 0, ""},
		{"headers past the limit", limitScenario(phase("10s", "1/s"), "target: {kind: authsim, request: {headers: {"+headerList(MaxHeaders+1)+"}}}\n"), 5, "65 headers: at most 64"},
		// What is read of an answer: from 1 KiB to 16 MiB.
		{"answer cap at the limit", limitScenario(phase("10s", "1/s"), "requests: {client: {max_answer_bytes: 16MiB}}\n"), 0, ""},
		{"answer cap past the limit", limitScenario(phase("10s", "1/s"), "requests: {client: {max_answer_bytes: 17MiB}}\n"), 5, "from 1KiB to 16MiB"},
		{"answer cap too small", limitScenario(phase("10s", "1/s"), "requests: {client: {max_answer_bytes: 100B}}\n"), 5, "from 1KiB to 16MiB"},
		// A step phase whose pieces would not fit in memory.
		{"too many steps", limitScenario("    - {duration: 10s, shape: step, from: 1/s, to: 2/s, steps: 1000000}\n", ""), 3, "linear pieces"},
		{"sine period too short", limitScenario("    - {duration: 720h, shape: sine, mean: 2/s, amplitude: 1/s, period: 1s}\n", ""), 3, "linear pieces"},
	}
	for _, tt := range tests {
		_, _, err := Parse("l.yaml", []byte(tt.yaml))
		if tt.wantLine == 0 {
			if err != nil {
				t.Errorf("%s: refused: %v", tt.name, err)
			}
			continue
		}
		probs, ok := err.(Problems)
		if !ok || len(probs) == 0 {
			t.Errorf("%s: accepted (%v)", tt.name, err)
			continue
		}
		found := false
		for _, p := range probs {
			found = found || p.Line == tt.wantLine && strings.Contains(p.Msg, tt.want)
		}
		if !found {
			t.Errorf("%s: want a problem at line %d saying %q, got %v", tt.name, tt.wantLine, tt.want, probs)
		}
	}
}

// TestCheckLimitsAfterScale: a scale can push a valid scenario past the
// longest duration; CheckLimits catches it.
func TestCheckLimitsAfterScale(t *testing.T) {
	s, src, err := Parse("l.yaml", []byte(limitScenario(phase("100h", "1/s"), "")))
	if err != nil {
		t.Fatal(err)
	}
	if probs := s.CheckLimits(src); len(probs) != 0 {
		t.Fatalf("unscaled: %v", probs)
	}
	s.Scale(10)
	if probs := s.CheckLimits(src); len(probs) == 0 || probs[0].Line != 4 {
		t.Errorf("1000h passed the limits: %v", probs)
	}
}

// TestREADMEQuotesTheLimits: the README's limits table says what the
// constants are.
func TestREADMEQuotesTheLimits(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	comma := func(n int) string {
		s := fmt.Sprint(n)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	for _, want := range []string{"| " + comma(MaxRate) + "/s |", "| " + MaxDuration.String()[:len(MaxDuration.String())-4] + " (30 days) |",
		"| " + comma(MaxPayments) + " |", "| " + comma(MaxFaults) + " |", comma(MaxPlanPieces), "| " + comma(MaxAccounts) + " |"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md's limits table lacks %q", want)
		}
	}
}
