package authsim

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/topology"
)

// options configure Run: the service's bugs, environment and limits, and
// how its resources are labelled.
type options struct {
	runID      string
	bugs       []string
	env        map[string]string
	adminToken string
	cpus       float64
	cpusets    [2]string // service, others
	memory     int64
	keepUntil  time.Time
	log        io.Writer
}

// Option is one setting of Run.
type Option func(*options)

// WithBugs switches on authsim's known bugs (AUTHSIM_BUGS; see Bugs).
func WithBugs(bugs ...string) Option { return func(o *options) { o.bugs = bugs } }

// WithEnv adds to or overrides authsim's environment (targets/authsim/API.md).
func WithEnv(env map[string]string) Option { return func(o *options) { o.env = env } }

// WithAdminToken guards authsim's admin API; "authquake" by default.
func WithAdminToken(token string) Option { return func(o *options) { o.adminToken = token } }

// WithCPUs limits the service container's CPUs; 0 is no limit.
func WithCPUs(cpus float64) Option { return func(o *options) { o.cpus = cpus } }

// WithCpusets pins the service container to the cores of service and
// Postgres and Toxiproxy to those of others (Docker's cpuset syntax, e.g.
// "1" or "2-3"); "" leaves them unpinned.
func WithCpusets(service, others string) Option {
	return func(o *options) { o.cpusets = [2]string{service, others} }
}

// WithMemory limits the service container's memory, in bytes; 0 is no limit.
func WithMemory(bytes int64) Option { return func(o *options) { o.memory = bytes } }

// WithRunID labels every resource; docker.NewRunID() by default.
func WithRunID(id string) Option { return func(o *options) { o.runID = id } }

// WithKeepUntil marks every resource as kept until then (--keep).
func WithKeepUntil(t time.Time) Option { return func(o *options) { o.keepUntil = t } }

// WithLog receives one line per container as it becomes ready.
func WithLog(w io.Writer) Option { return func(o *options) { o.log = w } }

// Run starts the bundled topology from the images refs names (built by
// harness/images): authsim as the service on Postgres, its database link
// through Toxiproxy, every endpoint on 127.0.0.1. The topology comes back
// even on error, half-built, so that the caller can Close it.
func Run(ctx context.Context, refs images.Refs, opts ...Option) (*topology.Topology, error) {
	o := options{adminToken: "authquake"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.adminToken == "" {
		o.adminToken = "authquake"
	}
	env := map[string]string{
		"AUTHSIM_DATABASE_URL": "{{.Postgres.DSN}}",
		"AUTHSIM_ADDR":         ":8080",
		"AUTHSIM_ADMIN_ADDR":   ":8081",
		"AUTHSIM_ADMIN_TOKEN":  o.adminToken,
		"AUTHSIM_BUGS":         strings.Join(o.bugs, ","),
	}
	for k, v := range o.env {
		env[k] = v
	}
	return topology.Start(ctx, topology.Spec{
		RunID:      o.runID,
		Toxiproxy:  refs.Toxiproxy,
		Postgres:   &topology.Postgres{Image: refs.Postgres, Database: "authsim", User: "authsim", Password: "authsim"},
		Service:    topology.Container{Name: "service", Image: refs.Authsim, Port: 8080, AdminPort: 8081, Env: env, Ready: "/readyz"},
		CPUs:       o.cpus,
		Cpusets:    o.cpusets,
		Memory:     o.memory,
		AdminToken: o.adminToken,
		KeepUntil:  o.keepUntil,
		Log:        o.log,
	})
}
