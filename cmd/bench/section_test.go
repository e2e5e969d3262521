package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSection: a benchmark rewrites its own section only; what other
// benchmarks and people wrote around it stays, and a second write replaces
// the first instead of adding to it.
func TestWriteSection(t *testing.T) {
	f := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	by := "# Benchmarks\n\nby hand, above\n\n<!-- shards -->\nshards v1\n<!-- /shards -->\n\nby hand, between\n\n# Earlier measurements\n\nold\n"
	os.WriteFile(f, []byte(by), 0o644)
	for _, v := range []string{"v1", "v2"} {
		if err := writeSection(f, "generators", "<!-- generators -->\ngenerators "+v+"\n<!-- /generators -->\n"); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(f)
	got := string(data)
	for _, want := range []string{"by hand, above", "shards v1", "by hand, between", "generators v2", "# Earlier measurements\n\nold"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "generators v1") || strings.Count(got, "<!-- generators -->") != 1 {
		t.Errorf("the section was added again, not replaced:\n%s", got)
	}
	if strings.Index(got, "generators v2") > strings.Index(got, "# Earlier measurements") {
		t.Errorf("a new section goes before the earlier measurements:\n%s", got)
	}
}
