package k8s

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// A run whose target authquake starts (authsim, containers) cannot have it
// in the cluster: the pods have no Docker Engine. authquake k8s then owns
// the run from where it was started, as authquake swarm does:
//
//	authquake k8s (outside the cluster, beside a Docker Engine)
//	  starts the target once: client link ◀─(relay on --listen's host)─┐
//	  serves the coordination endpoint on --listen ◀─ poll, refs,      │
//	  runs the faults from the start instant          PUT /results     │
//	  reads the ledger once every shard has uploaded     │             │
//	ConfigMap NAME-scenario, Secret NAME-token           │             │
//	Job NAME (Indexed): pod K: run --shard K/N --coordinator ADVERTISE:PORT --upload
//
// The manifests are Owned's: the scenario the shards run is a url scenario
// at the client link (swarm.SharedScenario), /out an emptyDir, and the
// shards dial out only: no Service, no NetworkPolicy, no claim, no
// collector pod.

// Owned returns the objects of a run that authquake k8s owns from outside
// the cluster, in the order to apply them: the scenario's ConfigMap, the
// token's Secret and the Indexed Job, whose pods dial the endpoint at
// coordinator (remote: off loopback) and upload their run directories to
// it (run --upload).
func Owned(o Options, coordinator string, remote bool) ([]any, error) {
	res, _, err := o.resources()
	if err != nil {
		return nil, err
	}
	args := append(o.shardArgs(coordinator), "--upload")
	if remote {
		args = append(args, "--allow-remote")
	}
	volumes := []corev1.Volume{o.scenarioVolume(),
		{Name: "out", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mounts := []corev1.VolumeMount{{Name: "scenario", MountPath: "/scenario", ReadOnly: true}, {Name: "out", MountPath: "/out"}}
	return []any{o.scenarioMap(), o.tokenSecret(), o.job(args, res, volumes, mounts)}, nil
}

// OwnedCommands is what to do with Owned's manifests while authquake k8s
// waits for the shards: apply them before the start instant, follow them,
// remove them once it is done.
func OwnedCommands(o Options, file string) string {
	ns := o.nsFlag()
	return fmt.Sprintf(`k8s: wrote %s: %d shards of %s starting at %s; this process owns the target and waits for their uploads
k8s: apply it before then (the image must be one the cluster pulls: --image):
       kubectl%s apply -f %s
k8s: follow the shards:  kubectl%s get pods -l batch.kubernetes.io/job-name=%s
k8s: once this ends:     kubectl%s delete -f %s
`, file, o.Workers, o.Name, o.StartAt.UTC().Format("2006-01-02T15:04:05Z07:00"), ns, file, ns, o.Name, ns, file)
}
