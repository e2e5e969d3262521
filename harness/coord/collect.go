package coord

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/tarball"
)

// MaxUpload bounds one shard's upload, compressed and unpacked alike: a
// larger one is refused with 413.
const MaxUpload = 8 << 30

// UploadTimeout is how long a shard may take to upload its run directory
// once its run is over (authquake run --upload), and so how much longer
// than that its launcher waits for it after a stop.
const UploadTimeout = 5 * time.Minute

// Collect makes the server accept shards' run directories into dir:
// PUT /results/{name}, whose body is a tar.gz of one run directory
// (tarball.Write), unpacks into dir/name. Each upload unpacks into a
// directory of its own and then replaces dir/name whole, so a later upload
// (the end of the run after a checkpoint) wins and an upload cut short
// leaves the one before it. Without Collect, PUT /results answers 404.
func (s *Server) Collect(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collect = dir
	if s.maxUpload == 0 {
		s.maxUpload = MaxUpload
	}
}

// putResults serves PUT /results/{name}.
func (s *Server) putResults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	dir, limit := s.collect, s.maxUpload
	s.mu.Unlock()
	name := r.PathValue("name")
	switch {
	case dir == "":
		http.Error(w, "this coordinator collects no results: only authquake swarm's does (authquake run --upload belongs there)", http.StatusNotFound)
		return
	case !plainName(name):
		http.Error(w, fmt.Sprintf("results name %q: want a run directory's plain name (no path, no \"..\", not hidden), as authquake run --upload sends", name), http.StatusBadRequest)
		return
	case r.ContentLength > limit:
		http.Error(w, fmt.Sprintf("results %s: %d bytes, more than the %d an upload may have", name, r.ContentLength, limit), http.StatusRequestEntityTooLarge)
		return
	}
	tmp, err := os.MkdirTemp(dir, ".upload-")
	if err != nil {
		http.Error(w, "coordinator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer os.RemoveAll(tmp) // what an upload cut short or refused unpacked
	err = tarball.Extract(http.MaxBytesReader(w, r.Body, limit), tmp, limit)
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big) || errors.Is(err, tarball.ErrTooLarge):
		http.Error(w, fmt.Sprintf("results %s: more than the %d bytes an upload may have (compressed or unpacked)", name, limit), http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, tarball.ErrUnsafe) || errors.Is(err, tarball.ErrFormat):
		http.Error(w, fmt.Sprintf("results %s: %v: send a tar.gz of the run directory's regular files, paths relative to it (authquake run --upload does)", name, err), http.StatusBadRequest)
		return
	case err != nil:
		http.Error(w, fmt.Sprintf("results %s: %v", name, err), http.StatusInternalServerError)
		return
	}
	s.uploadMu.Lock() // one swap at a time: remove the old, rename the new
	defer s.uploadMu.Unlock()
	dst := filepath.Join(dir, name)
	if err := os.RemoveAll(dst); err != nil {
		http.Error(w, "coordinator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if err := os.Rename(tmp, dst); err != nil {
		http.Error(w, "coordinator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	os.Chmod(dst, 0o755) // MkdirTemp made it 0700
}

// plainName reports whether name is one directory's name: not empty, no
// separator, no "..", not hidden (the uploads in progress are).
func plainName(name string) bool {
	return name != "" && !strings.ContainsAny(name, `/\`+"\x00") && !strings.Contains(name, "..") &&
		!strings.HasPrefix(name, ".") && filepath.IsLocal(name)
}
