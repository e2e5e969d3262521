package coord

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authquake/authquake/harness/tarball"
)

// UploadTimeout is how long a shard may take to upload its run directory
// once its run is over (authquake run --upload), and so how much longer
// than that its launcher waits for it after a stop.
const UploadTimeout = 5 * time.Minute

// MaxUploads is how many uploads one shard may make: its checkpoints
// (start + 2 s, 4 s, 8 s...: 40 of them cover 34 years) and its final one.
const MaxUploads = 64

// Budget bounds what the shards of a run may upload, all together and
// counted as unpacked: bytes of files, and entries (files and directories).
// A shard's copy on disk counts until the upload that replaces it is
// complete, so a final upload needs room beside its last checkpoint.
type Budget struct {
	Bytes int64
	Files int
}

// DefaultBudget is authquake swarm's for a run of n shards: 16 GiB in
// all, 100 entries per shard (a run directory has about 20 files).
func DefaultBudget(n int) Budget { return Budget{Bytes: 16 << 30, Files: 100 * n} }

// collector keeps the shards' run directories: dir/NAME-shardK, one per
// shard, within the run's budget.
type collector struct {
	dir, name string
	budget    Budget

	mu     sync.Mutex
	used   usage // on disk and being unpacked, every shard
	shards map[int]*uploads
}

type usage struct {
	bytes int64
	files int
}

// uploads is what one shard has sent.
type uploads struct {
	turn   chan struct{} // one upload of a shard at a time
	stored usage         // its copy on disk
	count  int
	final  bool
	path   string
}

// Collect makes the server accept shards' run directories into dir:
// PUT /results/K, whose body is a tar.gz of shard K's run directory
// (tarball.Write), unpacks into dir/NAME-shardK, where NAME is name (a
// plain file name, e.g. the scenario's). Only the run's shards upload
// (0 to N-1), each at most MaxUploads times and never after its final
// upload (PUT /results/K?final=1), and all within b. Each upload unpacks
// into a directory of its own and then replaces the shard's whole, so a
// later upload (the end of the run after a checkpoint) wins and an upload
// cut short leaves the one before it. Without Collect, PUT /results
// answers 404.
func (s *Server) Collect(dir, name string, b Budget) error {
	if !plainName(name) {
		return fmt.Errorf("coordinator: %q is not a plain file name", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collect = &collector{dir: dir, name: name, budget: b, shards: map[int]*uploads{}}
	return nil
}

// Collected lists the shard directories uploaded so far, by shard number.
func (s *Server) Collected() []string {
	s.mu.Lock()
	c := s.collect
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []int
	for k, u := range c.shards {
		if u.path != "" {
			ks = append(ks, k)
		}
	}
	sort.Ints(ks)
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = c.shards[k].path
	}
	return out
}

// Uploads says, by shard number, what each shard that uploaded has sent:
// true once its final upload (its whole run directory) has landed, false
// while only checkpoints have. A launcher that cannot see its shards' tasks
// (authquake k8s) waits on it.
func (s *Server) Uploads() map[int]bool {
	s.mu.Lock()
	c := s.collect
	s.mu.Unlock()
	out := map[int]bool{}
	if c == nil {
		return out
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, u := range c.shards {
		if u.path != "" {
			out[k] = u.final
		}
	}
	return out
}

// putResults serves PUT /results/{shard}.
func (s *Server) putResults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c := s.collect
	s.mu.Unlock()
	if c == nil {
		http.Error(w, "this coordinator collects no results: only authquake swarm's does (authquake run --upload belongs there)", http.StatusNotFound)
		return
	}
	k, err := strconv.Atoi(r.PathValue("shard"))
	if err == nil {
		err = s.checkShard(k)
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("results %q: want the number of one of this run's shards (authquake run --upload sends it): %v", r.PathValue("shard"), err), http.StatusNotFound)
		return
	}
	u := c.shard(k)
	select { // a cancelled checkpoint may still be cleaning up: the next waits its turn
	case u.turn <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	defer func() { <-u.turn }()
	if code, err := c.admit(k, u); err != nil {
		http.Error(w, err.Error(), code)
		return
	}
	code, err := c.unpack(w, r, k, u)
	if err != nil {
		http.Error(w, fmt.Sprintf("results of shard %d: %v", k, err), code)
	}
}

func (c *collector) shard(k int) *uploads {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.shards[k]
	if u == nil {
		u = &uploads{turn: make(chan struct{}, 1)}
		c.shards[k] = u
	}
	return u
}

// admit counts an upload of shard k, or says why it is refused.
func (c *collector) admit(k int, u *uploads) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case u.final:
		return http.StatusConflict, fmt.Errorf("shard %d has already uploaded its final results", k)
	case u.count >= MaxUploads:
		return http.StatusTooManyRequests, fmt.Errorf("shard %d has already uploaded %d times", k, u.count)
	}
	u.count++
	return 0, nil
}

// unpack reads the upload into a directory of its own, charged to the
// budget entry by entry, then puts it in the place of the shard's copy.
func (c *collector) unpack(w http.ResponseWriter, r *http.Request, k int, u *uploads) (int, error) {
	tmp, err := os.MkdirTemp(c.dir, ".upload-")
	if err != nil {
		return http.StatusInternalServerError, err
	}
	defer os.RemoveAll(tmp) // what an upload cut short or refused unpacked
	var took usage
	charge := func(size int64) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.used.bytes+size > c.budget.Bytes || c.used.files+1 > c.budget.Files {
			return fmt.Errorf("%w: the run's uploads may unpack to %d bytes and %d entries in all, and %d bytes in %d entries are taken",
				tarball.ErrTooLarge, c.budget.Bytes, c.budget.Files, c.used.bytes, c.used.files)
		}
		c.used.bytes, c.used.files = c.used.bytes+size, c.used.files+1
		took.bytes, took.files = took.bytes+size, took.files+1
		return nil
	}
	// tar adds at most a header and padding (1 KiB) per entry to what it
	// unpacks to, and gzip of incompressible bytes 0.03%.
	body := http.MaxBytesReader(w, r.Body, c.budget.Bytes+c.budget.Bytes/64+int64(c.budget.Files)<<10+1<<20)
	err = tarball.Extract(body, tmp, charge)
	var big *http.MaxBytesError
	switch {
	case err == nil:
	case errors.As(err, &big) || errors.Is(err, tarball.ErrTooLarge):
		c.release(took)
		return http.StatusRequestEntityTooLarge, err
	case errors.Is(err, tarball.ErrUnsafe) || errors.Is(err, tarball.ErrFormat):
		c.release(took)
		return http.StatusBadRequest, fmt.Errorf("%v: send a tar.gz of the run directory's regular files, paths relative to it (authquake run --upload does)", err)
	default:
		c.release(took)
		return http.StatusInternalServerError, err
	}
	dst := filepath.Join(c.dir, fmt.Sprintf("%s-shard%d", c.name, k))
	if err := os.RemoveAll(dst); err != nil {
		c.release(took)
		return http.StatusInternalServerError, err
	}
	c.mu.Lock()
	c.used.bytes, c.used.files = c.used.bytes-u.stored.bytes, c.used.files-u.stored.files
	u.stored, u.path = usage{}, ""
	c.mu.Unlock()
	if err := os.Rename(tmp, dst); err != nil {
		c.release(took)
		return http.StatusInternalServerError, err
	}
	os.Chmod(dst, 0o755) // MkdirTemp made it 0700
	c.mu.Lock()
	u.stored, u.path = took, dst
	u.final = r.URL.Query().Get("final") == "1"
	c.mu.Unlock()
	return 0, nil
}

// release gives back what an upload that did not land had taken.
func (c *collector) release(took usage) {
	c.mu.Lock()
	c.used.bytes, c.used.files = c.used.bytes-took.bytes, c.used.files-took.files
	c.mu.Unlock()
}

// plainName reports whether name is one directory's name: not empty, no
// separator, no "..", not hidden (the uploads in progress are).
func plainName(name string) bool {
	return name != "" && !strings.ContainsAny(name, `/\`+"\x00") && !strings.Contains(name, "..") &&
		!strings.HasPrefix(name, ".") && filepath.IsLocal(name)
}
