package cli

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/runtest"
)

// switchServer approves every payment, and sheds them (503) while its
// fault switch is on: a service fault every shard sees.
func switchServer(t *testing.T) *httptest.Server {
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fault/on":
			down.Store(true)
		case "/fault/off":
			down.Store(false)
		default:
			if down.Load() {
				w.WriteHeader(503)
				return
			}
			w.WriteHeader(201)
			w.Write([]byte(`{"status":"approved","code":"00"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// freePort returns a loopback port nobody listens on (for shard 0's endpoint).
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runShards runs n shards of the scenario at path in this process, as n
// hosts would, and returns their run directories.
func runShards(t *testing.T, path, out string, n int) []string {
	return runShardsIn(t, path, out, n, 1500*time.Millisecond)
}

// runShardsIn is runShards with the start instant lead from now.
func runShardsIn(t *testing.T, path, out string, n int, lead time.Duration) []string {
	t.Setenv(coord.TokenEnv, coord.NewToken()) // every shard's, as exported by hand
	listen := freePort(t)
	start := time.Now().Add(lead).UTC().Format(time.RFC3339Nano)
	var wg sync.WaitGroup
	outs := make([]string, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"run", path, "--out", out, "--shard", fmt.Sprintf("%d/%d", k, n), "--start-at", start}
			if k == 0 {
				args = append(args, "--listen", listen)
			} else {
				args = append(args, "--coordinator", "http://"+listen)
			}
			var err error
			if outs[k], err = cmd(args...); err != nil {
				outs[k] += fmt.Sprintf("\nshard %d/%d: %v", k, n, err)
			}
		}()
	}
	wg.Wait()
	dirs, _ := filepath.Glob(filepath.Join(out, "*-shard*"))
	if len(dirs) != n {
		t.Fatalf("%d shard directories, want %d:\n%s", len(dirs), n, strings.Join(outs, "\n---\n"))
	}
	return dirs
}

func readSummary(t *testing.T, dir string) analysis.Summary { return runtest.Summary(t, dir) }

// TestShardsMergeIntoOneRun runs three shards of a scenario with a service
// fault and merges them: every hit of the schedule is sent exactly once,
// the owner's fault shows in the merged report, and a killed or missing
// shard is named with the hits it never sent.
func TestShardsMergeIntoOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three shards for 8 s")
	}
	srv := switchServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/shards
seed: 7
target: {kind: url, url: "%[1]s"}
traffic: {phases: [{duration: 8s, shape: constant, rate: 75/s}]}
requests: {client: {retries: {max_attempts: 1}}}
faults:
  - {name: down, at: 1s, duration: 1s, kind: http, params: {inject: {url: "%[1]s/fault/on"}, revert: {url: "%[1]s/fault/off"}}}
`, srv.URL)), 0o644)
	shards := runShards(t, path, filepath.Join(dir, "shards"), 3)

	merged := filepath.Join(dir, "merged")
	out, err := cmd(append(append([]string{"merge"}, shards...), "--out", merged)...)
	s := readSummary(t, merged)
	if s.Requests.Planned != 600 || s.Requests.Payments != 600 {
		t.Fatalf("planned %d, payments %d, want 600 each (%v)\n%s", s.Requests.Planned, s.Requests.Payments, err, out)
	}
	seen := map[uint64]int{}
	record.Read(filepath.Join(merged, rundir.AttemptsFile), func(a *record.Attempt) error {
		seen[a.Seq]++
		return nil
	})
	for seq := range uint64(600) {
		if seen[seq] != 1 {
			t.Fatalf("hit %d sent %d times in the merged run, want once", seq, seen[seq])
		}
	}
	if len(s.Faults) != 1 || s.Faults[0].During.FailureRatio < 0.5 || !s.Faults[0].Recovered {
		t.Errorf("the owner's fault is not in the merged report: %+v", s.Faults)
	}
	if len(s.Shards) != 3 || s.Shards[1].ClockSkewMS == nil || s.Shards[2].Unsent != 0 {
		t.Errorf("shards %+v", s.Shards)
	}
	// merge is a pure function of the shard directories.
	again := filepath.Join(dir, "again")
	cmd(append(append([]string{"merge"}, shards...), "--out", again)...)
	a, _ := os.ReadFile(filepath.Join(merged, "summary.json"))
	b, _ := os.ReadFile(filepath.Join(again, "summary.json"))
	if string(a) != string(b) {
		t.Error("merging twice gave two different summaries")
	}

	tests := []struct {
		name  string
		dirs  []string
		prep  func()
		says  string
		shard int
	}{
		// Shard 2 never wrote run.json: killed mid-run.
		{"killed", shards, func() { os.Remove(filepath.Join(shards[2], "run.json")) }, "shard 2/3", 2},
		// Shard 1's directory was not given at all.
		{"missing", []string{shards[0], shards[2]}, func() {}, "shard 1/3", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prep()
			out := filepath.Join(dir, tt.name)
			text, err := cmd(append(append([]string{"merge"}, tt.dirs...), "--out", out)...)
			s := readSummary(t, out)
			if s.Verdict != analysis.VerdictInvalid || !strings.Contains(strings.Join(s.Validity.Reasons, "\n"), tt.says) {
				t.Errorf("verdict %s (%v), reasons %q, want %s named\n%s", s.Verdict, err, s.Validity.Reasons, tt.says, text)
			}
			if sh := s.Shards[tt.shard]; sh.Status == "completed" || sh.Unsent != 200 && tt.name == "missing" {
				t.Errorf("shard %d: %+v", tt.shard, sh)
			}
		})
	}
}
