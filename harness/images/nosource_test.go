package images_test

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/authquake/authquake/harness/dockertest"
	"github.com/authquake/authquake/harness/images"
)

// TestOutsideTheSourceTree: a run from a directory of the user's own (no
// authquake source tree) takes the Go images `authquake images` tagged
// :local, and says how to get them when there are none; it failed with
// "source tree not found" even with every image built (Blnk, run from its
// own directory). Needs Docker for the image look-up; starts no container.
func TestOutsideTheSourceTree(t *testing.T) {
	cli := dockertest.Client(t)
	refs := dockertest.Images(t)
	ctx := context.Background()
	b := &images.Builder{Docker: cli, Cache: t.TempDir(), NoSource: context.Canceled}
	const name = "nosource-test"
	if _, err := b.GoImage(ctx, name, "./cmd/none"); err == nil || !strings.Contains(err.Error(), "authquake/"+name+":local") ||
		!strings.Contains(err.Error(), "authquake images") {
		t.Fatalf("no image, no source: %v", err)
	}
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: refs.Toxiproxy, Target: "authquake/" + name + ":local"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(ctx, "authquake/"+name+":local", client.ImageRemoveOptions{}) })
	if ref, err := b.GoImage(ctx, name, "./cmd/none"); err != nil || ref != "authquake/"+name+":local" {
		t.Errorf("GoImage = %q, %v; want the :local image", ref, err)
	}
}
