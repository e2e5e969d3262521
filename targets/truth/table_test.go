package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
)

var update = flag.Bool("update", false, "rewrite the matrix's table in README.md")

const (
	readme     = "../../README.md"
	tableBegin = "<!-- truth matrix: go test ./targets/truth -run TestREADMETable -update -->\n"
	tableEnd   = "<!-- end of the truth matrix -->\n"
)

// TestREADMETable keeps README's table of the truth matrix in step with
// what the matrix asserts: each fault's state, time to impact and time to
// recover per base latency, worked out from the service's rules for the
// planned instants.
func TestREADMETable(t *testing.T) {
	got := table()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no table between %q and %q", tableBegin, tableEnd)
	}
	if have := doc[i+len(tableBegin) : j]; have != got {
		if !*update {
			t.Fatalf("README.md's truth matrix is out of date (go test ./targets/truth -run TestREADMETable -update):\n%s", got)
		}
		if err := os.WriteFile(readme, []byte(doc[:i+len(tableBegin)]+got+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// table is the matrix as Markdown: a row per mode, arrangement and fault, a
// column per base latency.
func table() string {
	cs := cases()
	var lats []string
	for _, c := range cs {
		if !slices.Contains(lats, c.base.String()) {
			lats = append(lats, c.base.String())
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| first fault | second (fail) | fault | %s |\n|---|---|---|%s\n", strings.Join(lats, " | "), strings.Repeat("---|", len(lats)))
	rows := map[string][]string{}
	var order []string
	for _, c := range cs {
		tm := c.timing()
		want := c.expect([2]float64{tm.aF, tm.aF + tm.dF}, [2]float64{tm.aG, tm.aG + tm.dG})
		for i, w := range want {
			key := fmt.Sprintf("| %s | %s | %s |", c.mode, c.arrange, []string{"first", "second"}[i])
			if _, ok := rows[key]; !ok {
				order = append(order, key)
			}
			rows[key] = append(rows[key], cell(w))
		}
	}
	for _, k := range order {
		fmt.Fprintf(&b, "%s %s |\n", k, strings.Join(rows[k], " | "))
	}
	return b.String()
}

// cell says one fault's truth in a few words.
func cell(w truth) string {
	secs := func(x *float64) string { return fmt.Sprintf("%g s", math.Round(*x*1000)/1000) }
	var parts []string
	switch w.state {
	case analysis.StateImpactRecovered:
		parts = append(parts, "impact "+secs(w.tti), "recovered "+secs(w.ttr))
	case analysis.StateRecoveryHidden:
		parts = append(parts, "impact "+secs(w.tti), "recovery hidden by "+w.hidden)
	case analysis.StateShared:
		parts = append(parts, "impact "+secs(w.tti)+" shared with "+w.shared, "recovered "+secs(w.ttr))
	case analysis.StateAlreadyUnhealthy:
		parts = append(parts, "already unhealthy", "recovered "+secs(w.ttr))
	default:
		parts = append(parts, w.state)
	}
	return strings.Join(parts, ", ")
}
