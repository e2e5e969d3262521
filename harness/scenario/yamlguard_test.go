package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated is the bytes f allocated: an upper bound on what it held at
// once, whatever the garbage collector did meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// aliasBomb is nine levels of nine aliases in a fault's parameters: a few
// hundred bytes standing for 9^9 strings, which the fault kinds re-encode.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("name: bomb\ntraffic: {phases: [{duration: 10s, shape: constant, rate: 10/s}]}\n")
	b.WriteString("faults:\n  - {name: f, kind: risk_strictness, at: 1s, duration: 1s}\n  - name: g\n    kind: risk_strictness\n    at: 1s\n    duration: 1s\n    params:\n")
	b.WriteString("      a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "      %c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = string(c)
	}
	return b.String()
}

// indented is n levels of block mappings, each indented two more.
func indented(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sa:\n", strings.Repeat("  ", i))
	}
	return b.String()
}

// manyKeys is mappings of perMap keys each, as many as fit in tokens.
func manyKeys(perMap, tokens int) string {
	var b strings.Builder
	for m := 0; (m+1)*(perMap*3+2) < tokens; m++ {
		fmt.Fprintf(&b, "m%d:\n", m)
		for k := range perMap {
			fmt.Fprintf(&b, "  k%d: v\n", k)
		}
	}
	return b.String()
}

// TestYAMLBudgets: what would make the YAML decoder hold gigabytes (an
// alias bomb, deep nesting, a huge file, too many tokens, too many keys in
// one mapping) is refused at its place, and every file within the budgets,
// however it is shaped, is decoded in under 50 MB. Before the budgets, the
// alias bomb took validate past 20 GB and 100 KB of "[" 1.4 GB.
func TestYAMLBudgets(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil { // 100 MB, sparse
		t.Fatal(err)
	}
	f.Close()
	bomb := aliasBomb()
	if len(bomb) > 600 {
		t.Fatalf("the alias bomb is %d bytes", len(bomb))
	}
	tests := []struct {
		name      string
		file      string // read from this file when set, else yaml
		yaml      string
		line, col int    // 0: the budgets let it through (later checks may refuse it)
		want      string // in the problem's message
	}{
		{"594-byte alias bomb", "", bomb, 15, 14, "aliases stand for more than 100000 nodes"},
		// The key's mapping is the first level.
		{"100 KB of [", "", "name: " + strings.Repeat("[", 100_000), 1, 6 + MaxYAMLDepth, "nested deeper than 64"},
		{"100 KB of nested lists", "", strings.Repeat("- ", 50_000) + "x\n", 1, 2*MaxYAMLDepth + 1, "nested deeper than 64"},
		{"indented mappings", "", indented(200), MaxYAMLDepth + 1, 2*MaxYAMLDepth + 1, "nested deeper than 64"},
		{"a 100 MB file", big, "", 1, 1, "larger than 128 KiB"},
		{"a file past the size limit", "", "name: " + strings.Repeat("x", MaxFileBytes), 1, 1, "larger than 128 KiB"},
		{"too many tokens", "", "name: [" + strings.Repeat("a,", MaxYAMLTokens) + "]", 1, 7 + MaxYAMLTokens - 2, "more than 30000 YAML tokens"},
		{"too many keys in one mapping", "", manyKeys(MaxYAMLKeys+1, 3*MaxYAMLKeys+10), MaxYAMLKeys + 2, 3, "more than 256 keys"},
		// At the budgets: let through, and still cheap to decode.
		{"deepest nesting", "", "name: " + strings.Repeat("[", MaxYAMLDepth-1) + strings.Repeat("]", MaxYAMLDepth-1), 0, 0, ""},
		{"deepest indentation", "", indented(MaxYAMLDepth), 0, 0, ""},
		{"most tokens in a flow list", "", "name: [" + strings.Repeat("a,", MaxYAMLTokens/2-4) + "]", 0, 0, ""},
		{"most keys in mappings", "", manyKeys(MaxYAMLKeys, MaxYAMLTokens-4), 0, 0, ""},
		{"most lines of a list", "", strings.Repeat("- a\n", MaxYAMLTokens/2-1), 0, 0, ""},
		{"most comments", "", strings.Repeat("#\n", MaxYAMLTokens-1), 0, 0, ""},
		{"largest plain scalar", "", "name: " + strings.Repeat("x", MaxFileBytes-7) + "\n", 0, 0, ""},
		{"largest block scalar", "", "description: |\n" + strings.Repeat("  "+strings.Repeat("x", 13)+"\n", (MaxFileBytes-15)/16), 0, 0, ""},
		{"largest folded scalar", "", "description: >\n" + strings.Repeat("  "+strings.Repeat("x", 253)+"\n", (MaxFileBytes-15)/256), 0, 0, ""},
		{"largest quoted scalar", "", `name: "` + strings.Repeat(`\"\n`, (MaxFileBytes-9)/4) + `"` + "\n", 0, 0, ""},
		{"aliases at the budget", "", "a: &a [" + strings.Repeat("x,", 999) + "x]\nb: [" + strings.Repeat("*a,", 98) + "*a]\n", 0, 0, ""},
		// Past the token budget in every shape: the lexer's cost is bounded
		// by the file's size, and the parser never sees them.
		{"a file of [", "", strings.Repeat("[", MaxFileBytes), 1, MaxYAMLDepth + 1, "nested deeper"},
		{"a file of a,", "", "a: [" + strings.Repeat("a,", MaxFileBytes/2-3) + "]", 1, 5 + MaxYAMLTokens - 3, "YAML tokens"},
		{"a file of keys", "", strings.Repeat("k:\n", MaxFileBytes/3), MaxYAMLKeys + 1, 1, "keys"},
		{"a file of anchors", "", strings.Repeat("&a ", MaxFileBytes/3), 1, 3*MaxYAMLTokens/2 + 1, "YAML tokens"}, // & and a
		// Brackets and indentation inside a request body are not nesting.
		{"deep JSON in a block scalar", "", "target:\n  request:\n    body: |\n" + strings.Repeat("      {\"a\":\n", 200) + "\nname: x\n", 0, 0, ""},
	}
	for _, tt := range tests {
		var err error
		bytes := allocated(func() {
			if tt.file != "" {
				_, _, err = Load(tt.file)
			} else {
				_, _, err = Parse("b.yaml", []byte(tt.yaml))
			}
		})
		if bytes > 50<<20 {
			t.Errorf("%s: decoding allocated %d MB", tt.name, bytes>>20)
		}
		var guard *Problem
		if probs, ok := err.(Problems); ok {
			for i, p := range probs {
				if strings.Contains(p.Msg, "larger than") || strings.Contains(p.Msg, "deeper than") ||
					strings.Contains(p.Msg, "YAML tokens") || strings.Contains(p.Msg, "keys in one") || strings.Contains(p.Msg, "aliases stand") {
					guard = &probs[i]
				}
			}
		}
		switch {
		case tt.line == 0 && guard != nil:
			t.Errorf("%s: refused by a budget: %s", tt.name, guard)
		case tt.line == 0:
		case guard == nil:
			t.Errorf("%s: not refused by a budget (%v)", tt.name, err)
		case !strings.Contains(guard.Msg, tt.want) || guard.Line != tt.line || guard.Column != tt.col:
			t.Errorf("%s: got %s, want %d:%d: ...%s", tt.name, guard, tt.line, tt.col, tt.want)
		}
	}
}
