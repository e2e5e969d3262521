package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
)

// Statuses is one HTTP status or a list of them: status: 202 or
// status: [200, 201].
type Statuses []int

// oneOrMany lets the strict checker take a single value for the list.
func (Statuses) oneOrMany() {}

// UnmarshalYAML reads one status or a list.
func (s *Statuses) UnmarshalYAML(unmarshal func(any) error) error {
	return oneOrMany(unmarshal, (*[]int)(s))
}

// oneOrMany reads one value or a list of them into list.
func oneOrMany[T any](unmarshal func(any) error, list *[]T) error {
	var one T
	if err := unmarshal(&one); err == nil {
		*list = []T{one}
		return nil
	}
	var many []T
	if err := unmarshal(&many); err != nil {
		return err
	}
	*list = many
	return nil
}

// JSONSchema describes Statuses for editors.
func (Statuses) JSONSchema() *jsonschema.Schema {
	status := &jsonschema.Schema{Type: "integer", Minimum: "100", Maximum: "599"}
	return &jsonschema.Schema{Description: "an HTTP status or a list of them, e.g. 202 or [200, 201]",
		OneOf: []*jsonschema.Schema{status, {Type: "array", Items: status, MinItems: ptr(uint64(1))}}}
}

func ptr[T any](v T) *T { return &v }

// SplitPath splits a JSON path (data.status) into its keys; it returns nil
// for a path with an empty key.
func SplitPath(path string) []string {
	keys := strings.Split(path, ".")
	if slices.Contains(keys, "") {
		return nil
	}
	return keys
}

// maxJSONPaths bounds the distinct JSON paths of a target's response rules,
// code and reason: the load generator looks them all up in one pass over
// each answer.
const maxJSONPaths = 16

func (s *Scenario) validateResponse(v *validator) {
	v.response("$.target.response", s.Target.Response)
	t := s.Target
	if t.Request.Response != nil {
		v.errf("$.target.request.response", "target.response classifies the authorisations; a response block of its own is for capture, void and reverse",
			"only a follow-up call (capture, void, reverse) has a response block")
	}
	for call, rq := range map[string]*RequestTemplate{"capture": t.Capture, "void": t.Void, "reverse": t.Reverse} {
		if rq != nil && rq.Response != nil {
			v.response("$.target."+call+".response", *rq.Response)
		}
	}
}

// response checks one response block at path at.
func (v *validator) response(at string, r ResponseRules) {
	for _, list := range []struct {
		name  string
		codes []int
	}{{"approved", r.Approved}, {"declined", r.Declined}} {
		for i, c := range list.codes {
			v.status(fmt.Sprintf("%s.%s[%d]", at, list.name, i), c)
		}
	}
	for i, c := range r.DuplicateKey {
		if !slices.Contains([]string{DuplicateReplay, DuplicateReject}, c) || slices.Index(r.DuplicateKey, c) != i {
			q := at + ".duplicate_key"
			if len(r.DuplicateKey) > 1 {
				q = fmt.Sprintf("%s[%d]", q, i)
			}
			v.errf(q, "replay: a known key gets the first answer again; reject: a rejection such as 409; or both, [replay, reject]",
				"must be replay or reject, each once, not %q", c)
		}
	}
	if len(r.DuplicateKey) == 0 {
		v.errf(at+".duplicate_key", "replay, reject, or [replay, reject]", "lists no contract")
	}
	paths := map[string]bool{}
	path := func(p, value string) {
		if SplitPath(value) == nil {
			v.errf(p, "dot-separated keys, e.g. error.code", "%q is not a JSON path: a key is empty", value)
		}
		paths[value] = true
	}
	path(at+".code", r.Code)
	path(at+".reason", r.Reason)
	for _, f := range []struct{ old, now, oldValue, value string }{
		{"code_field", "code", r.CodeField, r.Code}, {"reason_field", "reason", r.ReasonField, r.Reason}} {
		if f.oldValue != "" && f.oldValue != f.value {
			v.errf(at+"."+f.old, "keep "+f.now+" only", "conflicts with %s: %s is its older spelling", f.now, f.old)
		}
	}
	duplicate := false
	for i, rule := range r.Rules {
		p := fmt.Sprintf("%s.rules[%d]", at, i)
		switch {
		case !slices.Contains(RuleOutcomes, rule.Outcome):
			hint := "one of " + strings.Join(RuleOutcomes, ", ")
			if rule.Outcome == "timeout" || rule.Outcome == "conn_error" {
				hint = rule.Outcome + " is the lack of an answer; a rule classifies answers: " + hint
			} else if near := Closest(rule.Outcome, RuleOutcomes); near != "" {
				hint = fmt.Sprintf("did you mean %q?", near)
			}
			v.errf(p+".outcome", hint, "unknown outcome %q", rule.Outcome)
		case rule.Outcome == "duplicate":
			duplicate = true // valid with replay too: keys replayed, a reused reference rejected
		}
		_, written := v.src.pos[p+".status"] // a status of the wrong type is reported already
		if len(rule.Status) == 0 && rule.JSON == nil && !written {
			v.errf(p, "e.g. {status: 202, outcome: pending} or {json: {path: status, equals: QUEUED}, outcome: pending}",
				"a rule needs status, json or both")
		}
		for j, c := range rule.Status {
			q := p + ".status"
			if len(rule.Status) > 1 {
				q = fmt.Sprintf("%s[%d]", q, j)
			}
			v.status(q, c)
		}
		if m := rule.JSON; m != nil {
			path(p+".json.path", m.Path)
			if m.Equals != nil && m.In != nil {
				v.errf(p+".json", "equals is one value, in a list of them", "give equals or in, not both")
			}
			if m.In != nil && len(m.In) == 0 {
				v.errf(p+".json.in", "e.g. in: [REJECTED, DECLINED]", "lists no value")
			}
		}
	}
	if r.DuplicateKey.Has(DuplicateReject) && !duplicate {
		v.errf(at+".duplicate_key", "add a rule such as {status: 409, outcome: duplicate}",
			"reject needs a rule that recognises the rejection")
	}
	if len(paths) > maxJSONPaths {
		v.errf(at+".rules", "", "%d distinct JSON paths; at most %d", len(paths), maxJSONPaths)
	}
}

func (v *validator) status(path string, c int) {
	if c < 100 || c > 599 {
		v.errf(path, "an HTTP status is from 100 to 599", "%d is not an HTTP status", c)
	}
}

// DuplicateContract is one duplicate-key contract or both:
// duplicate_key: reject, or duplicate_key: [replay, reject].
type DuplicateContract []string

// oneOrMany lets the strict checker take a single value for the list.
func (DuplicateContract) oneOrMany() {}

// UnmarshalYAML reads one contract or a list.
func (d *DuplicateContract) UnmarshalYAML(unmarshal func(any) error) error {
	return oneOrMany(unmarshal, (*[]string)(d))
}

// Has says whether the contract includes c (replay or reject).
func (d DuplicateContract) Has(c string) bool { return slices.Contains(d, c) }

// JSONSchema describes DuplicateContract for editors.
func (DuplicateContract) JSONSchema() *jsonschema.Schema {
	one := &jsonschema.Schema{Type: "string", Enum: []any{DuplicateReplay, DuplicateReject}}
	return &jsonschema.Schema{Description: "replay, reject, or both: [replay, reject]",
		OneOf: []*jsonschema.Schema{one, {Type: "array", Items: one, MinItems: ptr(uint64(1)), MaxItems: ptr(uint64(2))}}}
}

// MarshalYAML writes one contract as a single value, as it is usually given.
func (d DuplicateContract) MarshalYAML() (any, error) {
	if len(d) == 1 {
		return d[0], nil
	}
	return []string(d), nil
}
