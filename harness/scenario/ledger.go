package scenario

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/authquake/authquake/harness/secret"
)

// Ledger source kinds.
const (
	LedgerAuthsim = "authsim" // authsim's /admin/ledger (the default for target kind authsim)
	LedgerSQL     = "sql"     // queries against the service's database
	LedgerHTTP    = "http"    // a paginated JSON reconciliation endpoint
	LedgerNone    = "none"    // no ledger: the audit says what it could not check (the default otherwise)
)

// LedgerStates are the audit's neutral payment states that a source's own
// state values map to (harness/audit keeps the same list).
var LedgerStates = []string{"held", "captured", "voided", "declined", "pending", "reversed"}

// The fields a ledger table maps to its columns (sql) or JSON paths (http).
var (
	accountFields = []string{"id", "limit", "held", "posted", "frozen"}
	paymentFields = []string{"key", "account", "amount", "state", "captured", "hold", "resolutions", "id", "created_at"}
	accountNeeds  = []string{"id"}
	paymentNeeds  = []string{"key", "account", "amount", "state"}
)

// Ledger says where the money audit reads the service's ledger, before the
// target is removed. Example (sql):
//
//	ledger:
//	  kind: sql
//	  accounts: {query: "select id, credit_limit, held, posted from balances",
//	             columns: {id: id, limit: credit_limit, held: held, posted: posted}}
//	  payments: {query: "select reference, balance_id, amount, status from transactions",
//	             columns: {key: reference, account: balance_id, amount: amount, state: status},
//	             states: {APPLIED: captured, PENDING: held, VOIDED: voided, REJECTED: declined}}
type Ledger struct {
	// Kind is authsim, sql, http or none; the default is the target module's (authsim for target kind authsim), none otherwise.
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty" jsonschema:"enum=authsim,enum=sql,enum=http,enum=none"`
	// DSN is the database to query (kind sql), a postgres:// URL naming its host and user; the default is the target's own Postgres. Nothing is taken from PGPASSWORD, PGHOST or any other libpq variable or file; a host off this machine needs --allow-remote.
	DSN string `yaml:"dsn,omitempty" json:"dsn,omitempty"`
	// Accounts reads the accounts: limits, held and posted totals (optional; without it the account invariants are unchecked).
	Accounts *LedgerTable `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// Payments reads the payments, one row or item per idempotency key.
	Payments *LedgerTable `yaml:"payments,omitempty" json:"payments,omitempty"`
	// Settle is how long the ledger may take to decide what it accepted for later: while a payment
	// it holds is still pending, it is read again once a second, up to this long (default 10s; 0 reads once).
	Settle *Duration `yaml:"settle,omitempty" json:"settle,omitempty"`
}

// LedgerTable is one query (sql) or one paginated endpoint (http) and how its
// columns or item fields map to the audit's fields.
type LedgerTable struct {
	// Query is the SQL query (kind sql).
	Query string `yaml:"query,omitempty" json:"query,omitempty"`
	// URL is the endpoint (kind http), a template over {{.Page}} (from 1) and {{.Cursor}} (empty at first).
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Headers are sent with each page request (kind http).
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Items is the dotted JSON path of the array of items in a page, e.g. data; empty: the page is the array (kind http).
	Items string `yaml:"items,omitempty" json:"items,omitempty"`
	// Next is the dotted JSON path of the next page's cursor; empty pages by {{.Page}} until a page has no items,
	// or reads one page when the URL has no {{.Page}} (kind http).
	Next string `yaml:"next,omitempty" json:"next,omitempty"`
	// MaxPages stops paging after this many pages; reaching it is an error, never a silent cut (kind http, default 1000).
	MaxPages int `yaml:"max_pages,omitempty" json:"max_pages,omitempty"`
	// Columns maps the audit's fields to column names (sql) or dotted item paths (http).
	// Accounts: id, limit, held, posted, frozen. Payments: key, account, amount, state, captured, hold, resolutions, id, created_at.
	Columns map[string]string `yaml:"columns" json:"columns"`
	// States maps the service's state values to held, captured, voided, declined, pending or reversed (payments).
	States map[string]string `yaml:"states,omitempty" json:"states,omitempty"`
	// Exclude leaves out the rows that are not the run's payments (funding transfers, seed rows) that setup
	// did not record with creates: a row matching any filter is kept for the accounts' held totals but left
	// out of the payment invariants, never a phantom (payments only). A SQL source can also filter in its query.
	Exclude []LedgerExclude `yaml:"exclude,omitempty" json:"exclude,omitempty"`
}

// LedgerExclude matches rows by one column's value: its prefix or the whole value.
type LedgerExclude struct {
	// Column is the column (sql) or dotted item path (http) to match; it need not be mapped in columns.
	Column string `yaml:"column" json:"column"`
	// Prefix matches values that start with it, e.g. fund-.
	Prefix string `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Equals matches the value exactly, e.g. a funding account's id.
	Equals string `yaml:"equals,omitempty" json:"equals,omitempty"`
}

// Match reports whether a row's value is matched.
func (e LedgerExclude) Match(v string) bool {
	if e.Prefix != "" {
		return strings.HasPrefix(v, e.Prefix)
	}
	return v == e.Equals
}

// String says what the filter matches, for the audit's count of left-out rows.
func (e LedgerExclude) String() string {
	if e.Prefix != "" {
		return fmt.Sprintf("%s starts with %q", e.Column, e.Prefix)
	}
	return fmt.Sprintf("%s is %q", e.Column, e.Equals)
}

// ledgerDefaults picks the ledger kind (none, unless the scenario or the
// target's module has set one: Hooks.Defaults) and the page cap.
func (s *Scenario) ledgerDefaults() {
	l := &s.Ledger
	def(&l.Kind, LedgerNone)
	if l.Settle == nil {
		d := Duration(10 * time.Second)
		l.Settle = &d
	}
	for _, t := range []*LedgerTable{l.Accounts, l.Payments} {
		if t != nil && l.Kind == LedgerHTTP {
			def(&t.MaxPages, 1000)
		}
	}
}

func (s *Scenario) validateLedger(v *validator) {
	l := s.Ledger
	kinds := []string{LedgerAuthsim, LedgerSQL, LedgerHTTP, LedgerNone}
	if !slices.Contains(kinds, l.Kind) {
		v.errf("$.ledger.kind", "", "must be one of %s, not %q", strings.Join(kinds, ", "), l.Kind)
		return
	}
	if l.Kind == LedgerAuthsim && s.Target.Kind != TargetAuthsim {
		v.errf("$.ledger.kind", "use sql or http to read your service's ledger", "authsim applies to target kind authsim only")
	}
	if d := l.Settle; d != nil && (*d < 0 || *d > Duration(10*time.Minute)) {
		v.errf("$.ledger.settle", "e.g. settle: 30s for a service that decides queued payments in the background", "must be from 0 to 10m, not %s", d.D())
	}
	if l.DSN != "" && l.Kind != LedgerSQL {
		v.errf("$.ledger.dsn", "remove it or set kind: sql", "applies to kind sql only")
	}
	if l.Kind != LedgerSQL && l.Kind != LedgerHTTP {
		for name, t := range map[string]*LedgerTable{"accounts": l.Accounts, "payments": l.Payments} {
			if t != nil {
				v.errf("$.ledger."+name, "remove it or set kind: sql or http", "applies to kinds sql and http only")
			}
		}
		return
	}
	if l.Kind == LedgerSQL {
		u, err := url.Parse(l.DSN)
		if strings.Contains(l.DSN, "{{") { // {{env "NAME"}}: a URL once rendered, checked then (run)
			u, err = &url.URL{Scheme: strings.SplitN(l.DSN, "://", 2)[0]}, nil
		}
		switch {
		case l.DSN != "" && (err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql"):
			v.errf("$.ledger.dsn", "e.g. dsn: postgres://user:pass@127.0.0.1:5432/app?sslmode=disable", "is not a postgres:// URL")
		case l.DSN == "" && (s.Target.Kind != TargetContainers || s.Target.Containers == nil || s.Target.Containers.Postgres == nil):
			v.errf("$.ledger", "set dsn: postgres://... (the default is the Postgres of a containers target)", "kind sql needs a dsn: the target has no Postgres of authquake's")
		}
	}
	if l.Payments == nil {
		v.errf("$.ledger", "add payments: {"+map[string]string{LedgerSQL: "query", LedgerHTTP: "url"}[l.Kind]+": ..., columns: {key: ..., account: ..., amount: ..., state: ...}}", "kind %s needs payments", l.Kind)
	} else {
		v.ledgerTable(l.Kind, "$.ledger.payments", l.Payments, paymentFields, paymentNeeds)
	}
	if l.Accounts != nil {
		v.ledgerTable(l.Kind, "$.ledger.accounts", l.Accounts, accountFields, accountNeeds)
		if len(l.Accounts.States) > 0 {
			v.errf("$.ledger.accounts.states", "states map payment states", "applies to payments only")
		}
		if len(l.Accounts.Exclude) > 0 {
			v.errf("$.ledger.accounts.exclude", "move it to payments", "applies to payments only")
		}
	}
}

// ledgerTable checks one query or endpoint and its mapping.
func (v *validator) ledgerTable(kind, p string, t *LedgerTable, fields, needs []string) {
	only := func(set bool, field, k string) {
		if set && kind != k {
			v.errf(p+"."+field, "remove it or set kind: "+k, "applies to kind %s only", k)
		}
	}
	only(t.Query != "", "query", LedgerSQL)
	only(t.URL != "", "url", LedgerHTTP)
	only(t.Items != "", "items", LedgerHTTP)
	only(t.Next != "", "next", LedgerHTTP)
	only(len(t.Headers) > 0, "headers", LedgerHTTP)
	v.headerCount(p+".headers", t.Headers)
	if kind == LedgerSQL && strings.TrimSpace(t.Query) == "" {
		v.errf(p+".query", `e.g. query: "select id, credit_limit from balances"`, "is required")
	}
	if kind == LedgerHTTP {
		if _, err := template.New("url").Funcs(secret.Funcs).Parse(t.URL); err != nil {
			v.errf(p+".url", "fields: .Page .Cursor", "bad template: %v", err)
		} else if u, err := url.Parse(t.URL); t.URL == "" || err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			v.errf(p+".url", `e.g. url: "http://127.0.0.1:8080/recon?cursor={{.Cursor}}"`, "%q is not an http(s) URL", t.URL)
		}
		if t.MaxPages < 1 {
			v.errf(p+".max_pages", "", "must be at least 1")
		}
	}
	for _, f := range slices.Sorted(maps.Keys(t.Columns)) {
		if !slices.Contains(fields, f) {
			v.errf(p+".columns."+f, "fields: "+strings.Join(fields, ", "), "unknown field %q", f)
		} else if t.Columns[f] == "" {
			v.errf(p+".columns."+f, "the column or item path that holds it", "is empty")
		}
	}
	for _, f := range needs {
		if _, ok := t.Columns[f]; !ok {
			v.errf(p+".columns", fmt.Sprintf("e.g. columns: {%s: ...}", f), "needs %s", f)
		}
	}
	for i, e := range t.Exclude {
		ep := fmt.Sprintf("%s.exclude[%d]", p, i)
		switch {
		case e.Column == "":
			v.errf(ep+".column", "e.g. {column: reference, prefix: fund-}", "is required")
		case (e.Prefix == "") == (e.Equals == ""):
			v.errf(ep, "e.g. {column: reference, prefix: fund-} or {column: source, equals: \"@world\"}", "needs exactly one of prefix and equals")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.States)) {
		if !slices.Contains(LedgerStates, t.States[k]) {
			v.errf(p+".states."+k, "states: "+strings.Join(LedgerStates, ", "), "%q is not a ledger state", t.States[k])
		}
	}
}
