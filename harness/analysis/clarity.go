package analysis

import (
	"strings"

	"github.com/authquake/authquake/harness/record"
)

// ErrorClarity says how many failed payments told the user why
// (FAILURE-MODES S9): a specific reason such as "maintenance" or
// "overloaded" with a Retry-After, versus a generic or empty one, versus no
// answer at all (a timeout or a broken connection: "network error, try
// again later").
type ErrorClarity struct {
	Failed   int `json:"failed"`
	Specific int `json:"specific"`
	Generic  int `json:"generic"`
	NoAnswer int `json:"no_answer"`
	// RetryAfter counts failures answered with a Retry-After header.
	RetryAfter int `json:"retry_after"`
	// SpecificShare is Specific over Failed.
	SpecificShare float64 `json:"specific_share"`
	// ByReason counts failures by "code reason" ("" for none), the reason
	// folded (CodeCount).
	ByReason map[string]int `json:"by_reason"`
	// Codes are the answered failures by code and folded reason, with an
	// example reason each, the most frequent first.
	Codes []CodeCount `json:"codes,omitempty"`
	codes codeCounter
}

func (c *ErrorClarity) add(a *record.Attempt, generic map[string]bool) {
	c.Failed++
	if a.RetryAfter != "" {
		c.RetryAfter++
	}
	var key string
	switch {
	case a.Outcome == record.Timeout || a.Outcome == record.ConnError:
		c.NoAnswer++
		c.ByReason[string(a.Outcome)]++
		return
	case generic[strings.ToLower(a.Reason)] && generic[strings.ToLower(a.Code)] || a.Reason == "" && a.Code == "":
		c.Generic++
	default:
		c.Specific++
	}
	key = c.codes.add(a.Code, a.Reason)
	c.ByReason[key]++
}

func (c *ErrorClarity) close() {
	c.Codes = c.codes.sorted()
	if c.Failed > 0 {
		c.SpecificShare = round(float64(c.Specific)/float64(c.Failed), 6)
	}
}
