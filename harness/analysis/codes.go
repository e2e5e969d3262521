package analysis

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// CodeCount is the answers of one code whose reasons read the same once
// their numbers and ids are folded: "account acct:000042 has insufficient
// funds" and "account acct:000917 has ..." are one row, not hundreds.
type CodeCount struct {
	Code string `json:"code"`
	// Reason is the reason folded: a word with a digit in it is <n> when it
	// is a number (an amount, a count) and <id> otherwise.
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	// Example is one reason as the service wrote it.
	Example string `json:"example"`
}

// maxCodeGroups bounds the distinct groups kept: a service that writes a
// fresh word into every reason cannot grow the summary; the rest are
// counted under the reason "(other)".
const maxCodeGroups = 1000

// codeCounter groups answers by code and folded reason.
type codeCounter struct {
	groups map[[2]string]*CodeCount
}

func (c *codeCounter) add(code, reason string) string {
	if c.groups == nil {
		c.groups = map[[2]string]*CodeCount{}
	}
	key := [2]string{code, fold(reason)}
	g := c.groups[key]
	if g == nil {
		if len(c.groups) >= maxCodeGroups {
			key[1] = "(other)"
			g = c.groups[key]
		}
		if g == nil {
			g = &CodeCount{Code: key[0], Reason: key[1], Example: reason}
			c.groups[key] = g
		}
	}
	g.Count++
	return strings.TrimSpace(key[0] + " " + key[1])
}

// sorted lists the groups, the most frequent first.
func (c *codeCounter) sorted() []CodeCount {
	out := make([]CodeCount, 0, len(c.groups))
	for _, g := range c.groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b CodeCount) int {
		return cmp.Or(b.Count-a.Count, strings.Compare(a.Code, b.Code), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// fold folds a reason's numbers and ids, so that reasons that differ only
// by an account, an amount or a request id read the same.
func fold(reason string) string {
	words := strings.Fields(reason)
	for i, w := range words {
		if !strings.ContainsFunc(w, unicode.IsDigit) {
			continue
		}
		core := strings.Trim(w, ".,;:!?()[]{}\"'")
		if strings.TrimLeft(core, "0123456789.,+-%$€£") == "" {
			words[i] = strings.Replace(w, core, "<n>", 1)
		} else {
			words[i] = strings.Replace(w, core, "<id>", 1)
		}
	}
	return strings.Join(words, " ")
}
