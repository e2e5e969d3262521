package k8s

import (
	"bytes"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

const testToken = "0123456789abcdef0123456789abcdef0123456789abcdef"

// decoded are the manifests read back with the official API types.
type decoded struct {
	cm      corev1.ConfigMap
	secret  corev1.Secret
	pvc     corev1.PersistentVolumeClaim
	svc     corev1.Service
	policy  netv1.NetworkPolicy
	job     batchv1.Job
	collect corev1.Pod
}

func decode(t *testing.T, y []byte) decoded {
	t.Helper()
	docs := bytes.Split(y, []byte("---\n"))
	if len(docs) != 7 {
		t.Fatalf("%d documents, want 7", len(docs))
	}
	var d decoded
	for i, into := range []any{&d.cm, &d.secret, &d.pvc, &d.svc, &d.policy, &d.job, &d.collect} {
		if err := yaml.UnmarshalStrict(docs[i], into); err != nil {
			t.Fatalf("document %d: %v\n%s", i, err, docs[i])
		}
	}
	return d
}

func TestManifestsDecodeWithTheOfficialTypes(t *testing.T) {
	start := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	o := Options{Name: "aq-spike", Namespace: "load", Scenario: []byte("name: promo/spike\n"), Workers: 4,
		Image: "registry.example/authquake:v1", StartAt: start, Args: []string{"--seed", "42"},
		CPU: "500m", Memory: "256Mi", Storage: "2Gi", StorageClass: "nfs", Port: 7190, Token: testToken}
	objs, err := Manifests(o)
	if err != nil {
		t.Fatal(err)
	}
	y, err := YAML(objs)
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, y)
	job, pod := d.job, d.job.Spec.Template.Spec
	c := pod.Containers[0]
	args := strings.Join(c.Args, " ")
	checks := []struct {
		what string
		ok   bool
	}{
		// The kinds and versions a cluster accepts.
		{"job kind", job.APIVersion == "batch/v1" && job.Kind == "Job" && job.Namespace == "load"},
		// The completion index is the shard number: Indexed, N completions, N at once.
		{"indexed", job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion},
		{"completions", *job.Spec.Completions == 4 && *job.Spec.Parallelism == 4},
		// A killed shard is not rerun later: merge reports it.
		{"no retries", *job.Spec.BackoffLimit == 0 && pod.RestartPolicy == corev1.RestartPolicyNever},
		{"image", c.Image == "registry.example/authquake:v1" && d.collect.Spec.Containers[0].Image == c.Image},
		// The shard comes from the completion index annotation, expanded by the kubelet in the args.
		{"index env", c.Env[0].Name == IndexEnv && c.Env[0].ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']"},
		{"shard arg", strings.Contains(args, "--shard $(AUTHQUAKE_SHARD_INDEX)/4")},
		{"start-at arg", strings.Contains(args, "--start-at 2026-11-30T06:00:00Z")},
		{"run args", strings.HasPrefix(args, "run /scenario/scenario.yaml --out /out") && strings.HasSuffix(args, "--seed 42")},
		// Shard 0 serves coordination on the pod network; the others reach it through the headless service.
		{"coordination", strings.Contains(args, "--listen 0.0.0.0:7190") && strings.Contains(args, "--coordinator http://aq-spike-0.aq-spike:7190") &&
			strings.Contains(args, "--allow-remote")},
		{"subdomain", pod.Subdomain == "aq-spike" && d.svc.Name == "aq-spike" && d.svc.Spec.ClusterIP == corev1.ClusterIPNone &&
			d.svc.Spec.Selector["batch.kubernetes.io/job-name"] == "aq-spike" && d.svc.Spec.Ports[0].Port == 7190},
		{"requests", c.Resources.Requests.Cpu().Equal(resource.MustParse("500m")) && c.Resources.Requests.Memory().Equal(resource.MustParse("256Mi")) &&
			c.Resources.Limits.Cpu().Equal(resource.MustParse("500m"))},
		// The scenario travels as a ConfigMap, mounted where the args read it.
		{"scenario", d.cm.Name == "aq-spike-scenario" && d.cm.Data["scenario.yaml"] == "name: promo/spike\n" &&
			pod.Volumes[0].ConfigMap.Name == "aq-spike-scenario" && c.VolumeMounts[0].MountPath == "/scenario"},
		// Results go to one ReadWriteMany claim that the collector pod mounts too.
		{"results", d.pvc.Spec.AccessModes[0] == corev1.ReadWriteMany && *d.pvc.Spec.StorageClassName == "nfs" &&
			d.pvc.Spec.Resources.Requests.Storage().Equal(resource.MustParse("2Gi")) &&
			pod.Volumes[1].PersistentVolumeClaim.ClaimName == "aq-spike-results" && c.VolumeMounts[1].MountPath == "/out" &&
			d.collect.Spec.Volumes[0].PersistentVolumeClaim.ClaimName == "aq-spike-results"},
		{"collector", strings.Join(d.collect.Spec.Containers[0].Args, " ") == "pack --hold /out"},
		// The run's token is a Secret every shard reads as AUTHQUAKE_RUN_TOKEN;
		// it is in no argument.
		{"token secret", d.secret.Kind == "Secret" && d.secret.Name == "aq-spike-token" && string(d.secret.Data["token"]) == testToken},
		{"token env", c.Env[1].Name == "AUTHQUAKE_RUN_TOKEN" && c.Env[1].ValueFrom.SecretKeyRef.Name == "aq-spike-token" &&
			c.Env[1].ValueFrom.SecretKeyRef.Key == "token" && !strings.Contains(args, testToken)},
		// The endpoint binds 0.0.0.0: only the job's own pods may reach it, on its port.
		{"policy kind", d.policy.APIVersion == "networking.k8s.io/v1" && d.policy.Kind == "NetworkPolicy" && d.policy.Namespace == "load"},
		{"policy selects the job's pods", d.policy.Spec.PodSelector.MatchLabels["batch.kubernetes.io/job-name"] == "aq-spike" &&
			len(d.policy.Spec.PodSelector.MatchLabels) == 1 && len(d.policy.Spec.PolicyTypes) == 1 && d.policy.Spec.PolicyTypes[0] == netv1.PolicyTypeIngress},
		{"policy admits the job's pods only", len(d.policy.Spec.Ingress) == 1 && len(d.policy.Spec.Ingress[0].From) == 1 &&
			d.policy.Spec.Ingress[0].From[0].PodSelector.MatchLabels["batch.kubernetes.io/job-name"] == "aq-spike" &&
			d.policy.Spec.Ingress[0].From[0].NamespaceSelector == nil && d.policy.Spec.Ingress[0].From[0].IPBlock == nil},
		{"policy port", len(d.policy.Spec.Ingress[0].Ports) == 1 && d.policy.Spec.Ingress[0].Ports[0].Port.IntValue() == 7190 &&
			*d.policy.Spec.Ingress[0].Ports[0].Protocol == corev1.ProtocolTCP},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong in\n%s", ch.what, y)
		}
	}
}

func TestBadQuantitiesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		says string
	}{
		// A CPU request that is not a quantity.
		{"cpu", Options{CPU: "lots", Memory: "1Gi", Storage: "1Gi", Token: testToken}, "--cpu"},
		// A memory request with a unit Kubernetes does not know.
		{"memory", Options{CPU: "1", Memory: "1GB!", Storage: "1Gi", Token: testToken}, "--memory"},
		// No run without a token: the endpoint would answer anyone.
		{"token", Options{CPU: "1", Memory: "1Gi", Storage: "1Gi"}, "token"},
	}
	for _, tt := range tests {
		if _, err := Manifests(tt.o); err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.says)
		}
	}
}
