package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/rundir"
)

// TestK8sOwnsTheTargetAndItsFaults runs the authsim scenario of
// ownedScenarios (a database blackhole, 100/s for 20 s) as 2 shards
// through authquake k8s, the test playing the cluster, which this machine
// does not have: it reads the manifests authquake k8s writes with the
// official API types and runs each completion index's pod as a kubelet
// would (podAsContainer). authquake k8s starts authsim here, runs the
// fault from the start instant, waits for the pods' uploads, reads the
// ledger and merges: the merged summary shows every payment, the fault's
// impact and a clean audit; no container is left.
func TestK8sOwnsTheTargetAndItsFaults(t *testing.T) {
	cli := dockertest.Client(t)
	refs, err := (func() (images.Refs, error) {
		b, err := images.NewBuilder(cli, io.Discard)
		if err != nil {
			return images.Refs{}, err
		}
		return b.Build(context.Background(), images.Need{Authquake: true})
	})()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, file := filepath.Join(dir, "s.yaml"), filepath.Join(dir, "k8s.yaml")
	os.WriteFile(path, []byte(ownedScenarios["authsim"]+ownedLoad), 0o644)
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := cmd("k8s", path, "--workers", "2", "--out", file, "--results", dir, "--lead", "15s",
			"--listen", freePort(t), "--image", refs.Authquake)
		done <- result{out, err}
	}()
	var y []byte
	for y == nil { // the manifests are written once the target is up
		select {
		case r := <-done:
			t.Fatalf("authquake k8s ended before writing the manifests (%v):\n%s", r.err, r.out)
		case <-time.After(time.Second):
			y, _ = os.ReadFile(file)
		}
	}
	ids := applyAsKubelet(t, cli, y)
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("authquake k8s did not end")
	}
	t.Log(r.out)
	for k, id := range ids {
		in, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
		if err != nil || in.Container.State.ExitCode != 0 {
			t.Errorf("pod %d: %v, exit %d", k, err, in.Container.State.ExitCode)
		}
	}
	merged, _ := filepath.Glob(filepath.Join(dir, "*-k8s-*", "merged"))
	if len(merged) != 1 {
		t.Fatalf("no merged run (%v):\n%s", r.err, r.out)
	}
	s := readSummary(t, merged[0])
	if s.Requests.Payments != 2000 || s.Requests.Planned != 2000 || len(s.Shards) != 2 || s.Requests.Approved < 1000 {
		t.Fatalf("payments %d of %d planned (%d approved), %d shards, want 2000 of 2000 and 2\n%s",
			s.Requests.Payments, s.Requests.Planned, s.Requests.Approved, len(s.Shards), r.out)
	}
	if f := s.Faults; len(f) != 1 || f[0].Name != "db-blackhole" || f[0].TimelineState != "reverted" || !f[0].Impact {
		t.Errorf("the db fault's impact is not in the merged report: %+v\n%s", f, r.out)
	}
	if a := s.Audit; a == nil || !a.Checked || a.Inconclusive || len(a.Violations) > 0 || a.Source != "authsim" {
		t.Errorf("audit not clean, or not authsim's: %+v\n%s", a, r.out)
	}
	m, err := rundir.ReadMeta(merged[0])
	if err != nil {
		t.Fatal(err)
	}
	if cs, ns := dockertest.RunResources(t, cli, m.RunID); len(cs)+len(ns) > 0 {
		t.Errorf("left behind: containers %v, networks %v", cs, ns)
	}
}

// envRef is a $(VAR) reference in a container's args, which the kubelet
// expands from the container's env.
var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// applyAsKubelet runs the Job of the manifests y as a kubelet would run its
// pods, one container per completion index, and returns their ids (removed
// when the test ends): the pod template's image and args, $(VAR) expanded
// from its env (the completion index from the annotation, the token from
// the Secret), the ConfigMap's files under its mount, an empty /out, the
// security context's user. The pods share this machine's network, where
// the endpoint and the client link are.
func applyAsKubelet(t *testing.T, cli *client.Client, y []byte) []string {
	t.Helper()
	docs := bytes.Split(y, []byte("---\n"))
	var cm corev1.ConfigMap
	var sec corev1.Secret
	var job batchv1.Job
	if len(docs) != 3 {
		t.Fatalf("%d documents, want the ConfigMap, the Secret and the Job:\n%s", len(docs), y)
	}
	for i, into := range []any{&cm, &sec, &job} {
		if err := yaml.UnmarshalStrict(docs[i], into); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
	}
	pod := job.Spec.Template.Spec
	c := pod.Containers[0]
	var ids []string
	for k := 0; k < int(*job.Spec.Completions); k++ {
		env := map[string]string{}
		var list []string
		for _, e := range c.Env {
			switch v := e.ValueFrom; {
			case v == nil:
				env[e.Name] = e.Value
			case v.FieldRef != nil && v.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']":
				env[e.Name] = strconv.Itoa(k)
			case v.SecretKeyRef != nil && v.SecretKeyRef.Name == sec.Name:
				env[e.Name] = string(sec.Data[v.SecretKeyRef.Key])
			default:
				t.Fatalf("env %s: a source this kubelet does not know: %+v", e.Name, v)
			}
			list = append(list, e.Name+"="+env[e.Name])
		}
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = envRef.ReplaceAllStringFunc(a, func(m string) string {
				if v, ok := env[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		}
		ids = append(ids, runPod(t, cli, k, c.Image, args, list, fmt.Sprintf("%d:%d", *pod.SecurityContext.RunAsUser, *pod.SecurityContext.RunAsGroup), cm))
	}
	return ids
}

// runPod starts one pod's container: the ConfigMap's files in /scenario,
// /out a tmpfs, the host's network.
func runPod(t *testing.T, cli *client.Client, k int, image string, args, env []string, user string, cm corev1.ConfigMap) string {
	t.Helper()
	ctx := context.Background()
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: image, Cmd: args, Env: env, User: user,
			Labels: map[string]string{docker.LabelRun: "k8s-test", docker.LabelOwner: docker.Self().String(), docker.LabelRole: "shard"}},
		HostConfig: &container.HostConfig{NetworkMode: "host", Tmpfs: map[string]string{"/out": "mode=1777"}},
	})
	if err != nil {
		t.Fatalf("pod %d: %v", k, err)
	}
	t.Cleanup(func() {
		cli.ContainerRemove(context.Background(), res.ID, client.ContainerRemoveOptions{Force: true})
	})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "scenario/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, data := range cm.Data {
		tw.WriteHeader(&tar.Header{Name: "scenario/" + name, Mode: 0o444, Size: int64(len(data))})
		tw.Write([]byte(data))
	}
	tw.Close()
	if _, err := cli.CopyToContainer(ctx, res.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf}); err != nil {
		t.Fatalf("pod %d: the ConfigMap's files: %v", k, err)
	}
	if _, err := cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("pod %d: %v", k, err)
	}
	return res.ID
}
