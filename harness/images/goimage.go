package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/moby/moby/client"
)

const scratchDockerfile = `FROM scratch
COPY app /app
USER 65534:65534
ENTRYPOINT ["/app"]
`

// GoImage builds pkg (a package path or ./dir in the source tree) as a static
// binary and, unless an image with that binary already exists, an image
// authquake/NAME:HASH holding only that binary. Go builds are reproducible, so
// the binary's hash is the hash of every input; the go build itself is served
// from Go's build cache when nothing changed.
//
// Outside the source tree (Src empty) nothing is built: the image is the
// one `authquake images` tagged authquake/NAME:local, if there is one.
func (b *Builder) GoImage(ctx context.Context, name, pkg string) (string, error) {
	if b.Src == "" {
		return b.builtBefore(ctx, name)
	}
	bin := filepath.Join(b.Cache, "bin", name)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = b.Src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s binary: %v\n%s", name, err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(scratchDockerfile), data...))
	hash := hex.EncodeToString(sum[:])[:12]
	ref := "authquake/" + name + ":" + hash
	if ok, err := b.exists(ctx, ref); err != nil || ok {
		if ok {
			b.logf("%-10s %s up to date", name, ref)
		}
		return ref, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(scratchDockerfile)}, {"app", 0o755, data}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return "", err
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	res, err := b.Docker.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags:        []string{ref},
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{LabelInputs: hash},
	})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	defer res.Body.Close()
	if err := streamError(res.Body); err != nil {
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	b.logf("%-10s %s built", name, ref)
	return ref, nil
}

// streamError reads a Docker JSON message stream to its end and returns the
// first error it reports.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != "" {
			return fmt.Errorf("%s", strings.TrimSpace(m.Error))
		}
	}
}

// builtBefore is authquake/NAME:local, tagged by an earlier `authquake
// images`, for a run outside the source tree.
func (b *Builder) builtBefore(ctx context.Context, name string) (string, error) {
	ref := "authquake/" + name + ":local"
	ok, err := b.exists(ctx, ref)
	switch {
	case err != nil:
		return "", err
	case !ok:
		why := b.NoSource
		if why == nil {
			why = fmt.Errorf("no authquake source tree given")
		}
		return "", fmt.Errorf("%w; and there is no %s: run `authquake images` once from the checkout (it tags the images :local), or set AUTHQUAKE_SRC", why, ref)
	}
	b.logf("%-10s %s (built earlier by authquake images: not in the source tree)", name, ref)
	return ref, nil
}
