package load

import (
	"bytes"
	"math"
	"strconv"
	"unsafe"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// rule is a scenario response rule compiled for the hot path: a status set,
// a JSON path index and the values to compare, all fixed before the load
// starts.
type rule struct {
	anyStatus bool
	status    [600]bool
	path      int // index in the classifier's paths; -1 for none
	values    [][]byte
	numbers   []float64 // values as numbers, NaN for those that are not
	outcome   record.Outcome
}

func compileRule(r scenario.ResponseRule, paths *jsonPaths) rule {
	c := rule{anyStatus: len(r.Status) == 0, path: -1, outcome: record.Outcome(r.Outcome)}
	for _, s := range r.Status {
		if s >= 0 && s < len(c.status) {
			c.status[s] = true
		}
	}
	if m := r.JSON; m != nil {
		c.path = paths.add(m.Path)
		want := m.In
		if m.Equals != nil {
			want = []string{*m.Equals}
		}
		for _, v := range want {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				n = math.NaN()
			}
			c.values, c.numbers = append(c.values, []byte(v)), append(c.numbers, n)
		}
	}
	return c
}

// statusMatch reports whether the rule's status condition holds.
func (r *rule) statusMatch(status int) bool {
	return r.anyStatus || status >= 0 && status < len(r.status) && r.status[status]
}

// valueMatch reports whether the JSON value at sp satisfies the rule: any
// value but null when the rule lists none, else one of its values.
func (r *rule) valueMatch(body []byte, sp span) bool {
	if sp.end == 0 {
		return false
	}
	raw := body[sp.start:sp.end]
	if len(r.values) == 0 {
		return string(raw) != "null"
	}
	switch raw[0] {
	case '{', '[':
		return false
	case '"':
		for _, v := range r.values {
			if equalString(raw[1:len(raw)-1], v) {
				return true
			}
		}
		return false
	}
	var n float64
	number := raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'
	if number {
		// unsafe.String: ParseFloat keeps no reference, and the copy
		// string(raw) would allocate once per answer.
		n, _ = strconv.ParseFloat(unsafe.String(&raw[0], len(raw)), 64)
	}
	for i, v := range r.values {
		if bytes.Equal(raw, v) || number && n == r.numbers[i] {
			return true
		}
	}
	return false
}
