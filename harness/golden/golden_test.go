package golden

import (
	"strings"
	"testing"
)

// TestDiff: equal files give no diff; a changed line shows as - and + with
// its context and the file it came from; a difference in the final newline
// alone is still reported.
func TestDiff(t *testing.T) {
	if d := Diff("x.golden", []byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Errorf("equal: %q", d)
	}
	d := Diff("x.golden", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	for _, want := range []string{"--- x.golden", "+++ got", "@@ -1,3 +1,3 @@", " a\n", "-b\n", "+B\n", " c\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if d := Diff("x.golden", []byte("a\n"), []byte("a")); d == "" {
		t.Error("a missing final newline gave no diff")
	}
}
