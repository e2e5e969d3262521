package load

import (
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// stateReader reads a final state from a notification or a status answer:
// what names the payment (key), the state at status, mapped to an outcome
// by the rules (a value no rule names is pending: an intermediate state),
// and the reason, in one pass over the body.
type stateReader struct {
	paths               jsonPaths
	key, status, reason int
	rules               []scenario.StateRule
}

func newStateReader(key, status, reason string, rules []scenario.StateRule) *stateReader {
	r := &stateReader{key: -1, reason: -1, rules: rules}
	if key != "" {
		r.key = r.paths.add(key)
	}
	r.status = r.paths.add(status)
	if reason != "" {
		r.reason = r.paths.add(reason)
	}
	return r
}

// read returns what the body says; ok is false for a body that is not JSON
// or has no state.
func (r *stateReader) read(body []byte) (key string, o record.Outcome, state, reason string, ok bool) {
	var at found
	if !r.paths.scan(body, &at) || at[r.status].end == 0 {
		return "", "", "", "", false
	}
	state = valueText(body, at[r.status])
	if r.key >= 0 {
		key = valueText(body, at[r.key])
	}
	if r.reason >= 0 {
		reason = valueText(body, at[r.reason])
	}
	o = record.Pending
	for _, rule := range r.rules {
		if rule.Matches(state) {
			o = record.Outcome(rule.Outcome)
			break
		}
	}
	return key, o, state, reason, true
}

// idReader reads the service's id of a payment from an answer
// (target.response.auth_id).
type idReader struct {
	paths jsonPaths
	at    int
}

func newIDReader(path string) *idReader {
	if path == "" {
		return nil
	}
	r := &idReader{}
	r.at = r.paths.add(path)
	return r
}

// read returns the id, "" when absent.
func (r *idReader) read(answer []byte) string {
	if r == nil || len(answer) == 0 {
		return ""
	}
	var at found
	if !r.paths.scan(answer, &at) {
		return ""
	}
	return valueText(answer, at[r.at])
}
