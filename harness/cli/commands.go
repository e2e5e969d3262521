package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

var versionCommand = command{
	name: "version", usage: "",
	summary: "Print authquake's version and the versions of its load and container libraries.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		return func(_ context.Context, io IO, _ []string) error {
			fmt.Fprintf(io.Out, "authquake %s (%s)\n", Version, runtime.Version())
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, d := range bi.Deps {
					switch d.Path {
					case "github.com/tsenart/vegeta/v12", "github.com/testcontainers/testcontainers-go", "github.com/Shopify/toxiproxy/v2":
						fmt.Fprintf(io.Out, "  %s %s\n", d.Path, d.Version)
					}
				}
			}
			return nil
		}
	},
}
