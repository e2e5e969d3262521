package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/rundir"
)

// TestUploadedShardsMergeAsOneRun runs two shards, each writing to a
// directory of its own (two nodes without a shared filesystem), with the
// endpoint served and collecting as authquake swarm's does: a checkpoint of
// each arrives while the run lasts, the whole directories at its end, and
// they merge into the run one process would have made.
func TestUploadedShardsMergeAsOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two shards for 5 s")
	}
	target := switchServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`name: test/upload
seed: 5
target: {kind: url, url: "%s"}
traffic: {phases: [{duration: 5s, shape: constant, rate: 40/s}]}
slo: {p99: 1us}
`, target.URL)), 0o644)
	token := coord.NewToken()
	t.Setenv(coord.TokenEnv, token) // as the Swarm secret gives it to every task
	srv, err := coord.Serve("127.0.0.1:0", coord.Config{Token: token, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	collected := filepath.Join(dir, "shards")
	os.Mkdir(collected, 0o755)
	if err := srv.Collect(collected, "test_upload", coord.DefaultBudget(2)); err != nil {
		t.Fatal(err)
	}

	start := time.Now().Add(1500 * time.Millisecond).UTC()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for k := range 2 {
		wg.Go(func() {
			var err error
			outs[k], err = cmd("run", path, "--out", filepath.Join(dir, fmt.Sprintf("node%d", k)), "--shard", fmt.Sprintf("%d/2", k),
				"--start-at", start.Format(time.RFC3339Nano), "--coordinator", "http://"+srv.Addr(), "--upload")
			// Each shard's part breaches the SLO, which is the merged run's
			// to judge: the shard did its part, and exits 0.
			if err != nil || !strings.Contains(outs[k], "the merged run is the one judged") {
				t.Errorf("shard %d: %v, want exit 0 and a word on its SLO", k, err)
			}
		})
	}
	// Mid-run: checkpoints (due at start + 2 s, then + 4 s) arrive while the
	// load runs, without run.json. The load ends at start + 5 s and never
	// before (the pacer waits out the schedule), so whatever is there until
	// then came from a checkpoint, not from the upload at the end.
	var mid []string
	for time.Now().Before(start.Add(5 * time.Second)) {
		if mid, _ = filepath.Glob(filepath.Join(collected, "*-shard*", rundir.ShardFile)); len(mid) == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(mid) != 2 {
		t.Errorf("%d checkpoints mid-run, want 2", len(mid))
	}
	for _, f := range mid {
		if _, err := os.Stat(filepath.Join(filepath.Dir(f), rundir.MetaFile)); err == nil {
			t.Errorf("%s has run.json mid-run", filepath.Dir(f))
		}
	}
	wg.Wait()
	shards, _ := filepath.Glob(filepath.Join(collected, "*-shard*"))
	if len(shards) != 2 {
		t.Fatalf("%d shard directories uploaded, want 2:\n%s", len(shards), strings.Join(outs, "\n---\n"))
	}
	for _, d := range shards {
		if _, err := os.Stat(filepath.Join(d, "summary.json")); err != nil {
			t.Errorf("%s: the reports were not uploaded with the run: %v", d, err)
		}
	}
	merged := filepath.Join(dir, "merged")
	out, err := cmd(append(append([]string{"merge"}, shards...), "--out", merged)...)
	if s := readSummary(t, merged); s.Requests.Planned != 200 || s.Requests.Payments != 200 || len(s.Shards) != 2 {
		t.Errorf("planned %d, payments %d, %d shards; want 200, 200, 2 (%v)\n%s", s.Requests.Planned, s.Requests.Payments, len(s.Shards), err, out)
	}
	if exitcode.Of(err) != exitcode.SLOBreached {
		t.Errorf("merge: exit %d, want the merged run's SLO breach (1)\n%s", exitcode.Of(err), out)
	}
}
