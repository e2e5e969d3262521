// Package docs_test keeps README's layout section and the tree in step.
package docs_test

import (
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// TestLayout checks README's "Layout" section against the tracked tree:
// every folder it lists exists, every folder holding Go code is listed (a
// folder under harness/ by itself, one under cmd/, targets/ or examples/ by
// itself or a listed parent), and every top-level folder is.
func TestLayout(t *testing.T) {
	listed := layoutSection(t)
	for dir := range listed {
		if st, err := os.Stat("../" + dir); err != nil || !st.IsDir() {
			t.Errorf("README's layout lists %s/, which is not a folder: remove its line", dir)
		}
	}
	out, err := exec.Command("git", "-C", "..", "ls-files").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	want := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		if top, _, ok := strings.Cut(f, "/"); ok && top != "harness" && top != "cmd" && top != "targets" && top != "examples" {
			want[top] = true // a top-level folder, listed by itself
		}
		if strings.HasSuffix(f, ".go") && strings.Contains(f, "/") {
			want[path.Dir(f)] = true
		}
	}
	for dir := range want {
		if !covered(dir, listed) {
			t.Errorf("README's layout does not list %s/: add a line for it under ## Layout", dir)
		}
	}
}

// covered says whether dir is listed, or, outside harness/, has a listed parent.
func covered(dir string, listed map[string]bool) bool {
	if listed[dir] {
		return true
	}
	if strings.HasPrefix(dir, "harness/") {
		return false
	}
	for d := path.Dir(dir); d != "." && d != "/"; d = path.Dir(d) {
		if listed[d] {
			return true
		}
	}
	return false
}

// layoutSection reads the folders (first word of each line, ending in /)
// of the code block under README's "## Layout".
func layoutSection(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	_, block, ok := strings.Cut(rest, "```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README's ## Layout has no code block")
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasSuffix(f[0], "/") {
			listed[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	if len(listed) < 10 {
		t.Fatalf("README's ## Layout lists %d folders: the block is not where it should be", len(listed))
	}
	return listed
}
