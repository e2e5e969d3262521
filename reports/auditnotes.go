package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

// blindLine says which ledger query saw nothing of the run, and what to
// check; "" when every query saw it.
func blindLine(s *analysis.Summary) string {
	a := s.Audit
	if a == nil || len(a.Blind) == 0 {
		return ""
	}
	var parts []string
	for _, b := range a.Blind {
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

// auditNotes are what the audit left out, and why, one line each: ledger
// entries that are not the run's (made by setup, matched by the source's
// exclude filter) and keys the ledger held before the run began.
func auditNotes(s *analysis.Summary) []string {
	a := s.Audit
	if a == nil {
		return nil
	}
	var out []string
	if len(a.Excluded) > 0 {
		var parts []string
		n := 0
		for _, why := range slices.Sorted(maps.Keys(a.Excluded)) {
			parts = append(parts, fmt.Sprintf("%d %s", a.Excluded[why], why))
			n += a.Excluded[why]
		}
		out = append(out, fmt.Sprintf("left out of the payment invariants, not the run's: %d ledger entries (%s)", n, strings.Join(parts, "; ")))
	}
	if p := a.Preexisting; p != nil && p.Count > 0 {
		out = append(out, fmt.Sprintf("left out of every invariant: %d keys of the run the ledger held before it began (%d by the entries' created_at, %d by a duplicate answer to a first attempt)",
			p.Count, p.ByLedger, p.ByAnswer))
	}
	return out
}
