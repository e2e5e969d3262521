// Package k8s writes the Kubernetes manifests of a sharded run (authquake
// k8s): an Indexed Job whose completion index is the shard number, the
// scenario as a ConfigMap, the run's token as a Secret, a headless Service
// through which the shards reach shard 0's coordination endpoint and a
// NetworkPolicy that admits only them, a volume claim for the shard
// directories and a collector pod to bring them back for authquake merge.
//
//	ConfigMap NAME-scenario ──▶ /scenario/scenario.yaml
//	Secret NAME-token ──▶ $AUTHQUAKE_RUN_TOKEN in every shard
//	Job NAME (Indexed, completions = parallelism = N, no retries)
//	  pod NAME-0 ... NAME-(N-1): authquake run --shard $(INDEX)/N --start-at T
//	  NAME-0.NAME:7190 ◀── Service NAME (headless): coordination,
//	                       NetworkPolicy NAME-coordination: from the job's pods only
//	PVC NAME-results (ReadWriteMany) ──▶ /out in every pod and the collector
//	Pod NAME-collect: authquake pack --hold /out (kubectl exec ... pack /out > shards.tar.gz)
//
// A target authquake starts (authsim, containers) is started and owned
// outside the cluster instead: see Owned and Outside.
package k8s

import (
	"bytes"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/authquake/authquake/harness/coord"
)

// Options describes the sharded run.
type Options struct {
	// Name names every object (a DNS label, e.g. aq-midnight-spike).
	Name      string
	Namespace string
	// Scenario is the scenario file's content.
	Scenario []byte
	Workers  int
	// Image is the authquake image, as the cluster pulls it.
	Image   string
	StartAt time.Time
	// Args are more run flags for every shard (--seed, --duration-scale).
	Args []string
	// CPU and Memory are each shard's requests (and limits), e.g. "1", "512Mi".
	CPU, Memory string
	// Storage is the size of the results claim; StorageClass its class
	// (empty: the cluster's default; it must offer ReadWriteMany).
	Storage, StorageClass string
	// Port is the coordination endpoint's port.
	Port int
	// Token is the run's secret (coord.NewToken), carried by a Secret.
	Token string
}

// IndexEnv holds the pod's completion index, the shard number.
const IndexEnv = "AUTHQUAKE_SHARD_INDEX"

// Labels on every object.
func (o Options) labels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "authquake", "app.kubernetes.io/instance": o.Name}
}

func (o Options) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: o.labels()}
}

// Manifests returns the objects of the run, in the order to apply them.
func Manifests(o Options) ([]any, error) {
	res, storage, err := o.resources()
	if err != nil {
		return nil, err
	}
	coordinator := fmt.Sprintf("http://%s-0.%s:%d", o.Name, o.Name, o.Port)
	args := append(o.shardArgs(coordinator), "--listen", fmt.Sprintf("0.0.0.0:%d", o.Port), "--allow-remote")
	volumes := []corev1.Volume{o.scenarioVolume(),
		{Name: "results", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: o.Name + "-results"}}},
	}
	mounts := []corev1.VolumeMount{{Name: "scenario", MountPath: "/scenario", ReadOnly: true}, {Name: "results", MountPath: "/out"}}
	pvc := &corev1.PersistentVolumeClaim{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}, ObjectMeta: o.meta(o.Name + "-results"),
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: storage}}}}
	if o.StorageClass != "" {
		pvc.Spec.StorageClassName = &o.StorageClass
	}
	svc := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: o.meta(o.Name),
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"batch.kubernetes.io/job-name": o.Name},
			Ports: []corev1.ServicePort{{Name: "coordination", Port: int32(o.Port), TargetPort: intstr.FromInt32(int32(o.Port))}}}}
	job := o.job(args, res, volumes, mounts)
	job.Spec.Template.Spec.Subdomain = o.Name // NAME-0.NAME resolves to shard 0
	job.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "coordination", ContainerPort: int32(o.Port)}}
	collect := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: o.meta(o.Name + "-collect"),
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, SecurityContext: job.Spec.Template.Spec.SecurityContext,
			Containers: []corev1.Container{{Name: "collect", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
				Args: []string{"pack", "--hold", "/out"}, VolumeMounts: mounts[1:]}},
			Volumes: volumes[1:]}}
	return []any{o.scenarioMap(), o.tokenSecret(), pvc, svc, o.networkPolicy(), job, collect}, nil
}

// Check says what is wrong with the options' token or quantities, before
// anything is written or started.
func (o Options) Check() error {
	_, _, err := o.resources()
	return err
}

// resources are each shard's requests and limits, and the results claim's
// size; they check the token too, which every set of manifests carries.
func (o Options) resources() (corev1.ResourceRequirements, resource.Quantity, error) {
	var res corev1.ResourceRequirements
	var storage resource.Quantity
	if err := coord.CheckToken(o.Token); err != nil {
		return res, storage, err
	}
	cpu, err := resource.ParseQuantity(o.CPU)
	if err != nil {
		return res, storage, fmt.Errorf("--cpu %q: %w", o.CPU, err)
	}
	mem, err := resource.ParseQuantity(o.Memory)
	if err != nil {
		return res, storage, fmt.Errorf("--memory %q: %w", o.Memory, err)
	}
	if storage, err = resource.ParseQuantity(o.Storage); err != nil {
		return res, storage, fmt.Errorf("--storage %q: %w", o.Storage, err)
	}
	res.Requests = corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	res.Limits = corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	return res, storage, nil
}

// shardArgs are every shard's run flags: the scenario from its ConfigMap,
// the completion index as the shard number, the start instant and the
// coordination endpoint.
func (o Options) shardArgs(coordinator string) []string {
	return []string{"run", "/scenario/scenario.yaml", "--out", "/out",
		"--shard", fmt.Sprintf("$(%s)/%d", IndexEnv, o.Workers), "--start-at", o.StartAt.UTC().Format(time.RFC3339Nano),
		"--coordinator", coordinator}
}

func (o Options) scenarioMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: o.meta(o.Name + "-scenario"),
		Data: map[string]string{"scenario.yaml": string(o.Scenario)}}
}

func (o Options) scenarioVolume() corev1.Volume {
	return corev1.Volume{Name: "scenario", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: o.Name + "-scenario"}}}}
}

// job is the Indexed Job of N shards running args (then o.Args).
func (o Options) job(args []string, res corev1.ResourceRequirements, volumes []corev1.Volume, mounts []corev1.VolumeMount) *batchv1.Job {
	n := int32(o.Workers)
	zero := int32(0)
	indexed := batchv1.IndexedCompletion
	nobody := int64(65534) // the image's user: the claim is made writable for it
	sec := &corev1.PodSecurityContext{RunAsUser: &nobody, RunAsGroup: &nobody, FSGroup: &nobody}
	return &batchv1.Job{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}, ObjectMeta: o.meta(o.Name),
		Spec: batchv1.JobSpec{
			CompletionMode: &indexed, Completions: &n, Parallelism: &n,
			BackoffLimit: &zero, // a killed shard is reported by merge, never rerun at another time
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: o.labels()},
				Spec: corev1.PodSpec{
					RestartPolicy:   corev1.RestartPolicyNever,
					SecurityContext: sec,
					Containers: []corev1.Container{{
						Name: "shard", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent, Args: append(args, o.Args...),
						Env: []corev1.EnvVar{{Name: IndexEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
							FieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}, o.tokenEnv()},
						Resources:    res,
						VolumeMounts: mounts,
					}},
					Volumes: volumes,
				},
			},
		}}
}

// YAML renders the objects as one multi-document YAML file.
func YAML(objs []any) ([]byte, error) {
	var b bytes.Buffer
	for i, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}
