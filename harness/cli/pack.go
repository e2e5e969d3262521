package cli

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/exitcode"
)

var packCommand = command{
	name: "pack", usage: "DIR",
	summary: "Write DIR as a tar.gz to standard output (the authquake image has no tar: kubectl exec POD -- /app pack /out > shards.tar.gz). " +
		"With --hold, write nothing and wait for a signal: the collector pod that keeps the results volume mounted.",
	flags: func(fset *pflag.FlagSet) func(context.Context, IO, []string) error {
		hold := fset.Bool("hold", false, "wait until interrupted instead of packing")
		return func(ctx context.Context, o IO, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalidf("authquake pack /out > shards.tar.gz", "pack: want one directory")
			}
			if *hold {
				<-ctx.Done()
				return nil
			}
			if err := pack(o.Out, args[0]); err != nil {
				return exitcode.New(exitcode.Environment, err, "")
			}
			return nil
		}
	},
}

// pack writes the regular files under dir, paths relative to dir.
func pack(w io.Writer, dir string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
