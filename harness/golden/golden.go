// Package golden helps tests that compare output with golden files: a
// mismatch is shown as a unified diff, so that the failure says what changed
// rather than only that something did.
package golden

import (
	"bytes"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff is a unified diff (3 lines of context) from want, the golden file at
// path, to got; "" when they are equal.
func Diff(path string, want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines(want), B: lines(got),
		FromFile: path, ToFile: "got", Context: 3,
	})
	if err != nil {
		return err.Error()
	}
	return d
}

// lines splits b after each newline, marking a last line without one as
// diff does.
func lines(b []byte) []string {
	ls := strings.SplitAfter(string(b), "\n")
	if last := len(ls) - 1; ls[last] == "" {
		ls = ls[:last]
	} else {
		ls[last] += "\n\\ No newline at end of file\n"
	}
	return ls
}
