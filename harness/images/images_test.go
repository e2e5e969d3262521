package images

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseAptSources(t *testing.T) {
	dir := t.TempDir()
	deb822 := filepath.Join(dir, "debian.sources")
	os.WriteFile(deb822, []byte(`Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb deb-src
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
`), 0o644)
	if m, s := parseDeb822(deb822); m != "http://mirror.example/debian" || s != "bookworm" {
		t.Errorf("deb822: %q %q", m, s)
	}
	list := filepath.Join(dir, "sources.list")
	os.WriteFile(list, []byte("# deb http://x/debian sid main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ trixie main\n"), 0o644)
	if m, s := parseOneLine(list); m != "http://mirror.example/debian/" || s != "trixie" {
		t.Errorf("one-line: %q %q", m, s)
	}
	disabled := filepath.Join(dir, "off.sources")
	os.WriteFile(disabled, []byte("Enabled: no\nTypes: deb\nURIs: http://m/debian\nSuites: bookworm\n"), 0o644)
	if m, _ := parseDeb822(disabled); m != "" {
		t.Errorf("a disabled source was used: %q", m)
	}
}

func TestDebianSourceOverride(t *testing.T) {
	t.Setenv("AUTHQUAKE_DEBIAN_MIRROR", "http://m/debian")
	t.Setenv("AUTHQUAKE_DEBIAN_SUITE", "bookworm")
	if m, s, err := DebianSource(); err != nil || m != "http://m/debian" || s != "bookworm" {
		t.Errorf("%q %q %v", m, s, err)
	}
}

func TestFindSource(t *testing.T) {
	src, err := FindSource()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "targets", "authsim", "main.go")); err != nil {
		t.Errorf("FindSource() = %s: not the authquake tree", src)
	}
}
