package k8s

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/swarm"
)

// TestOwnedManifestsReachBack: with a target authquake k8s owns, the pods
// dial the endpoint it serves and upload there; nothing in the cluster
// listens, so there is no Service, NetworkPolicy, claim or collector, and
// /out is the pod's own.
func TestOwnedManifestsReachBack(t *testing.T) {
	o := Options{Name: "aq-own", Scenario: []byte("name: t/own\n"), Workers: 3, Image: "registry.example/authquake:v1",
		StartAt: time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC), Args: []string{"--seed", "9"}, CPU: "1", Memory: "512Mi", Storage: "1Gi", Token: testToken}
	for _, remote := range []bool{false, true} {
		objs, err := Owned(o, "http://10.1.2.3:7190", remote)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := YAML(objs)
		docs := bytes.Split(y, []byte("---\n"))
		if len(docs) != 3 {
			t.Fatalf("%d documents, want the ConfigMap, the Secret and the Job", len(docs))
		}
		var cm corev1.ConfigMap
		var sec corev1.Secret
		var job batchv1.Job
		for i, into := range []any{&cm, &sec, &job} {
			if err := yaml.UnmarshalStrict(docs[i], into); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
		}
		c := job.Spec.Template.Spec.Containers[0]
		args := strings.Join(c.Args, " ")
		for _, want := range []string{"run /scenario/scenario.yaml --out /out", "--shard $(AUTHQUAKE_SHARD_INDEX)/3",
			"--start-at 2026-12-07T22:00:00Z", "--coordinator http://10.1.2.3:7190", "--upload", "--seed 9"} {
			if !strings.Contains(args, want) {
				t.Errorf("args %q lack %q", args, want)
			}
		}
		if strings.Contains(args, "--listen") || strings.Contains(args, "--allow-remote") != remote {
			t.Errorf("remote %v: args %q (no shard serves; --allow-remote only when asked)", remote, args)
		}
		if v := job.Spec.Template.Spec.Volumes; len(v) != 2 || v[1].EmptyDir == nil || v[0].ConfigMap == nil || v[0].ConfigMap.Name != "aq-own-scenario" {
			t.Errorf("volumes %+v, want the scenario's ConfigMap and an emptyDir /out", v)
		}
		if len(c.Ports) != 0 || job.Spec.Template.Spec.Subdomain != "" {
			t.Errorf("a pod listens: ports %v, subdomain %q", c.Ports, job.Spec.Template.Spec.Subdomain)
		}
		if string(sec.Data["token"]) != testToken || c.Env[1].ValueFrom.SecretKeyRef.Name != "aq-own-token" {
			t.Errorf("the token does not reach the pods from the Secret: %+v", c.Env)
		}
	}
}

// outside serves an endpoint for 3 shards that collects uploads, and
// starts an Outside engine on it with the start instant at.
func outside(t *testing.T, at time.Time) (*Outside, swarm.Job) {
	t.Helper()
	token := coord.NewToken()
	srv, err := coord.Serve("127.0.0.1:0", coord.Config{Token: token, Shards: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Collect(t.TempDir(), "t", coord.DefaultBudget(3))
	e := &Outside{Options: Options{Name: "aq-t", CPU: "1", Memory: "1Gi", Storage: "1Gi", Image: "i"}, File: filepath.Join(t.TempDir(), "k8s.yaml")}
	j := swarm.Job{RunID: "r", Scenario: []byte("name: t\n"), Token: token, StartAt: at, Coordinator: "http://" + srv.Addr(), Server: srv}
	var log bytes.Buffer
	if _, err := e.Start(context.Background(), swarm.Options{Workers: 3, Log: &log}, j); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(e.File); err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(log.String(), "kubectl apply -f "+e.File) {
		t.Fatalf("manifests %v (%v), log %q: want them written for the user only and the command to apply them", fi, err, log.String())
	}
	return e, j
}

// upload sends a run directory as shard k.
func upload(t *testing.T, j swarm.Job, k int, final bool) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run.json"), []byte("{}"), 0o644)
	if err := coord.NewClient(j.Coordinator, k, j.Token, egress.Guard{}).Upload(context.Background(), dir, final); err != nil {
		t.Fatal(err)
	}
}

func TestOutsideWaitsForEveryFinalUpload(t *testing.T) {
	e, j := outside(t, time.Now()) // the deadline is minutes away
	for k := 0; k < 3; k++ {
		upload(t, j, k, false)
		upload(t, j, k, true)
	}
	ts, err := e.Wait(context.Background(), 3)
	if err != nil || len(ts) != 3 {
		t.Fatalf("%v, %v", ts, err)
	}
	for k, task := range ts {
		if task.Failed || !strings.HasPrefix(task.State, "complete") {
			t.Errorf("shard %d: %+v", k, task)
		}
	}
}

// TestOutsideGivesUpAtTheDeadline: a pod that never ran or died cannot
// hold the run forever; what each shard sent is said.
func TestOutsideGivesUpAtTheDeadline(t *testing.T) {
	e, j := outside(t, time.Now().Add(-coord.UploadTimeout-2*time.Minute)) // the deadline has passed
	upload(t, j, 0, true)
	upload(t, j, 1, false)
	ts, err := e.Wait(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if ts[0].Failed || !ts[1].Failed || !strings.Contains(ts[1].State, "checkpoint") || !ts[2].Failed || !strings.Contains(ts[2].State, "never uploaded") {
		t.Errorf("states %+v", ts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Outside{srv: j.Server, Options: Options{StartAt: time.Now()}}).Wait(ctx, 3); err == nil {
		t.Error("Ctrl-C did not end the wait")
	}
}
