package audit

// Result is the audit's part of summary.json.
type Result struct {
	Checked       bool          `json:"checked"`
	Keys          int           `json:"keys"`
	LedgerRecords int           `json:"ledger_records"`
	Violations    []Violation   `json:"violations"`
	Indeterminate Indeterminate `json:"indeterminate"`
	// Inconclusive is true when some payment could not be resolved, or the
	// ledger could not be read: never a pass.
	Inconclusive bool   `json:"inconclusive"`
	Note         string `json:"note,omitempty"`
	// Source is the ledger adapter the snapshot came from (authsim, sql, http).
	Source string `json:"source,omitempty"`
	// Coverage says which invariants were checked with the data given.
	Coverage Coverage `json:"coverage"`
	// Blind lists the ledger queries that saw nothing of the run while it
	// had approvals: the audit is inconclusive, with no violation counted.
	Blind []Blind `json:"blind,omitempty"`
	// Preexisting counts the run's keys the service held before the run:
	// left out of every invariant, they make the run an invalid test.
	Preexisting *Preexisting `json:"preexisting,omitempty"`
	// Excluded counts the ledger entries that are not the run's payments,
	// by why: made by setup (creates), or matched by the source's exclude
	// filter. They are left out of the payment invariants.
	Excluded map[string]int `json:"excluded,omitempty"`
}

// Violation is one broken invariant, with up to 10 concrete examples.
type Violation struct {
	Invariant string    `json:"invariant"`
	Name      string    `json:"name"`
	Count     int       `json:"count"`
	Examples  []Example `json:"examples"`
}

// Example is one concrete case: what the client was told and what the ledger holds.
type Example struct {
	Key     string `json:"key,omitempty"`
	Account string `json:"account,omitempty"`
	Amount  int64  `json:"amount,omitempty"`
	Told    string `json:"told"`
	Ledger  string `json:"ledger"`
}

// Indeterminate counts the payments whose answer the client never got (a
// timeout, a broken connection, a 5xx), resolved by the ledger.
type Indeterminate struct {
	Total     int `json:"total"`
	Committed int `json:"committed"`
	Absent    int `json:"absent"`
	Unknown   int `json:"unknown"`
}

// The invariants.
var names = map[string]string{
	"I1":  "lost approval: an approval the client received is not in the ledger once with its amount",
	"I2":  "phantom hold: a hold in the ledger for a request that was never sent",
	"I3":  "duplicate: more than one authorisation for one key, or different answers for one key",
	"I4":  "key reuse: a ledger entry whose parameters differ from those sent with its key",
	"I5":  "decline left a hold",
	"I6":  "over the limit: an account's holds exceeded the limit in force at an approval (or it was frozen)",
	"I7":  "held differs from the sum of the account's holds",
	"I8":  "indeterminate payment left unresolved",
	"I9":  "hold resolved more than once: captured or voided twice, or voided then captured",
	"I10": "captured more than the authorised amount",
	"I11": "open hold after a voided or reversed payment",
	"I12": "held plus posted over the account's limit",
	"I13": "lost capture: a capture the client saw acknowledged is not captured in the ledger",
	"I14": "void or reversal acknowledged, but the ledger still holds (or captured) the money",
	"I15": "captured amount differs from the amount the capture asked for",
}

// Invariants lists the invariant ids in order.
var Invariants = []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12", "I13", "I14", "I15"}

// Name returns an invariant's description.
func Name(inv string) string { return names[inv] }
