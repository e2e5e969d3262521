// Package tarball writes a directory as a tar.gz and unpacks one safely:
// the one format in which a run directory leaves the place it was written
// (authquake pack for a Kubernetes collector pod, authquake run --upload for
// the coordinator of authquake swarm).
//
//	Write:   DIR/**/regular files ──▶ tar.gz (paths relative to DIR, mode 0644)
//	Extract: tar.gz ──▶ DIR/**       regular files only; an absolute path,
//	                                 a "..", a link or a device is refused
//
// Both stream: neither holds a whole archive or file in memory.
package tarball

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write writes the regular files under dir, paths relative to dir, as a
// tar.gz to w. A file that grows while it is written (a run's attempts,
// still recording) is cut at the size it had when its turn came.
func Write(w io.Writer, dir string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		_, err = io.CopyN(tw, f, info.Size())
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

// Errors of Extract, to be told apart with errors.Is: the archive is not a
// tar.gz (ErrFormat), holds an entry that may not be unpacked (ErrUnsafe),
// or unpacks to more than the limit (ErrTooLarge).
var (
	ErrFormat   = errors.New("not a tar.gz")
	ErrUnsafe   = errors.New("unsafe archive entry")
	ErrTooLarge = errors.New("archive too large")
)

// Charge is asked before each entry of an archive is unpacked, with the
// entry's size (0 for a directory): an error (wrapping ErrTooLarge) stops
// the unpacking there. It bounds what an archive may write, counted in
// what it unpacks to, not in its compressed bytes.
type Charge func(size int64) error

// Limit is a Charge of at most bytes of files and files entries in all
// (0: no bound on that count).
func Limit(bytes int64, files int) Charge {
	var total int64
	var n int
	return func(size int64) error {
		n++
		if total += size; bytes > 0 && total > bytes {
			return fmt.Errorf("%w: more than %d bytes unpacked", ErrTooLarge, bytes)
		}
		if files > 0 && n > files {
			return fmt.Errorf("%w: more than %d entries", ErrTooLarge, files)
		}
		return nil
	}
}

// Extract unpacks the tar.gz r into dir (made if missing): regular files
// only, directory entries skipped (a file's parents are made for it), and
// any other entry (a link, a device), an absolute name or one with ".."
// refused before anything of it is written. charge (nil: no bound) is
// asked for every entry, directories included, before it is unpacked, and
// for every directory a file's path makes (so that deep paths cannot make
// more than charge allows either). A refusal can leave the files unpacked
// before it: unpack into a directory of its own.
func Extract(r io.Reader, dir string, charge Charge) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFormat, err)
		}
		if err := Safe(h.Name); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeDir && h.Typeflag != tar.TypeReg {
			return fmt.Errorf("%w: %q is not a regular file (type %q): only files are unpacked", ErrUnsafe, h.Name, h.Typeflag)
		}
		if charge != nil {
			if err := charge(h.Size); err != nil {
				return fmt.Errorf("%w (at %q)", err, h.Name)
			}
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if err := parents(dir, path, charge); err != nil {
			return fmt.Errorf("%w (at %q)", err, h.Name)
		}
		if err := extractFile(tr, path, h.Size); err != nil {
			return err
		}
	}
}

// Safe checks an entry name: relative, without "..", inside the directory
// it is unpacked into.
func Safe(name string) error {
	clean := strings.TrimSuffix(name, "/")
	if clean == "" || strings.HasPrefix(clean, "/") || strings.Contains(clean, `\`) || !filepath.IsLocal(filepath.FromSlash(clean)) ||
		strings.Contains("/"+clean+"/", "/../") {
		return fmt.Errorf("%w: %q is absolute, has \"..\" or leaves the directory", ErrUnsafe, name)
	}
	return nil
}

// parents makes the directories between dir and path's, each charged
// before it is made.
func parents(dir, path string, charge Charge) error {
	rel, err := filepath.Rel(dir, filepath.Dir(path))
	if err != nil || rel == "." {
		return err
	}
	cur := dir
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		if _, err := os.Lstat(cur); err == nil {
			continue // made for an earlier file (a file there fails below, in create)
		}
		if charge != nil {
			if err := charge(0); err != nil {
				return err
			}
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func extractFile(r io.Reader, path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: %s cut short: %w", ErrFormat, filepath.Base(path), err)
		}
		return err
	}
	return f.Close()
}
