package images

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
)

//go:embed postgres-entrypoint.sh
var pgEntrypoint string

// pgPackages are installed into the minimal Debian root filesystem.
const pgPackages = "postgresql"

// pgTrim is removed from the root filesystem after debootstrap: caches,
// documentation, and the JIT (jit = off) whose LLVM is a third of the size.
var pgTrim = append(slices.Clone(docTrim),
	"usr/lib/x86_64-linux-gnu/libLLVM-*", "usr/lib/postgresql/*/lib/bitcode",
	"usr/lib/postgresql/*/lib/llvmjit*",
)

var pgChanges = []string{
	"ENV PGDATA=/var/lib/postgresql/data",
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"USER postgres",
	"EXPOSE 5432",
	`ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]`,
}

// Postgres returns a Postgres image. $AUTHQUAKE_POSTGRES_IMAGE, when set, names
// an image to use as it is (an upstream postgres image on a machine that can
// pull one). Otherwise the image is made from Debian's packages: debootstrap a
// minimal root filesystem from the mirror in the host's apt sources (or
// $AUTHQUAKE_DEBIAN_MIRROR), trim it, and import it. It is tagged with a hash
// of the suite, packages, trim list and entrypoint, so it is built once.
func (b *Builder) Postgres(ctx context.Context) (string, error) {
	return b.debian(ctx, rootfsImage{
		name: "postgres", version: "v1", packages: pgPackages, trim: pgTrim, changes: pgChanges,
		files:    map[string]string{"usr/local/bin/docker-entrypoint.sh": pgEntrypoint},
		override: "AUTHQUAKE_POSTGRES_IMAGE",
		about:    "about a minute",
	})
}

// DebianSource returns the Debian mirror and suite to debootstrap from:
// $AUTHQUAKE_DEBIAN_MIRROR and $AUTHQUAKE_DEBIAN_SUITE when set, otherwise the
// first Debian archive (not the security archive) in the host's apt sources.
func DebianSource() (mirror, suite string, err error) {
	mirror, suite = os.Getenv("AUTHQUAKE_DEBIAN_MIRROR"), os.Getenv("AUTHQUAKE_DEBIAN_SUITE")
	if mirror != "" && suite != "" {
		return mirror, suite, nil
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, f := range files {
		if m, s := parseDeb822(f); m != "" {
			return or(mirror, m), or(suite, s), nil
		}
	}
	for _, f := range append([]string{"/etc/apt/sources.list"}, globList()...) {
		if m, s := parseOneLine(f); m != "" {
			return or(mirror, m), or(suite, s), nil
		}
	}
	return "", "", fmt.Errorf("no Debian mirror found in /etc/apt/sources.list*: set AUTHQUAKE_DEBIAN_MIRROR and AUTHQUAKE_DEBIAN_SUITE")
}

func globList() []string { m, _ := filepath.Glob("/etc/apt/sources.list.d/*.list"); return m }

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func debianArchive(uri string) bool {
	return strings.HasSuffix(strings.TrimRight(uri, "/"), "/debian")
}

// parseDeb822 reads a deb822 .sources file and returns the first Debian
// archive's URI and suite.
func parseDeb822(path string) (mirror, suite string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	for _, stanza := range strings.Split(string(data), "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && !strings.HasPrefix(k, "#") {
				fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		if strings.Contains(fields["Enabled"], "no") || !strings.Contains(" "+fields["Types"]+" ", " deb ") {
			continue
		}
		for _, uri := range strings.Fields(fields["URIs"]) {
			if suites := strings.Fields(fields["Suites"]); debianArchive(uri) && len(suites) > 0 {
				return uri, suites[0]
			}
		}
	}
	return "", ""
}

// parseOneLine reads a one-line-style sources.list and returns the first Debian
// archive's URI and suite.
func parseOneLine(path string) (mirror, suite string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // options: [arch=amd64 signed-by=...]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			f = f[1:]
		}
		if len(f) >= 2 && debianArchive(f[0]) {
			return f[0], f[1]
		}
	}
	return "", ""
}

func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
