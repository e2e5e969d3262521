package swarm

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/docker"
)

// MaxScenario is the most a Swarm config holds (swarmkit's MaxConfigSize),
// and so the largest scenario file authquake swarm can hand its shards.
const MaxScenario = 1000 * 1024

// labels mark the job and its config as this process's, for authquake
// cleanup.
func labels(runID string) map[string]string {
	return map[string]string{docker.LabelRun: runID, docker.LabelOwner: docker.Self().String(), docker.LabelRole: "shard"}
}

// ScenarioConfig is the Swarm config that carries the scenario's bytes to
// every node: no task reads the manager's filesystem.
func ScenarioConfig(runID string, scenario []byte) apiswarm.ConfigSpec {
	return apiswarm.ConfigSpec{Annotations: apiswarm.Annotations{Name: configName(runID), Labels: labels(runID)}, Data: scenario}
}

func configName(runID string) string { return "authquake-" + runID + "-scenario" }

// TokenSecret is the Swarm secret that carries the run's token (the
// coordination endpoint asks it of every request) to every task: a file
// under /run/secrets, never an argument or a variable that docker inspect
// shows.
func TokenSecret(runID, token string) apiswarm.SecretSpec {
	return apiswarm.SecretSpec{Annotations: apiswarm.Annotations{Name: secretName(runID), Labels: labels(runID)}, Data: []byte(token)}
}

func secretName(runID string) string { return "authquake-" + runID + "-token" }

// tokenFile is where a task finds the run's token.
const tokenFile = "authquake-run-token"

// Spec is the replicated job: N tasks, N completions, no restart (a killed
// shard stays killed and is reported by merge, never rerun at another
// time), the slot as the shard number, labelled for authquake cleanup. The
// scenario is the config configID (ScenarioConfig) at /scenario.yaml, the
// run's token the secret secretID (TokenSecret), readable by the task's
// user only; /out is a tmpfs every user may write, and each shard uploads
// its run directory to the coordinator (run --upload): no bind mount, so a
// task runs on any node of the swarm.
func Spec(o Options, runID, configID, secretID string, startAt time.Time, coordinator string) apiswarm.ServiceSpec {
	n := uint64(o.Workers)
	l := labels(runID)
	args := []string{"run", "/scenario.yaml", "--out", "/out", "--start-at", startAt.Format(time.RFC3339Nano), "--coordinator", coordinator, "--upload"}
	if o.AllowRemote {
		args = append(args, "--allow-remote")
	}
	args = append(args, o.Args...)
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	none := apiswarm.RestartPolicyConditionNone
	return apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: "authquake-" + runID, Labels: l},
		Mode:        apiswarm.ServiceMode{ReplicatedJob: &apiswarm.ReplicatedJob{MaxConcurrent: &n, TotalCompletions: &n}},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{
				Image: o.Image,
				Args:  args,
				Env: []string{fmt.Sprintf("AUTHQUAKE_SHARD={{.Task.Slot}}/%d", o.Workers),
					coord.TokenFileEnv + "=/run/secrets/" + tokenFile},
				User:   uid + ":" + gid,
				Labels: l,
				Configs: []*apiswarm.ConfigReference{{ConfigID: configID, ConfigName: configName(runID),
					File: &apiswarm.ConfigReferenceFileTarget{Name: "/scenario.yaml", UID: uid, GID: gid, Mode: 0o444}}},
				Secrets: []*apiswarm.SecretReference{{SecretID: secretID, SecretName: secretName(runID),
					File: &apiswarm.SecretReferenceFileTarget{Name: tokenFile, UID: uid, GID: gid, Mode: 0o400}}},
				// The image is FROM scratch: /out would be root's. Sticky and
				// open to all (1777, as /tmp), it takes the task's user.
				Mounts: []mount.Mount{{Type: mount.TypeTmpfs, Target: "/out", TmpfsOptions: &mount.TmpfsOptions{Mode: 0o1777}}},
			},
			RestartPolicy: &apiswarm.RestartPolicy{Condition: none},
			Placement:     placement(o.MaxPerNode),
			Networks:      []apiswarm.NetworkAttachmentConfig{{Target: "host"}},
		},
	}
}

// ShardArgs are the run flags a swarm passes on to every shard.
func ShardArgs(seed uint64, scale float64) []string {
	var out []string
	if seed != 0 {
		out = append(out, "--seed", strconv.FormatUint(seed, 10))
	}
	if scale != 1 {
		out = append(out, "--duration-scale", strings.TrimRight(strconv.FormatFloat(scale, 'f', -1, 64), "."))
	}
	return out
}
