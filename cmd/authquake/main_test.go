package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "authquake-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "authquake")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build authquake: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// up starts `authquake up` and returns the process and its run id once the
// topology is ready.
func up(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(binary, "up", "--for", "5m")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		var ready struct {
			RunID string `json:"run_id"`
		}
		if !ok || json.Unmarshal([]byte(line), &ready) != nil || ready.RunID == "" {
			t.Fatalf("authquake up did not report ready: %q", line)
		}
		return cmd, ready.RunID
	case <-time.After(3 * time.Minute):
		t.Fatal("authquake up not ready after 3 minutes")
	}
	return nil, ""
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestInterruptRemovesEverything: SIGINT to a process that holds a topology
// removes all its containers and its network before it exits.
func TestInterruptRemovesEverything(t *testing.T) {
	cli := dockertest.Client(t)
	dockertest.Images(t)
	cmd, run := up(t)
	if cs, ns := dockertest.RunResources(t, cli, run); len(cs) != 3 || len(ns) != 1 {
		t.Fatalf("while up: containers %v networks %v, want 3 and 1", cs, ns)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(cmd.Wait()); code != 0 {
		t.Errorf("authquake up exited %d after SIGINT, want 0", code)
	}
	if cs, ns := dockertest.RunResources(t, cli, run); len(cs)+len(ns) != 0 {
		t.Errorf("after SIGINT: containers %v networks %v left", cs, ns)
	}
}

// TestCleanupAfterKill: a SIGKILLed run leaves its resources; `authquake
// cleanup` removes them and leaves a container that is not authquake's alone.
func TestCleanupAfterKill(t *testing.T) {
	cli := dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx := context.Background()
	foreign, err := testcontainers.Run(ctx, refs.Toxiproxy)
	if foreign != nil {
		defer foreign.Terminate(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd, run := up(t)
	cmd.Process.Kill()
	cmd.Wait()
	if cs, _ := dockertest.RunResources(t, cli, run); len(cs) != 3 {
		t.Fatalf("after SIGKILL: containers %v, want the 3 left behind", cs)
	}
	out, err := exec.Command(binary, "cleanup").CombinedOutput()
	if err != nil {
		t.Fatalf("authquake cleanup: %v\n%s", err, out)
	}
	if cs, ns := dockertest.RunResources(t, cli, run); len(cs)+len(ns) != 0 {
		t.Errorf("after cleanup: containers %v networks %v left\n%s", cs, ns, out)
	}
	if st, err := foreign.State(ctx); err != nil || !st.Running {
		t.Errorf("cleanup touched a container that is not authquake's: %v %+v", err, st)
	}
}

// TestDockerUnreachable: with no Docker Engine, one line names the cause and
// the fix, exit 5.
func TestDockerUnreachable(t *testing.T) {
	cmd := exec.Command(binary, "cleanup")
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 5 {
		t.Fatalf("exit %d, want 5\n%s", code, out)
	}
	if !strings.Contains(string(out), "docker engine not reachable") || !strings.Contains(string(out), "hint: start the Docker Engine") {
		t.Errorf("message does not name cause and fix: %s", out)
	}
}

// TestInterruptMidFault: SIGINT while a network fault and a container fault
// are in force: exit 4, both faults reverted, the results on disk
// decodable, no container left.
func TestInterruptMidFault(t *testing.T) {
	cli := dockertest.Client(t)
	dockertest.Images(t)
	out := t.TempDir()
	cmd := exec.Command(binary, "run", "--out", out, "../../harness/run/testdata/long.yaml")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	injected := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		n := 0
		for sc.Scan() {
			t.Log(sc.Text())
			if strings.Contains(sc.Text(), " injected") {
				if n++; n == 2 {
					close(injected)
				}
			}
		}
	}()
	select {
	case <-injected:
	case <-time.After(3 * time.Minute):
		t.Fatal("faults not injected within 3 minutes")
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(cmd.Wait()); code != 4 {
		t.Errorf("exit %d after SIGINT, want 4", code)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	meta, err := rundir.ReadMeta(dirs[0])
	if err != nil || meta.Status != rundir.StatusInterrupted {
		t.Fatalf("run.json: %+v %v", meta, err)
	}
	var events []rundir.Event
	b, _ := os.ReadFile(filepath.Join(dirs[0], rundir.TimelineFile))
	if err := json.Unmarshal(b, &events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.State != "reverted" || e.RevertError != "" || e.RevertedS == nil || *e.RevertedS > 40 {
			t.Errorf("fault %s not reverted at the interrupt: %+v", e.Name, e)
		}
	}
	n := 0
	if err := record.Read(filepath.Join(dirs[0], rundir.AttemptsFile), func(*record.Attempt) error { n++; return nil }); err != nil || n == 0 {
		t.Errorf("attempts file: %d attempts, %v", n, err)
	}
	if cs, ns := dockertest.RunResources(t, cli, meta.RunID); len(cs)+len(ns) != 0 {
		t.Errorf("left containers %v networks %v", cs, ns)
	}
}
