package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/moby/moby/client"
)

// rootfsImage is an image made from Debian's packages: a minimal root
// filesystem made with debootstrap, trimmed, with files of authquake's
// added, and imported with no registry.
type rootfsImage struct {
	// name is the image's name below authquake/ (postgres, dind).
	name string
	// packages are debootstrap's --include list, comma-separated.
	packages string
	// trim are globs removed from the root filesystem after debootstrap.
	trim []string
	// changes are Dockerfile instructions applied on import (ENV, ENTRYPOINT).
	changes []string
	// files are written into the root filesystem, executable, by path.
	files map[string]string
	// version starts what the tag hashes: a new one rebuilds the image.
	version string
	// override is the variable whose value, when set, names an image to use instead.
	override string
	// about is how long a build takes, for the log line.
	about string
}

// docTrim is what no image needs of a Debian root filesystem.
var docTrim = []string{
	"var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
	"usr/share/locale", "usr/share/info",
}

// debian returns authquake/NAME:HASH, building it from Debian's packages
// when it is missing, or the image $OVERRIDE names when that is set. HASH
// covers the suite and every input of img, so a second call with nothing
// changed does no work; one build of an image runs at a time on this
// machine (parallel test packages share it).
func (b *Builder) debian(ctx context.Context, img rootfsImage) (string, error) {
	if ref := os.Getenv(img.override); ref != "" {
		return ref, nil
	}
	mirror, suite, err := DebianSource()
	if err != nil {
		return "", err
	}
	paths := make([]string, 0, len(img.files))
	for p := range img.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%s\n", img.version, suite, img.packages, strings.Join(img.trim, ","), strings.Join(img.changes, ","))
	for _, p := range paths {
		h.Write([]byte(img.files[p]))
	}
	hash := hex.EncodeToString(h.Sum(nil))[:12]
	ref := "authquake/" + img.name + ":" + hash
	if ok, err := b.exists(ctx, ref); err != nil || ok {
		if ok {
			b.logf("%-10s %s up to date", img.name, ref)
		}
		return ref, err
	}
	lock, err := os.OpenFile(filepath.Join(b.Cache, img.name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s build: %w", img.name, err)
	}
	if ok, err := b.exists(ctx, ref); err != nil || ok {
		return ref, err
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("building the %s image needs root for debootstrap: run `sudo make images`, or set %s to a local image", img.name, img.override)
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", fmt.Errorf("debootstrap not found: install it (apt-get install debootstrap), or set %s to a local image", img.override)
	}
	b.logf("%-10s building %s from Debian %s (debootstrap, %s)", img.name, ref, suite, img.about)
	root, err := os.MkdirTemp(b.Cache, "rootfs-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(root)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+img.packages, suite, root, mirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("debootstrap %s from %s: %v\n%s", suite, mirror, err, tail(out, 20))
	}
	for _, pattern := range img.trim {
		matches, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return "", err
			}
		}
	}
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(root, p), []byte(img.files[p]), 0o755); err != nil {
			return "", err
		}
	}
	if err := b.importRoot(ctx, root, ref, append(img.changes, "LABEL "+LabelInputs+"="+hash)); err != nil {
		return "", fmt.Errorf("import %s image: %w", img.name, err)
	}
	b.logf("%-10s %s built", img.name, ref)
	return ref, nil
}

// importRoot imports the directory root as the image ref (docker import).
func (b *Builder) importRoot(ctx context.Context, root, ref string, changes []string) error {
	tarCmd := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", root, "-cf", "-", ".")
	tarOut, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("tar root filesystem: %w", err)
	}
	res, err := b.Docker.ImageImport(ctx, client.ImageImportSource{Source: tarOut, SourceName: "-"}, ref,
		client.ImageImportOptions{Changes: changes})
	if err != nil {
		tarCmd.Process.Kill()
		tarCmd.Wait()
		return err
	}
	defer res.Close()
	if err := streamError(res); err != nil {
		return err
	}
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar root filesystem: %w", err)
	}
	return nil
}
