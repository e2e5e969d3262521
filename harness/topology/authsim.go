package topology

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/images"
)

// AuthsimOptions configures the bundled topology: Postgres, Toxiproxy, authsim.
type AuthsimOptions struct {
	// RunID labels every resource; docker.NewRunID() when empty.
	RunID  string
	Images images.Refs
	// Bugs lists authsim's known bugs to switch on (AUTHSIM_BUGS).
	Bugs []string
	// Env adds to or overrides authsim's environment.
	Env map[string]string
	// AdminToken guards authsim's admin API; "authquake" when empty.
	AdminToken string
	// CPUs and Memory (bytes) limit the service container; 0 is no limit.
	CPUs   float64
	Memory int64
	// KeepUntil, when set, marks every resource as kept until then (--keep).
	KeepUntil time.Time
	// Log receives one line per container as it becomes ready.
	Log io.Writer
}

// StartAuthsim starts the bundled topology: authsim as the service on
// Postgres, its database link through Toxiproxy.
func StartAuthsim(ctx context.Context, o AuthsimOptions) (*Topology, error) {
	if o.AdminToken == "" {
		o.AdminToken = "authquake"
	}
	env := map[string]string{
		"AUTHSIM_DATABASE_URL": "{{.Postgres.DSN}}",
		"AUTHSIM_ADDR":         ":8080",
		"AUTHSIM_ADMIN_ADDR":   ":8081",
		"AUTHSIM_ADMIN_TOKEN":  o.AdminToken,
		"AUTHSIM_BUGS":         strings.Join(o.Bugs, ","),
	}
	for k, v := range o.Env {
		env[k] = v
	}
	return Start(ctx, Spec{
		RunID:      o.RunID,
		Toxiproxy:  o.Images.Toxiproxy,
		Postgres:   &Postgres{Image: o.Images.Postgres, Database: "authsim", User: "authsim", Password: "authsim"},
		Service:    Container{Name: "service", Image: o.Images.Authsim, Port: 8080, AdminPort: 8081, Env: env, Ready: "/readyz"},
		CPUs:       o.CPUs,
		Memory:     o.Memory,
		AdminToken: o.AdminToken,
		KeepUntil:  o.KeepUntil,
		Log:        o.Log,
	})
}
