// Command gen writes the JSON Schema of scenario files (go generate).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen OUT.json")
		os.Exit(2)
	}
	out, err := filepath.Abs(os.Args[1])
	if err == nil {
		var src string
		if src, err = images.FindSource(); err == nil {
			err = os.Chdir(src)
		}
	}
	if err == nil {
		var b []byte
		if b, err = scenario.Schema(true); err == nil {
			err = os.WriteFile(out, append(b, '\n'), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
