package ledger

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/scenario"
)

// row gives one mapped field's raw value (a database value or a decoded
// JSON value), and whether the row has it.
type row func(field string) (any, bool)

// mapping turns rows into the neutral model: the configured fields, state
// values and account refs.
type mapping struct {
	accounts, payments *scenario.LedgerTable
	refs               map[string]string
}

// fields are the audit fields the mapping gives (see audit.Field*).
func (m mapping) fields() []string {
	var out []string
	has := func(t *scenario.LedgerTable, col, field string) {
		if t != nil && t.Columns[col] != "" {
			out = append(out, field)
		}
	}
	has(m.accounts, "limit", audit.FieldLimit)
	has(m.accounts, "held", audit.FieldHeld)
	has(m.accounts, "posted", audit.FieldPosted)
	has(m.accounts, "frozen", audit.FieldFrozen)
	has(m.payments, "hold", audit.FieldHold)
	has(m.payments, "captured", audit.FieldCaptured)
	has(m.payments, "resolutions", audit.FieldResolutions)
	has(m.payments, "created_at", audit.FieldCreatedAt)
	return out
}

// account maps a service account ref to authquake's id.
func (m mapping) account(ref string) (string, bool) {
	if m.refs == nil {
		return ref, true
	}
	id, ok := m.refs[ref]
	if !ok {
		return ref, false
	}
	return id, true
}

// conv reads typed values out of a row, keeping the first error.
type conv struct {
	r   row
	err error
}

func (c *conv) fail(field string, v any, want string) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %v (%T) is not %s", field, v, v, want)
	}
}

func (c *conv) str(field string) string {
	v, ok := c.r(field)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// minor reads an amount in minor units.
func (c *conv) minor(field string) int64 {
	v, ok := c.r(field)
	if !ok || v == nil {
		return 0
	}
	var f float64
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		f = float64(x)
	case float64:
		f = x
	case json.Number, string:
		n, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		if err != nil {
			c.fail(field, v, "a number")
			return 0
		}
		f = n
	default:
		c.fail(field, v, "a number")
		return 0
	}
	if f != math.Trunc(f) {
		c.fail(field, v, "a whole amount in minor units")
	}
	return int64(f)
}

func (c *conv) flag(field string) bool {
	v, ok := c.r(field)
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, err := strconv.ParseBool(x)
		if err != nil {
			c.fail(field, v, "true or false")
		}
		return b
	}
	c.fail(field, v, "true or false")
	return false
}

func (c *conv) time(field string) time.Time {
	v, ok := c.r(field)
	if !ok || v == nil {
		return time.Time{}
	}
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			c.fail(field, v, "an RFC 3339 time")
		}
		return t
	}
	c.fail(field, v, "a time")
	return time.Time{}
}

// toAccount maps one accounts row.
func (m mapping) toAccount(r row) (audit.Account, error) {
	c := &conv{r: r}
	ref := c.str("id")
	id, _ := m.account(ref) // accounts of the service's own are kept under their ref
	a := audit.Account{ID: id, LimitMinor: c.minor("limit"), HeldMinor: c.minor("held"), PostedMinor: c.minor("posted"), Frozen: c.flag("frozen")}
	if c.err == nil && ref == "" {
		c.err = fmt.Errorf("id: empty")
	}
	return a, c.err
}

// toRecord maps one payments row. A payment without its own hold column
// holds its amount while it is held.
func (m mapping) toRecord(r row) (audit.Record, error) {
	c := &conv{r: r}
	rec := audit.Record{IdempotencyKey: c.str("key"), AmountMinor: c.minor("amount"), ID: c.str("id"),
		CapturedMinor: c.minor("captured"), HoldMinor: c.minor("hold"), Resolutions: int(c.minor("resolutions")), CreatedAt: c.time("created_at")}
	ref := c.str("account")
	rec.AccountID, _ = m.account(ref)
	_, known := m.account(ref)
	rec.UnknownAccount = !known
	state := c.str("state")
	rec.Status, rec.Code = state, state
	if s, ok := m.payments.States[state]; ok {
		rec.Status = s
	} else if !slices.Contains(audit.States, state) && c.err == nil {
		c.err = fmt.Errorf("state %q is neither mapped in states nor a ledger state (%v)", state, audit.States)
	}
	if m.payments.Columns["hold"] == "" && rec.Status == audit.Held {
		rec.HoldMinor = rec.AmountMinor
	}
	if c.err == nil && rec.IdempotencyKey == "" {
		c.err = fmt.Errorf("key: empty")
	}
	for i, e := range m.payments.Exclude {
		if e.Match(c.str(excludeField(i))) {
			rec.Excluded = "ledger.payments.exclude: " + e.String()
			break
		}
	}
	return rec, c.err
}

// excludeField is the row field of the payments' i-th exclude filter.
func excludeField(i int) string { return fmt.Sprintf("exclude[%d]", i) }

// paymentColumns are the payments' mapped columns and those its exclude
// filters read.
func (m mapping) paymentColumns() map[string]string {
	cols := maps.Clone(m.payments.Columns)
	for i, e := range m.payments.Exclude {
		cols[excludeField(i)] = e.Column
	}
	return cols
}

// ledger returns an empty ledger for this mapping's source kind, saying
// what it reads.
func (m mapping) ledger(kind string) *audit.Snapshot {
	l := audit.NewSnapshot(kind, m.fields()...)
	what := func(t *scenario.LedgerTable) string { return t.Query + t.URL } // one of them is set
	l.Source.Payments, l.Source.KeyColumn = what(m.payments), m.payments.Columns["key"]
	if m.accounts != nil {
		l.Source.Accounts, l.Source.AccountColumn = what(m.accounts), m.accounts.Columns["id"]
	}
	return l
}
