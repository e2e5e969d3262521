package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/exitcode"
)

func TestShardFlagsRefuseWhatCannotAddUp(t *testing.T) {
	dir := t.TempDir()
	url := filepath.Join(dir, "url.yaml")
	os.WriteFile(url, []byte("name: t/url\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"), 0o644)
	sim := filepath.Join(dir, "sim.yaml")
	os.WriteFile(sim, []byte("name: t/sim\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"), 0o644)
	at := "2026-11-30T06:00:00Z"
	tests := []struct {
		name string
		args []string
		says string
	}{
		// K must be below N.
		{"bad shard", []string{"run", url, "--shard", "3/3", "--start-at", at}, "0 <= K < N"},
		// Shards without a common instant would be separate timelines.
		{"no start", []string{"run", url, "--shard", "1/3", "--coordinator", "http://127.0.0.1:1"}, "needs --start-at"},
		// Shards 1..N-1 must know where to learn of a stop.
		{"no coordinator", []string{"run", url, "--shard", "1/3", "--start-at", at}, "needs --coordinator"},
		// authsim starts a copy per shard: not one target.
		{"own target", []string{"run", sim, "--shard", "0/2", "--start-at", at}, "one target all shards share"},
		// --start-at without --shard means nothing.
		{"start without shard", []string{"run", url, "--start-at", at}, "belong to a sharded run"},
		// A bad instant.
		{"bad start", []string{"run", url, "--shard", "0/2", "--start-at", "6am"}, "--start-at"},
		// --upload sends to the coordinator: without one it has nowhere to go.
		{"upload without coordinator", []string{"run", url, "--shard", "0/2", "--start-at", at, "--upload"}, "--upload needs --coordinator"},
		{"upload unsharded", []string{"run", url, "--upload"}, "--upload needs --coordinator"},
		// The swarm needs a shared target too.
		{"swarm own target", []string{"swarm", sim, "--workers", "2"}, "shards need one target"},
		// k8s quantities are checked before anything is written.
		{"k8s bad cpu", []string{"k8s", url, "--cpu", "lots", "--out", filepath.Join(dir, "k.yaml")}, "--cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cmd(tt.args...)
			if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error()+out, tt.says) {
				t.Errorf("exit %d, %v, want exit 2 saying %q\n%s", exitcode.Of(err), err, tt.says, out)
			}
		})
	}
}

func TestPackWritesTheDirectory(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "s-shard1"), 0o755)
	os.WriteFile(filepath.Join(dir, "s-shard1", "run.json"), []byte("{}\n"), 0o644)
	var out, errOut bytes.Buffer
	if err := Run(context.Background(), []string{"pack", dir}, IO{Out: &out, Err: &errOut}); err != nil {
		t.Fatal(err, errOut.String())
	}
	gz, err := gzip.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != "s-shard1/run.json" {
		t.Fatalf("first entry %v, %v", h, err)
	}
	if b, _ := io.ReadAll(tr); string(b) != "{}\n" {
		t.Errorf("content %q", b)
	}
}

func TestSwarmSlotZeroIsShardZero(t *testing.T) {
	tests := []struct{ in, want string }{
		{"x2081tm30m9bodb7ghe1vryri/3", "0/3"}, // Swarm renders slot 0 of a job as the task id
		{"2/3", "2/3"},                         // other slots are numbers
		{"-1/3", "-1/3"},                       // left for ParseShard to refuse
		{"", ""},                               // unset
	}
	for _, tt := range tests {
		if got := slotZero(tt.in); got != tt.want {
			t.Errorf("slotZero(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
