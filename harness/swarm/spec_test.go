package swarm

import (
	"slices"
	"strings"
	"testing"
	"time"

	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/authquake/authquake/harness/docker"
)

func TestSpecIsAReplicatedJobOfShards(t *testing.T) {
	start := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	o := Options{Workers: 3, Image: "authquake/authquake:abc", Args: ShardArgs(42, 0.5), AllowRemote: true}
	s := Spec(o, "swarm-x", "/abs/s.yaml", "/abs/out/shards", start, "http://10.0.0.1:7190")
	c := s.TaskTemplate.ContainerSpec
	args := strings.Join(c.Args, " ")
	checks := []struct {
		what string
		ok   bool
	}{
		// N tasks, N completions, all at once.
		{"job", s.Mode.ReplicatedJob != nil && *s.Mode.ReplicatedJob.TotalCompletions == 3 && *s.Mode.ReplicatedJob.MaxConcurrent == 3},
		// A killed shard is reported, not restarted.
		{"no restart", s.TaskTemplate.RestartPolicy.Condition == apiswarm.RestartPolicyConditionNone},
		// The slot is the shard (rendered by Swarm per task).
		{"shard env", slices.Contains(c.Env, "AUTHQUAKE_SHARD={{.Task.Slot}}/3")},
		{"args", strings.HasPrefix(args, "run /scenario.yaml --out /out --start-at 2026-11-30T06:00:00Z --coordinator http://10.0.0.1:7190 --allow-remote") &&
			strings.HasSuffix(args, "--seed 42 --duration-scale 0.5")},
		// Loopback targets stay reachable: the host network.
		{"host network", len(s.TaskTemplate.Networks) == 1 && s.TaskTemplate.Networks[0].Target == "host"},
		{"mounts", c.Mounts[0].Source == "/abs/out/shards" && c.Mounts[0].Target == "/out" && c.Mounts[1].ReadOnly},
		// authquake cleanup finds what a killed swarm run left.
		{"labels", s.Labels[docker.LabelRun] == "swarm-x" && s.Labels[docker.LabelOwner] != "" && c.Labels[docker.LabelRun] == "swarm-x"},
		{"image", c.Image == "authquake/authquake:abc"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong in %+v", ch.what, s)
		}
	}
}
