package secret

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ScrubDir rewrites every file under dir that holds a registered secret,
// with the secret redacted: the last guard after a run, for what a service
// answered or logged (a DSN in a container's log, a token echoed in an
// error). gzip files are read through and rewritten compressed. It returns
// the files it rewrote.
func ScrubDir(dir string) ([]string, error) {
	if !Known() {
		return nil, nil
	}
	var changed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		gz := strings.HasSuffix(path, ".gz")
		found, err := holds(path, gz)
		if err != nil || !found {
			return err
		}
		changed = append(changed, path)
		return rewrite(path, gz)
	})
	return changed, err
}

// open reads path, through gzip when gz.
func open(path string, gz bool) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if !gz {
		return f, func() { f.Close() }, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil { // not gzip after all: scan its bytes
		f.Seek(0, io.SeekStart)
		return f, func() { f.Close() }, nil
	}
	return zr, func() { zr.Close(); f.Close() }, nil
}

// holds reports whether the file holds a secret, line by line.
func holds(path string, gz bool) (bool, error) {
	r, done, err := open(path, gz)
	if err != nil {
		return false, err
	}
	defer done()
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && !bytes.Equal(Redact(line), line) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// rewrite writes the file again, redacted, through a temporary file
// renamed over it.
func rewrite(path string, gz bool) error {
	r, done, err := open(path, gz)
	if err != nil {
		return err
	}
	defer done()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scrub-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var w io.Writer = tmp
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(tmp)
		w = zw
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, rerr := br.ReadBytes('\n')
		if _, err := w.Write(Redact(line)); err != nil {
			tmp.Close()
			return err
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			tmp.Close()
			return rerr
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err == nil {
		os.Chmod(tmp.Name(), st.Mode())
	}
	return os.Rename(tmp.Name(), path)
}
