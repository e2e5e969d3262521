// Package images builds every container image authquake runs, with no
// registry: Go programs as static binaries in FROM scratch images, Postgres as
// a Debian root filesystem made with debootstrap and imported. Each image is
// tagged with a hash of its inputs, so asking again with nothing changed finds
// the image and does no work.
package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// LabelInputs is the image label that holds the hash of the image's inputs.
const LabelInputs = "io.authquake.inputs"

// Refs names the images of the bundled topology.
type Refs struct {
	Authsim   string `json:"authsim"`
	Toxiproxy string `json:"toxiproxy"`
	Postgres  string `json:"postgres"`
	// Authquake is the harness itself (any subcommand), for shards run
	// by a container engine: authquake swarm, authquake k8s.
	Authquake string `json:"authquake,omitempty"`
	// Dind is a Docker Engine node (a simulated multi-node swarm), built
	// only when asked for.
	Dind string `json:"dind,omitempty"`
}

// Builder makes images on one Docker Engine.
type Builder struct {
	Docker *client.Client
	// Src is the root of the authquake source tree (holding go.mod).
	Src string
	// Cache holds build outputs between calls (binaries, root filesystems, locks).
	Cache string
	// Log receives one line per image: built, or found up to date.
	Log io.Writer
	// NoSource says why Src is empty: authquake runs outside its source
	// tree, so Go images are not built but taken as `authquake images`
	// tagged them (authquake/NAME:local).
	NoSource error
}

// NewBuilder returns a Builder for the source tree found from the working
// directory (or $AUTHQUAKE_SRC) with its cache in the user's cache directory.
func NewBuilder(cli *client.Client, log io.Writer) (*Builder, error) {
	src, noSource := FindSource() // without it, the images authquake images built

	cache := os.Getenv("AUTHQUAKE_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cache = filepath.Join(base, "authquake")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("image cache: %w", err)
	}
	return &Builder{Docker: cli, Src: src, Cache: cache, Log: log, NoSource: noSource}, nil
}

// Need says which of authquake's images a target uses; Dind, the node
// image of a simulated multi-node swarm, is built only when asked for.
type Need struct {
	Postgres, Toxiproxy, Authsim, Authquake, Dind bool
}

// All ensures every image of the bundled topology exists and returns their refs.
func (b *Builder) All(ctx context.Context) (Refs, error) {
	return b.Build(ctx, Need{Postgres: true, Toxiproxy: true, Authsim: true, Authquake: true})
}

// Build ensures the images in need exist, building what is missing, and
// returns their refs; the refs of the others stay empty.
func (b *Builder) Build(ctx context.Context, need Need) (Refs, error) {
	var refs Refs
	var err error
	if need.Postgres {
		if refs.Postgres, err = b.Postgres(ctx); err != nil {
			return refs, err
		}
	}
	if need.Toxiproxy {
		if refs.Toxiproxy, err = b.GoImage(ctx, "toxiproxy", "github.com/Shopify/toxiproxy/v2/cmd/server"); err != nil {
			return refs, err
		}
	}
	if need.Authsim {
		if refs.Authsim, err = b.GoImage(ctx, "authsim", "./targets/authsim"); err != nil {
			return refs, err
		}
	}
	if need.Authquake {
		if refs.Authquake, err = b.GoImage(ctx, "authquake", "./cmd/authquake"); err != nil {
			return refs, err
		}
	}
	if need.Dind {
		if refs.Dind, err = b.Dind(ctx); err != nil {
			return refs, err
		}
	}
	return refs, nil
}

// LocalAlias is the stable name `authquake images` also gives an image:
// authquake/authsim:0e94047… is also authquake/authsim:local.
func LocalAlias(ref string) string {
	if i := strings.LastIndexByte(ref, ':'); i > 0 {
		ref = ref[:i]
	}
	return ref + ":local"
}

// FindSource returns the authquake source tree: $AUTHQUAKE_SRC, or the nearest
// directory at or above the working directory whose go.mod is authquake's.
func FindSource() (string, error) {
	if dir := os.Getenv("AUTHQUAKE_SRC"); dir != "" {
		return dir, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(mod), "module github.com/authquake/authquake\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("authquake source tree not found above the working directory: images are built from source; run from the checkout or set AUTHQUAKE_SRC")
		}
		dir = parent
	}
}

// exists reports whether the image ref is present locally.
func (b *Builder) exists(ctx context.Context, ref string) (bool, error) {
	_, err := b.Docker.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if strings.Contains(err.Error(), "No such image") || isNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s: %w", ref, err)
}

func (b *Builder) logf(format string, args ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format+"\n", args...)
	}
}
