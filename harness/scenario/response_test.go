package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// TestResponseRuleProblems: each mistake in response rules is reported at
// its line and column, with a hint where one helps.
func TestResponseRuleProblems(t *testing.T) {
	const head = "name: r\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\ntarget:\n  response:\n"
	// Line 5 is the first line after head.
	cases := []struct {
		name, yaml string
		want       []string // file:line:column (of the key): message, each a substring of one problem
	}{
		// A misspelt outcome names the nearest.
		{"unknown outcome", "    rules:\n      - {status: 202, outcome: pendng}\n",
			[]string{`r.yaml:6:23: target.response.rules[0].outcome: unknown outcome "pendng" (hint: did you mean "pending"?)`}},
		// timeout is the lack of an answer, not something a rule can see.
		{"timeout is no answer", "    rules:\n      - {status: 504, outcome: timeout}\n",
			[]string{`r.yaml:6:23: target.response.rules[0].outcome: unknown outcome "timeout" (hint: timeout is the lack of an answer`}},
		// A path with an empty key.
		{"empty path", "    rules:\n      - {json: {path: \"\"}, outcome: declined}\n",
			[]string{`r.yaml:6:17: target.response.rules[0].json.path: "" is not a JSON path`}},
		{"empty key in path", "    code: error..code\n",
			[]string{`r.yaml:5:5: target.response.code: "error..code" is not a JSON path: a key is empty`}},
		// equals and in together.
		{"equals and in", "    rules:\n      - json: {path: status, equals: A, in: [B]}\n        outcome: declined\n",
			[]string{`r.yaml:6:9: target.response.rules[0].json: give equals or in, not both`}},
		// An empty in list matches nothing.
		{"empty in", "    rules:\n      - {json: {path: status, in: []}, outcome: declined}\n",
			[]string{`r.yaml:6:31: target.response.rules[0].json.in: lists no value`}},
		// Statuses outside 100-599, as one value and in a list.
		{"status range", "    rules:\n      - {status: 600, outcome: error}\n      - {status: [200, 99], outcome: approved}\n",
			[]string{`r.yaml:6:10: target.response.rules[0].status: 600 is not an HTTP status`,
				`r.yaml:7:24: target.response.rules[1].status[1]: 99 is not an HTTP status`}},
		// A rule with neither status nor json would match everything.
		{"no condition", "    rules:\n      - {outcome: approved}\n",
			[]string{`r.yaml:6:9: target.response.rules[0]: a rule needs status, json or both`}},
		// A missing outcome.
		{"no outcome", "    rules:\n      - {status: 202}\n",
			[]string{`r.yaml:6:9: target.response.rules[0].outcome: unknown outcome ""`}},
		// reject needs a rule that recognises the rejection.
		{"reject without rule", "    duplicate_key: reject\n",
			[]string{`r.yaml:5:5: target.response.duplicate_key: reject needs a rule that recognises the rejection`}},
		{"unknown contract", "    duplicate_key: ignore\n",
			[]string{`r.yaml:5:5: target.response.duplicate_key: must be replay or reject, each once, not "ignore"`}},
		// Both contracts at once, each once; and a follow-up's own block is checked the same way.
		{"contract twice", "    duplicate_key: [replay, replay]\n",
			[]string{`target.response.duplicate_key[1]: must be replay or reject, each once, not "replay"`}},
		{"both without rule", "    duplicate_key: [replay, reject]\n",
			[]string{`r.yaml:5:5: target.response.duplicate_key: reject needs a rule that recognises the rejection`}},
		{"follow-up rules", "  capture:\n    response: {rules: [{status: 409, outcome: finished}]}\n",
			[]string{`target.capture.response.rules[0].outcome: unknown outcome "finished"`}},
		{"request response", "  request:\n    response: {rules: [{status: 409, outcome: approved}]}\n",
			[]string{`target.request.response: only a follow-up call (capture, void, reverse) has a response block`}},
		// The older spelling may not disagree with the new one.
		{"code and code_field", "    code: error.code\n    code_field: code\n",
			[]string{`r.yaml:6:5: target.response.code_field: conflicts with code`}},
		// A status that is not a number is a type problem.
		{"status not a number", "    rules:\n      - {status: ok, outcome: approved}\n",
			[]string{`r.yaml:6:18: target.response.rules[0].status: must be a whole number, not "ok"`}},
	}
	// More distinct paths than one pass over an answer looks up.
	many := "    rules:\n"
	for i := range maxJSONPaths {
		many += fmt.Sprintf("      - {json: {path: p%d}, outcome: declined}\n", i)
	}
	cases = append(cases, struct {
		name, yaml string
		want       []string
	}{"too many paths", many, []string{`r.yaml:5:5: target.response.rules: 18 distinct JSON paths; at most 16`}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Parse("r.yaml", []byte(head+c.yaml))
			if err == nil {
				t.Fatal("no problem reported")
			}
			if strings.Count(err.Error(), "\n") >= len(c.want) {
				t.Errorf("more problems than the %d expected:\n%s", len(c.want), err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("no problem says\n  %s\ngot\n  %s", w, strings.ReplaceAll(err.Error(), "\n", "\n  "))
				}
			}
		})
	}
}

// TestResponseRulesDecode: a full set of rules decodes, one status or a list,
// values of any YAML type as text, and code_field as the older spelling.
func TestResponseRulesDecode(t *testing.T) {
	const doc = `name: r
traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}
target:
  response:
    rules:
      - {status: [200, 201], json: {path: status, equals: APPLIED}, outcome: approved}
      - {json: {path: data.status, in: [REJECTED, 3, true]}, outcome: declined}
      - {status: 202, outcome: pending}
      - {status: 409, outcome: duplicate}
    reason_field: message
    duplicate_key: reject
`
	s, _, err := Parse("r.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Target.Response
	if len(r.Rules) != 4 || len(r.Rules[0].Status) != 2 || *r.Rules[0].JSON.Equals != "APPLIED" {
		t.Errorf("rule 0 = %+v", r.Rules[0])
	}
	if in := r.Rules[1].JSON.In; strings.Join(in, ",") != "REJECTED,3,true" {
		t.Errorf("rule 1 in = %q", in)
	}
	if st := r.Rules[2].Status; len(st) != 1 || st[0] != 202 {
		t.Errorf("rule 2 status = %v", st)
	}
	if r.Code != "code" || r.Reason != "message" || !r.DuplicateKey.Has(DuplicateReject) || r.DuplicateKey.Has(DuplicateReplay) {
		t.Errorf("code %q reason %q duplicate_key %q", r.Code, r.Reason, r.DuplicateKey)
	}
}

// TestBothDuplicateContracts: a service that replays by key and rejects a
// reused reference says both; a duplicate rule is valid with replay alone;
// a follow-up call gets its own rules, contract and defaults.
func TestBothDuplicateContracts(t *testing.T) {
	const doc = `name: r
traffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}
requests: {flow: {capture: {share: 0.5, after: 1s}}}
target:
  response:
    duplicate_key: [replay, reject]
    rules: [{status: 409, json: {path: code, equals: reference_reused}, outcome: duplicate}]
  capture:
    path: /v1/authorizations/{{.AuthID}}/capture
    response:
      duplicate_key: reject
      rules:
        - {status: 200, outcome: approved}
        - {status: 409, json: {path: code, equals: already_captured}, outcome: duplicate}
`
	s, _, err := Parse("r.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Target.Response.DuplicateKey; !d.Has(DuplicateReplay) || !d.Has(DuplicateReject) {
		t.Errorf("duplicate_key %v", d)
	}
	c := s.Target.Capture.Response
	if c == nil || !c.DuplicateKey.Has(DuplicateReject) || c.Code != "code" || len(c.Approved) != 2 {
		t.Errorf("capture response %+v", c)
	}
	replay := "name: r\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\ntarget: {response: {rules: [{status: 409, outcome: duplicate}]}}\n"
	if _, _, err := Parse("r.yaml", []byte(replay)); err != nil {
		t.Errorf("a duplicate rule with replay: %v", err)
	}
}
