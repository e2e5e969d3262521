package scenario

import "github.com/goccy/go-yaml/token"

// AliasBomb is for the external tests (fuzz_test.go).
var AliasBomb = aliasBomb

// CheckTokens measures tokens as ParseWith does before parsing them: the
// deepest nesting it found, and whether every budget held.
func CheckTokens(tokens token.Tokens) (depth int, ok bool) {
	b := tokenBudget{file: "f.yaml"}
	ok = b.check(tokens) == nil
	return b.maxDepth, ok
}
