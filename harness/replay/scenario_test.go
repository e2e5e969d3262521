package replay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

// copyRun copies testdata/broken (a run of bugs/ack-before-commit that lost
// approvals: I1) into a temporary directory, so that a test may edit it.
func copyRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/broken")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit rewrites a JSON file of a run directory.
func edit[T any](t *testing.T, path string, change func(*T)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	change(&v)
	b, _ = json.Marshal(v)
	os.WriteFile(path, b, 0o644)
}

func TestReplayDoc(t *testing.T) {
	for _, tc := range []struct {
		name string
		// change edits the run directory before it is read.
		change func(t *testing.T, dir string)
		want   []string // substrings of the written replay scenario
		absent []string
	}{
		{ // the fault at the instant its inject began, for as long as it was in place
			name: "actual instants",
			want: []string{"seed: 103", "bugs:\n      - ack-before-commit", "at: 5.01s", "duration: 2.993s",
				"fault crash at 5.01s for 2.993s as it ran (planned at 5s for 3s)"},
		},
		{ // run at half length: the file's times are the recorded ones doubled, and the replay runs at 0.5 again
			name: "duration scale",
			change: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, rundir.MetaFile), func(m *map[string]any) { (*m)["duration_scale"] = 0.5 })
			},
			want: []string{"at: 10.019s", "duration: 5.985s", "runs at duration scale 0.5"},
		},
		{ // --bugs "" switched the scenario's bug off: so does the replay
			name: "bugs off",
			change: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, rundir.MetaFile), func(m *rundir.Meta) { m.Target.Bugs = nil })
			},
			want:   []string{"target.authsim.bugs [] as the run had them (--bugs), not [ack-before-commit]"},
			absent: []string{"- ack-before-commit"},
		},
		{ // a fault the run never injected is not in the replay
			name: "skipped fault",
			change: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, rundir.TimelineFile), func(evs *[]rundir.Event) {
					(*evs)[0].InjectS, (*evs)[0].ActiveS, (*evs)[0].RevertS, (*evs)[0].RevertedS = nil, nil, nil, nil
					(*evs)[0].State, (*evs)[0].SkipReason = "skipped", "the run was stopping"
				})
			},
			want:   []string{"fault crash left out: never injected (the run was stopping)"},
			absent: []string{"kind: kill"},
		},
		{ // a pinned key prefix would send the original's keys again
			name: "key prefix",
			change: func(t *testing.T, dir string) {
				f := filepath.Join(dir, rundir.ScenarioFile)
				b, _ := os.ReadFile(f)
				os.WriteFile(f, []byte(strings.Replace(string(b), "client: {timeout: 1s}", "client: {timeout: 1s}\n  key_prefix: shop", 1)), 0o644)
			},
			want:   []string{"requests.key_prefix shop removed"},
			absent: []string{"key_prefix:"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyRun(t)
			if tc.change != nil {
				tc.change(t, dir)
			}
			r, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			file, err := Write(r, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(file)
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("replay scenario lacks %q:\n%s", w, b)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(b), a) {
					t.Errorf("replay scenario has %q:\n%s", a, b)
				}
			}
		})
	}
}

// The saved run broke I1, and Open finds it again from the directory.
func TestOpenBroken(t *testing.T) {
	r, err := Open("testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Invariants(r.Broken), " "); got != "I1" {
		t.Errorf("broken %q, want I1", got)
	}
	if r.Payments != 350 || r.Scale() != 1 || r.Shards() != 1 {
		t.Errorf("payments %d scale %g shards %d, want 350 1 1", r.Payments, r.Scale(), r.Shards())
	}
}

// One shard of a split run is not a run to replay: its merged run is.
func TestOpenShard(t *testing.T) {
	dir := copyRun(t)
	edit(t, filepath.Join(dir, rundir.MetaFile), func(m *map[string]any) {
		(*m)["shard"] = map[string]any{"index": 1, "count": 3}
	})
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "shard 1/3 of a split run") {
		t.Errorf("error %v, want one naming the shard and merge", err)
	}
}
