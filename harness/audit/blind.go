package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Blind is a ledger query that saw nothing of the run: no rows at all, or
// rows none of which is a payment (or account) of the run, while the run had
// approvals. The audit cannot tell a service that lost everything from a
// query that sees nothing, so it reports neither: the audit is inconclusive
// (exit 1) and names the query, with what was sent and what was read.
type Blind struct {
	// Table is payments or accounts.
	Table string `json:"table"`
	// Query is the query (sql), the URL (http) or the source (authsim).
	Query string `json:"query"`
	// Rows is how many rows the query returned.
	Rows int `json:"rows"`
	// Column is where keys (payments) or ids (accounts) were read from;
	// Sent and Read are one of each, when rows came back but none matched.
	Column string `json:"column,omitempty"`
	Sent   string `json:"sent_example,omitempty"`
	Read   string `json:"read_example,omitempty"`
	// What says what the query saw, Hint what to check.
	What string `json:"what"`
	Hint string `json:"hint"`
}

func (b Blind) String() string { return b.What + ": " + b.Hint }

// The hints of a blind query.
const (
	hintEmpty    = "the audit cannot tell a service that lost everything from a query that sees nothing: check the query's table, filter and schema"
	hintKeys     = "check that columns.key names the column that holds the idempotency key the service was sent (a mapping mistake), and that the query sees this run's rows"
	hintLeftOut  = "check ledger.payments.exclude and the setup steps' creates: together they left out every row"
	hintAccounts = "check columns.id, and that setup captured each account's own id (capture: {ref: ...}) so that the service's ids map back to authquake's"
)

// approvals counts the keys the client was told were approved.
func (a *auditor) approvals() int {
	n := 0
	for _, t := range a.keys {
		if t.approved {
			n++
		}
	}
	return n
}

// blindPayments says whether the payments the source read hold none of
// the run's keys while the run had approvals. Entries made by setup or
// dropped by the source's filter are not the run's.
func (a *auditor) blindPayments(l *Snapshot) *Blind {
	approved := a.approvals()
	if l.Source.Kind == "" || approved == 0 {
		return nil
	}
	var read []string
	for k, recs := range l.ByKey {
		if len(ofRun(recs)) == 0 {
			continue
		}
		if _, sent := a.keys[k]; sent {
			return nil
		}
		read = append(read, k)
	}
	b := &Blind{Table: "payments", Query: l.Source.query("payments"), Rows: l.Records, Column: l.Source.KeyColumn}
	switch {
	case l.Records == 0:
		b.What = fmt.Sprintf("the payments %s returned no rows while %d payments were approved: %s", b.noun(l), approved, b.Query)
		b.Hint, b.Column = hintEmpty, ""
	case len(read) == 0:
		b.What = fmt.Sprintf("the payments %s returned %d rows, all left out (created by setup or excluded), while %d payments were approved: %s",
			b.noun(l), l.Records, approved, b.Query)
		b.Hint, b.Column = hintLeftOut, ""
	default:
		b.Sent, b.Read = a.sentExample(), slices.Min(read)
		b.What = fmt.Sprintf("the payments %s returned %d rows, none under a key this run sent, while %d payments were approved (key %s: sent %q, read %q): %s",
			b.noun(l), l.Records, approved, column(b.Column), b.Sent, b.Read, b.Query)
		b.Hint = hintKeys
	}
	return b
}

// blindAccounts says whether the accounts the source read (when it reads
// any) hold none of the accounts the run's approvals were made on.
func (a *auditor) blindAccounts(l *Snapshot) *Blind {
	approved := a.approvals()
	if l.Source.Accounts == "" || approved == 0 {
		return nil
	}
	for _, t := range a.keys {
		if _, ok := l.Accounts[t.account]; ok && t.approved {
			return nil
		}
	}
	b := &Blind{Table: "accounts", Query: l.Source.query("accounts"), Rows: len(l.Accounts), Column: l.Source.AccountColumn}
	if len(l.Accounts) == 0 {
		b.What = fmt.Sprintf("the accounts %s returned no rows while %d payments were approved: %s", b.noun(l), approved, b.Query)
		b.Hint, b.Column = hintEmpty, ""
		return b
	}
	for _, k := range slices.Sorted(maps.Keys(a.keys)) {
		if t := a.keys[k]; t.approved {
			b.Sent = t.account
			break
		}
	}
	b.Read = slices.Min(slices.Collect(maps.Keys(l.Accounts)))
	b.What = fmt.Sprintf("the accounts %s returned %d rows, none an account this run's approvals were made on (id %s: sent %q, read %q): %s",
		b.noun(l), len(l.Accounts), column(b.Column), b.Sent, b.Read, b.Query)
	b.Hint = hintAccounts
	return b
}

// sentExample is the first approved key, by name.
func (a *auditor) sentExample() string {
	for _, k := range slices.Sorted(maps.Keys(a.keys)) {
		if a.keys[k].approved {
			return k
		}
	}
	return ""
}

// noun is what the source calls a read: a query (sql), an endpoint (http).
func (b *Blind) noun(l *Snapshot) string {
	switch l.Source.Kind {
	case "sql":
		return "query"
	case "http":
		return "endpoint"
	}
	return "read"
}

func column(c string) string {
	if c == "" {
		return "column"
	}
	return fmt.Sprintf("column %q", c)
}

// query names what was read for table, shortened for a message.
func (s SourceInfo) query(table string) string {
	q := s.Payments
	if table == "accounts" {
		q = s.Accounts
	}
	if q == "" {
		return s.Kind + "'s ledger"
	}
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 200 {
		q = q[:200] + "…"
	}
	return fmt.Sprintf("%q", q)
}

// accountInvariants are those an accounts query that saw nothing of the run
// cannot support, and accountsUnseen why.
var accountInvariants = []string{"I6", "I7", "I12"}

const accountsUnseen = "the ledger's accounts saw none of the accounts this run's approvals were made on"

// uncheck moves inv from checked to unchecked, with the reason.
func (c *Coverage) uncheck(inv, reason string) {
	i := slices.Index(c.Checked, inv)
	if i < 0 {
		return
	}
	c.Checked = slices.Delete(c.Checked, i, i+1)
	c.Unchecked = append(c.Unchecked, Unchecked{Invariant: inv, Reason: reason})
	slices.SortFunc(c.Unchecked, func(x, y Unchecked) int {
		return slices.Index(Invariants, x.Invariant) - slices.Index(Invariants, y.Invariant)
	})
}
