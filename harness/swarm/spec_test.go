package swarm

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/authquake/authquake/harness/docker"
)

func TestSpecIsAReplicatedJobOfShards(t *testing.T) {
	start := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	o := Options{Workers: 3, Image: "authquake/authquake:abc", Args: ShardArgs(42, 0.5), AllowRemote: true}
	s := Spec(o, "swarm-x", "cfg123", "sec456", start, "http://10.0.0.1:7190")
	c := s.TaskTemplate.ContainerSpec
	args := strings.Join(c.Args, " ")
	cfg := ScenarioConfig("swarm-x", []byte("name: x\n"))
	sec := TokenSecret("swarm-x", "0123456789abcdef0123456789abcdef")
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
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
		// Each shard sends its run directory to the endpoint when it is over.
		{"args", strings.HasPrefix(args, "run /scenario.yaml --out /out --start-at 2026-11-30T06:00:00Z --coordinator http://10.0.0.1:7190 --upload --allow-remote") &&
			strings.HasSuffix(args, "--seed 42 --duration-scale 0.5")},
		// Loopback targets stay reachable: the host network.
		{"host network", len(s.TaskTemplate.Networks) == 1 && s.TaskTemplate.Networks[0].Target == "host"},
		// Nothing of the manager's filesystem: /out is a tmpfs the task's user may write.
		{"no bind mount", !slices.ContainsFunc(c.Mounts, func(m mount.Mount) bool { return m.Type == mount.TypeBind })},
		{"tmpfs out", len(c.Mounts) == 1 && c.Mounts[0].Type == mount.TypeTmpfs && c.Mounts[0].Target == "/out" &&
			c.Mounts[0].Source == "" && c.Mounts[0].TmpfsOptions != nil && c.Mounts[0].TmpfsOptions.Mode == 0o1777},
		// The scenario is the config, read-only, owned by the task's user.
		{"config", len(c.Configs) == 1 && c.Configs[0].ConfigID == "cfg123" && c.Configs[0].ConfigName == cfg.Name && c.Configs[0].File != nil &&
			*c.Configs[0].File == apiswarm.ConfigReferenceFileTarget{Name: "/scenario.yaml", UID: uid, GID: gid, Mode: 0o444}},
		{"user", c.User == uid+":"+gid},
		{"config data", string(cfg.Data) == "name: x\n"},
		// The run's token is a secret file the task's user alone may read,
		// named to the shard by a variable: never in the arguments or the
		// environment, which docker inspect shows.
		{"token secret", len(c.Secrets) == 1 && c.Secrets[0].SecretID == "sec456" && c.Secrets[0].SecretName == sec.Name && c.Secrets[0].File != nil &&
			*c.Secrets[0].File == apiswarm.SecretReferenceFileTarget{Name: "authquake-run-token", UID: uid, GID: gid, Mode: 0o400}},
		{"token file env", slices.Contains(c.Env, "AUTHQUAKE_RUN_TOKEN_FILE=/run/secrets/authquake-run-token")},
		{"token not in args or env", !strings.Contains(args+strings.Join(c.Env, " "), "0123456789abcdef")},
		{"secret labels", maps.Equal(sec.Labels, s.Labels) && string(sec.Data) == "0123456789abcdef0123456789abcdef"},
		// authquake cleanup finds what a killed swarm run left: the job and its config.
		{"labels", s.Labels[docker.LabelRun] == "swarm-x" && s.Labels[docker.LabelOwner] != "" && c.Labels[docker.LabelRun] == "swarm-x"},
		{"config labels", maps.Equal(cfg.Labels, s.Labels) && s.Labels[docker.LabelRole] == "shard"},
		{"image", c.Image == "authquake/authquake:abc"},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong in %+v", ch.what, s)
		}
	}
}

func TestSpecPlacement(t *testing.T) {
	start := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		perNode uint64
		want    *apiswarm.Placement
	}{
		// Left to the scheduler, which spreads but may stack two shards.
		{0, nil},
		// One shard a node: the multi-node swarm's spread.
		{1, &apiswarm.Placement{MaxReplicas: 1}},
	} {
		s := Spec(Options{Workers: 3, MaxPerNode: c.perNode}, "swarm-x", "cfg", "sec", start, "http://127.0.0.1:7190")
		if got := s.TaskTemplate.Placement; (got == nil) != (c.want == nil) || got != nil && got.MaxReplicas != c.want.MaxReplicas {
			t.Errorf("max per node %d: placement %+v, want %+v", c.perNode, got, c.want)
		}
	}
}
