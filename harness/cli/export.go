package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
)

var exportCommand = command{
	name: "export", usage: "RUN_DIR",
	summary: "Write a run's attempts in vegeta's encoding, for vegeta report and vegeta plot. " +
		"vegeta counts declines (402) as errors; authquake report does not.",
	flags: func(fs *pflag.FlagSet) func(context.Context, IO, []string) error {
		format := fs.String("format", "gob", "vegeta encoding: gob, json or csv")
		out := fs.StringP("output", "o", "-", "file to write, - for standard output")
		return func(_ context.Context, io IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake export results/RUN > run.bin", "export: want one run directory")
			}
			meta, err := rundir.ReadMeta(args[0])
			if err != nil {
				return exitcode.Invalidf("give a directory that authquake run wrote", "export: %s: %v", args[0], err)
			}
			w := io.Out
			if *out != "-" {
				f, err := os.Create(*out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			var enc vegeta.Encoder
			switch *format {
			case "gob":
				enc = vegeta.NewEncoder(w)
			case "json":
				enc = vegeta.NewJSONEncoder(w)
			case "csv":
				enc = vegeta.NewCSVEncoder(w)
			default:
				return exitcode.Invalidf("gob, json or csv", "export: unknown --format %q", *format)
			}
			url := meta.Endpoints.Service + scenario.DefaultPath
			err = record.Vegeta(filepath.Join(args[0], rundir.AttemptsFile), time.Unix(0, meta.BaseUnixNano), url, meta.Scenario, enc)
			if errors.Is(err, record.ErrTruncated) {
				fmt.Fprintln(io.Err, "authquake: warning:", err)
				return nil
			}
			return err
		}
	},
}
