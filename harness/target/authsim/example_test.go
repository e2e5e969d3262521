package authsim_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/authquake/authquake/harness/docker"
	"github.com/authquake/authquake/harness/images"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target/authsim"
)

// Run starts authsim on its own, as authquake up does: build what it needs
// (no registry), start it with a known bug on, use it, remove it.
func ExampleRun() {
	ctx := context.Background()
	cli, err := docker.Connect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	b, err := images.NewBuilder(cli, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	refs, err := b.Build(ctx, authsim.Module{}.Images(scenario.Target{}))
	if err != nil {
		log.Fatal(err)
	}
	topo, err := authsim.Run(ctx, refs, authsim.WithBugs("limit-race"), authsim.WithLog(os.Stderr))
	defer topo.Close(context.Background()) // what started, even on error
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("payments at", topo.Endpoints.Service, "admin at", topo.Endpoints.Admin)
}
