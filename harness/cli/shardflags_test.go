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

	"github.com/spf13/pflag"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/exitcode"
)

func TestShardFlagsRefuseWhatCannotAddUp(t *testing.T) {
	t.Setenv(coord.TokenEnv, "")
	t.Setenv(coord.TokenFileEnv, "")
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
		// ... and the run's token: the endpoint answers no one without it.
		{"no token", []string{"run", url, "--shard", "1/3", "--start-at", at, "--coordinator", "http://127.0.0.1:1"}, "needs the run's token"},
		// shard 0 starts authsim and publishes it on the endpoint it serves:
		// following another's, it could not.
		{"own target, shard 0 following", []string{"run", sim, "--shard", "0/2", "--start-at", at, "--coordinator", "http://127.0.0.1:1"}, "it would serve none"},
		// --start-at without --shard means nothing.
		{"start without shard", []string{"run", url, "--start-at", at}, "belong to a sharded run"},
		// A bad instant.
		{"bad start", []string{"run", url, "--shard", "0/2", "--start-at", "6am"}, "--start-at"},
		// --upload sends to the coordinator: without one it has nowhere to go.
		{"upload without coordinator", []string{"run", url, "--shard", "0/2", "--start-at", at, "--upload"}, "--upload needs --coordinator"},
		{"upload unsharded", []string{"run", url, "--upload"}, "--upload needs --coordinator"},
		// k8s quantities are checked before anything is written.
		{"k8s bad cpu", []string{"k8s", url, "--cpu", "lots", "--out", filepath.Join(dir, "k.yaml")}, "--cpu"},
		// A target k8s starts and owns: its endpoint and the pods' links to
		// it stay on loopback unless the user says otherwise, and the pods
		// need time to be applied; both are refused before the target starts.
		{"k8s own, endpoint off loopback", []string{"k8s", sim, "--listen", "0.0.0.0:7190", "--out", filepath.Join(dir, "k.yaml")}, "not a loopback host:port"},
		{"k8s lead too short", []string{"k8s", sim, "--lead", "1s", "--out", filepath.Join(dir, "k.yaml")}, "--lead 1s"},
		{"k8s own, bad memory", []string{"k8s", sim, "--memory", "lots", "--out", filepath.Join(dir, "k.yaml")}, "--memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cmd(tt.args...)
			if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error()+out, tt.says) {
				t.Errorf("exit %d, %v, want exit 2 saying %q\n%s", exitcode.Of(err), err, tt.says, out)
			}
			if strings.Contains(out, "starting the target") { // refused first, not after containers started
				t.Errorf("a target was started before the refusal:\n%s", out)
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

// TestShardFlagsTakeTheTokenAndTheOwnersRole: the token comes from the
// environment (or a file it names), never a flag; shard 0 given --listen
// serves the endpoint even when --coordinator is given too, as authquake
// k8s gives every pod both (shard 0 had polled itself, and no one served).
func TestShardFlagsTakeTheTokenAndTheOwnersRole(t *testing.T) {
	token := coord.NewToken()
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte(token+"\n"), 0o400)
	at := "2026-11-30T06:00:00Z"
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		coordinator string
		token       string
		fails       string
	}{
		{"shard 0 with both flags serves", []string{"--shard", "0/3", "--start-at", at, "--listen", "0.0.0.0:7190", "--coordinator", "http://aq-0.aq:7190"},
			map[string]string{coord.TokenEnv: token}, "", token, ""},
		{"shard 1 with both flags polls", []string{"--shard", "1/3", "--start-at", at, "--listen", "0.0.0.0:7190", "--coordinator", "http://aq-0.aq:7190"},
			map[string]string{coord.TokenEnv: token}, "http://aq-0.aq:7190", token, ""},
		{"shard 0 of a swarm polls", []string{"--shard", "0/3", "--start-at", at, "--coordinator", "http://127.0.0.1:7190"},
			map[string]string{coord.TokenFileEnv: file}, "http://127.0.0.1:7190", token, ""},
		{"a weak token", []string{"--shard", "1/3", "--start-at", at, "--coordinator", "http://127.0.0.1:7190"},
			map[string]string{coord.TokenEnv: "secret"}, "", "", "at least 32 characters"},
		{"a token file that is not there", []string{"--shard", "1/3", "--start-at", at, "--coordinator", "http://127.0.0.1:7190"},
			map[string]string{coord.TokenFileEnv: file + ".missing"}, "", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(coord.TokenEnv, "")
			t.Setenv(coord.TokenFileEnv, "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
			parse := shardFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			o, err := parse()
			if tt.fails != "" {
				if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), tt.fails) {
					t.Errorf("%v, want exit 2 saying %q", err, tt.fails)
				}
				return
			}
			if err != nil || o.Coordinator != tt.coordinator || o.Token != tt.token {
				t.Errorf("coordinator %q token %q (%v), want %q and the token", o.Coordinator, o.Token, err, tt.coordinator)
			}
		})
	}
}
