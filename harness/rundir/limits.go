package rundir

// Field values of LimitChanges.
const (
	LimitField  = "limit"  // the fault changed the accounts' limits
	FrozenField = "frozen" // the fault froze the accounts
)

// LimitChanges are the Details of a fault that changes accounts' credit
// limits or freezes them, whichever module's kind it is (authsim's
// credit_limit). The audit reads them from the timeline, by this shape and
// not by the kind's name, to judge payments by the limit in force.
type LimitChanges struct {
	// Accounts are the accounts changed, with their state before and after.
	Accounts []LimitChange `json:"accounts"`
	// Field is LimitField or FrozenField: what the fault changed, and so
	// what its revert puts back.
	Field string `json:"field"`
	// Declared: the scenario said what the fault does (an http fault's
	// accounts), authquake did not see it; the limits before are unknown.
	Declared bool `json:"declared,omitempty"`
}

// LimitChange is one account's limit (minor units) and freeze before and
// after a fault.
type LimitChange struct {
	ID           string `json:"id"`
	LimitBefore  *int64 `json:"limit_before,omitempty"` // nil: unknown (a declared change)
	LimitAfter   int64  `json:"limit_after"`
	FrozenBefore bool   `json:"frozen_before"`
	FrozenAfter  bool   `json:"frozen_after"`
}
