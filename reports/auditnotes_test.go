package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/audit"
)

// TestAuditMistakesAreSaid: a blind ledger query (with its hint), the
// entries left out as not the run's and the keys the ledger held before the
// run show where the audit is shown: the terminal summary, report.md and
// report.html.
func TestAuditMistakesAreSaid(t *testing.T) {
	blind := audit.Blind{Table: "payments", What: `the payments query returned no rows while 20 payments were approved: "select id from tx"`,
		Hint: "the audit cannot tell a service that lost everything from a query that sees nothing: check the query's table, filter and schema"}
	accounts := audit.Blind{Table: "accounts", What: "the accounts query returned no rows", Hint: "check the query's table"}
	tests := []struct {
		name string
		a    *audit.Result
		want []string
	}{
		// The payments query saw nothing: the audit line says so, with the hint.
		{"blind payments", &audit.Result{Inconclusive: true, Note: blind.String(), Blind: []audit.Blind{blind}, Violations: []audit.Violation{}},
			[]string{"money audit: INCONCLUSIVE: the payments query returned no rows while 20 payments were approved", "select id from tx", "check the query&#39;s table, filter and schema"}},
		// The accounts query saw nothing beside a real violation: both said.
		{"blind accounts", &audit.Result{Checked: true, Inconclusive: true, Blind: []audit.Blind{accounts},
			Violations: []audit.Violation{{Invariant: "I1", Name: "lost approval", Count: 1}}},
			[]string{"1 invariants BROKEN", "the accounts query returned no rows: check the query&#39;s table"}},
		// Entries setup made and the keys of an earlier run are counted.
		{"left out", &audit.Result{Checked: true, Violations: []audit.Violation{}, Excluded: map[string]int{"created by setup step fund": 20, `ledger.payments.exclude: kind is "seed"`: 1},
			Preexisting: &audit.Preexisting{Count: 7, ByLedger: 7}},
			[]string{"not the run&#39;s: 21 ledger entries (20 created by setup step fund; 1 ledger.payments.exclude: kind is &#34;seed&#34;)",
				"7 keys of the run the ledger held before it began (7 by the entries&#39; created_at, 0 by a duplicate answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &analysis.Summary{Scenario: "x", Status: "completed", Verdict: analysis.VerdictInconclusive, Audit: tt.a}
			var term, md, html bytes.Buffer
			Terminal(&term, s, "")
			if err := Markdown(&md, s); err != nil {
				t.Fatal(err)
			}
			if err := HTML(&html, &analysis.Run{Dir: t.TempDir()}, s, nil); err != nil {
				t.Fatal(err)
			}
			unescape := strings.NewReplacer("&#39;", "'", "&#34;", `"`)
			for name, got := range map[string]string{"terminal": term.String(), "report.md": md.String(), "report.html": html.String()} {
				for _, w := range tt.want {
					if name != "report.html" {
						w = unescape.Replace(w)
					}
					if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
						t.Errorf("%s does not say %q:\n%s", name, w, got)
					}
				}
			}
		})
	}
}

// TestExampleOfAnAccount: an example of an account's invariant (I7: its
// holds) names the account alone, not an empty key and an amount of 0; one
// of a payment names its key, account and amount.
func TestExampleOfAnAccount(t *testing.T) {
	for _, c := range []struct {
		e          audit.Example
		text, cell string
	}{
		{audit.Example{Account: "acct-000004", Told: "sum of holds 38223", Ledger: "held 47843"}, "account acct-000004", "-"},
		{audit.Example{Key: "k1", Account: "a", Amount: 0}, "key k1 account a amount 0", "0"},
		{audit.Example{Key: "k2", Amount: 250}, "key k2 amount 250", "250"},
	} {
		if got := exampleOf(c.e); got != c.text {
			t.Errorf("exampleOf(%+v) = %q, want %q", c.e, got, c.text)
		}
		if got := amountCell(c.e); got != c.cell {
			t.Errorf("amountCell(%+v) = %q, want %q", c.e, got, c.cell)
		}
	}
}
