package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
)

// Unmapped is the answers that carried a code the scenario maps to nothing:
// no response rule matched them and their status is in neither the approved
// nor the declined list, so they fell to the status's default (a 400 is
// rejected, a 202 approved). A service's money decline answered 400 with its
// own code is the usual case: left unmapped, it reads as the client's fault.
type Unmapped struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Outcome string `json:"outcome"` // the default it fell to
	Count   int    `json:"count"`
	Example string `json:"example_reason,omitempty"`
	// Rule is the response rule to add, with the outcome the reason suggests.
	Rule string `json:"rule"`
}

// mapping knows, from the scenario's response rules, whether an answer was
// classified by the scenario or fell to its status's default. The attempts
// file keeps the status and the code, not the body: a rule that tests a path
// other than the code's may have matched, and then the answer counts as
// mapped (nothing is reported that may not be so).
type mapping struct {
	r       scenario.ResponseRules
	counted map[[2]string]*Unmapped
	order   [][2]string
}

func newMapping(r scenario.ResponseRules) *mapping {
	return &mapping{r: r, counted: map[[2]string]*Unmapped{}}
}

// defaulted says whether an answer with status and code fell to a default.
func (m *mapping) defaulted(status int, code string) bool {
	if slices.Contains(m.r.Approved, status) || slices.Contains(m.r.Declined, status) {
		return false
	}
	for _, x := range m.r.Rules {
		if len(x.Status) > 0 && !slices.Contains(x.Status, status) {
			continue
		}
		if x.JSON == nil || x.JSON.Path != m.r.Code {
			return false // matched, or may have
		}
		if x.JSON.Equals == nil && len(x.JSON.In) == 0 || x.JSON.Equals != nil && *x.JSON.Equals == code || slices.Contains(x.JSON.In, code) {
			return false
		}
	}
	return true
}

// add counts a final answer: those that carry a code, fell to a default
// (a 2xx approved, a 4xx rejected: a 5xx is a failure whatever its code),
// and no rule explains.
func (m *mapping) add(a *record.Attempt) {
	def := a.Status >= 200 && a.Status < 300 && a.Outcome == record.Approved || a.Status >= 400 && a.Status < 500 && a.Outcome == record.Rejected
	if a.Code == "" || !def || !m.defaulted(a.Status, a.Code) {
		return
	}
	key := [2]string{fmt.Sprint(a.Status), a.Code}
	u := m.counted[key]
	if u == nil {
		if len(m.counted) >= maxCodeGroups {
			return
		}
		u = &Unmapped{Status: a.Status, Code: a.Code, Outcome: string(a.Outcome), Example: a.Reason}
		u.Rule = fmt.Sprintf("{status: %d, json: {path: %s, equals: %s}, outcome: %s}", a.Status, m.r.Code, yamlScalar(a.Code), guess(a))
		m.counted[key] = u
		m.order = append(m.order, key)
	}
	u.Count++
}

// list is the unmapped codes, the most frequent first.
func (m *mapping) list() []Unmapped {
	out := make([]Unmapped, 0, len(m.order))
	for _, k := range m.order {
		out = append(out, *m.counted[k])
	}
	slices.SortStableFunc(out, func(a, b Unmapped) int { return cmp.Or(b.Count-a.Count, a.Status-b.Status) })
	return out
}

// guess is the outcome an unmapped answer most likely means, from its code
// and reason: a decline by its words, a later decision by its words, else
// what a 2xx or a 4xx usually is.
func guess(a *record.Attempt) string {
	text := strings.ToLower(a.Code + " " + a.Reason)
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(text, w) })
	}
	switch {
	case has("insufficient", "fund", "limit", "declin", "denied", "risk", "fraud", "frozen", "blocked", "balance", "credit"):
		return string(record.Declined)
	case has("pending", "queued", "processing", "accepted", "inflight", "in_flight"):
		return string(record.Pending)
	case has("duplicate", "already", "exists", "conflict"):
		return string(record.Duplicate)
	case a.Status < 300:
		return string(record.Approved)
	}
	return string(record.Rejected)
}

// yamlScalar quotes a code when YAML would not read it back as the same
// string (a number, true, a colon...).
func yamlScalar(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 && strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
	if plain && !slices.Contains([]string{"true", "false", "null", "yes", "no", "on", "off"}, strings.ToLower(s)) {
		return s
	}
	return fmt.Sprintf("%q", s)
}

// unmappedApprovals counts the unmapped answers that fell to approved (a
// 2xx with a code the scenario does not map): the unmapped 4xx are client
// errors already.
func unmappedApprovals(us []Unmapped) int {
	n := 0
	for _, u := range us {
		if u.Status < 300 {
			n += u.Count
		}
	}
	return n
}

// rejectedReason says that too many answers were client errors or unmapped,
// and names the codes with the rules that would map them.
func rejectedReason(v Validity, bad, answered int) string {
	detail := fmt.Sprintf("limit slo.max_rejected_ratio %g", v.MaxRejectedRatio)
	if len(v.ByStatus) > 0 {
		detail = byStatus(v.ByStatus) + "; " + detail
	}
	why := fmt.Sprintf("%d of %d answers were rejected, client errors or codes the scenario does not map (%s)", bad, answered, detail)
	if len(v.Unmapped) == 0 {
		return why + ": the requests, not the service, were wrong; check target.request against the service's API"
	}
	var codes []string
	for i, u := range v.Unmapped {
		if i == 3 {
			codes = append(codes, fmt.Sprintf("and %d more", len(v.Unmapped)-3))
			break
		}
		codes = append(codes, fmt.Sprintf("%d %s x%d (%q): add %s", u.Status, u.Code, u.Count, u.Example, u.Rule))
	}
	return why + "; unmapped: " + strings.Join(codes, "; ") + " to target.response.rules"
}
