package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/traffic"
)

// steps records what the fake engine and the fake owner were asked, in order.
type steps struct {
	mu  sync.Mutex
	log []string
}

func (s *steps) add(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

func (s *steps) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// fakeOwner is an Owner that records its calls.
type fakeOwner struct{ s *steps }

func (f fakeOwner) Faults(_ context.Context, at time.Time) { f.s.add("faults from %d", at.UnixNano()) }
func (f fakeOwner) Stop(reason string)                     { f.s.add("stop faults: %s", reason) }
func (f fakeOwner) Refs() []string                         { return nil }
func (f fakeOwner) Finish(_ context.Context, merged string) error {
	_, err := os.Stat(filepath.Join(merged, rundir.AttemptsFile))
	f.s.add("finish (merged attempts: %v)", err == nil)
	return nil
}

// fakeEngine is a swarm whose tasks upload honest shard directories
// (upload), fail at start (failStart), or hang until Ctrl-C (hang).
type fakeEngine struct {
	s               *steps
	t               *testing.T
	failStart, hang bool
	j               Job
	waits           int
}

func (f *fakeEngine) Start(_ context.Context, _ Options, j Job) (string, error) {
	if f.failStart {
		f.s.add("job refused")
		return "", errors.New("no swarm")
	}
	f.j = j
	f.s.add("job created, start %d", j.StartAt.UnixNano())
	return "fake", nil
}

func (f *fakeEngine) Wait(ctx context.Context, n int) (map[int]Task, error) {
	f.waits++
	if f.hang && f.waits == 1 {
		<-ctx.Done()
		f.s.add("interrupted")
		return nil, context.Cause(ctx)
	}
	tasks := map[int]Task{}
	for k := range n {
		if !f.hang {
			dir := shardDir(f.t, k, n, f.j.StartAt)
			if err := coord.NewClient(f.j.Coordinator, k, f.j.Token, egress.Guard{}).Upload(ctx, dir, true); err != nil {
				f.t.Errorf("upload shard %d: %v", k, err)
			}
		}
		tasks[k] = Task{ID: fmt.Sprint(k), State: "complete"}
	}
	f.s.add("tasks ended")
	return tasks, nil
}

func (f *fakeEngine) KeepLogs(context.Context, map[int]Task, string, io.Writer) {}
func (f *fakeEngine) Remove(io.Writer)                                          { f.s.add("job removed") }

// shardDir writes shard k of n of a 100-hit url run, as run --shard would.
func shardDir(t *testing.T, k, n int, startAt time.Time) string {
	dir := filepath.Join(t.TempDir(), fmt.Sprintf("t-shard%d", k))
	os.MkdirAll(dir, 0o755)
	sh := traffic.Shard{Index: k, Count: n}
	info := rundir.ShardInfo{Shard: sh, StartAtUnixNano: startAt.UnixNano(), KeyPrefix: "aq1", RunPlanned: 100,
		Planned: sh.Planned(100), Status: rundir.StatusCompleted}
	meta := rundir.Meta{Version: 1, Scenario: "t/own", Seed: 7, DurationScale: 1, Status: rundir.StatusCompleted, Shard: &info}
	w, err := record.Create(filepath.Join(dir, rundir.AttemptsFile))
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(0); seq < 100; seq++ {
		if sh.Owns(seq) {
			w.Record(&record.Attempt{Seq: seq, Attempt: 1, Outcome: record.Approved, Status: 201, Final: true})
			meta.Sent++
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{rundir.ShardFile: info, rundir.MetaFile: meta} {
		b, _ := json.Marshal(v)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, rundir.ScenarioFile), []byte("name: t/own\ntarget: {kind: url, url: \"http://127.0.0.1:1\"}\n"+
		"traffic: {phases: [{duration: 1s, shape: constant, rate: 100/s}]}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, rundir.SeedFile), []byte("7\n"), 0o644)
	return dir
}

func options(t *testing.T, s *steps) Options {
	return Options{ScenarioData: []byte("name: t/own\n"), Workers: 3, Dir: t.TempDir(), Lead: time.Second, Listen: "127.0.0.1:0",
		Name: "t", Owner: fakeOwner{s}, Log: io.Discard}
}

// TestOwnerOrder: the owner's faults run from the job's start instant, once
// the job exists; they are stopped when every task has ended; the ledger
// is read (Finish) once every shard uploaded and the merge is written; the
// job is removed last.
func TestOwnerOrder(t *testing.T) {
	s := &steps{}
	eng := &fakeEngine{s: s, t: t}
	res, err := RunOn(context.Background(), eng, options(t, s))
	if err != nil || res.Merged == "" || len(res.Shards) != 3 {
		t.Fatalf("run: %v, %+v\n%s", err, res, s)
	}
	at := eng.j.StartAt.UnixNano()
	want := fmt.Sprintf("job created, start %d\nfaults from %d\ntasks ended\nstop faults: the load ended\nfinish (merged attempts: true)\n"+
		"job removed\nstop faults: authquake swarm ended", at, at)
	if got := s.String(); got != want {
		t.Errorf("steps:\n%s\nwant:\n%s", got, want)
	}
}

// TestOwnerOrderOnErrorAndInterrupt: a job that cannot be created injects
// no fault; Ctrl-C stops the faults at once, before the shards are waited
// for again, and nothing is read from a run no shard uploaded. Every way
// out stops the faults and removes the job.
func TestOwnerOrderOnErrorAndInterrupt(t *testing.T) {
	s := &steps{}
	if _, err := RunOn(context.Background(), &fakeEngine{s: s, t: t, failStart: true}, options(t, s)); err == nil {
		t.Fatal("a refused job was no error")
	}
	if got, want := s.String(), "job refused\njob removed\nstop faults: authquake swarm ended"; got != want {
		t.Errorf("refused job, steps:\n%s\nwant:\n%s", got, want)
	}

	s = &steps{}
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(errors.New("interrupted")) })
	eng := &fakeEngine{s: s, t: t, hang: true}
	res, err := RunOn(ctx, eng, options(t, s))
	if err == nil || res == nil || res.Merged != "" {
		t.Fatalf("interrupted run: %v, %+v", err, res)
	}
	at := eng.j.StartAt.UnixNano()
	want := fmt.Sprintf("job created, start %d\nfaults from %d\ninterrupted\nstop faults: interrupted\ntasks ended\nstop faults: the load ended\n"+
		"job removed\nstop faults: authquake swarm ended", at, at)
	if got := s.String(); got != want {
		t.Errorf("interrupted, steps:\n%s\nwant:\n%s", got, want)
	}
}
