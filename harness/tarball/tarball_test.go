package tarball

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSafeKeepsEntriesInside(t *testing.T) {
	for name, ok := range map[string]bool{
		"run.json": true, "a/b/c.txt": true, "dir/": true, "..x": true,
		"": false, "/etc/passwd": false, "..": false, "../x": false, "a/../../x": false, "a/../b": false, `a\..\x`: false,
	} {
		if err := Safe(name); (err == nil) != ok {
			t.Errorf("Safe(%q) = %v, want ok %v", name, err, ok)
		}
	}
}

func TestWriteThenExtract(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(src, "top"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(src, "a", "b", "deep"), []byte("22"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(src, "link")) // not a regular file: left out
	var buf bytes.Buffer
	if err := Write(&buf, src); err != nil {
		t.Fatal(err)
	}
	archive := buf.Bytes()
	dst := filepath.Join(t.TempDir(), "out")
	if err := Extract(bytes.NewReader(archive), dst, nil); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"top": "1", "a/b/deep": "22"} {
		if b, err := os.ReadFile(filepath.Join(dst, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dst, "link")); err == nil {
		t.Error("a symlink was packed")
	}
	// Three bytes of files do not fit in two.
	if err := Extract(bytes.NewReader(archive), t.TempDir(), Limit(2, 0)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit 2: %v, want ErrTooLarge", err)
	}
	// Nor two files in one; nor a file and the two directories its path
	// makes in two entries.
	if err := Extract(bytes.NewReader(archive), t.TempDir(), Limit(0, 1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit 1 entry: %v, want ErrTooLarge", err)
	}
	if err := Extract(bytes.NewReader(archive), t.TempDir(), Limit(0, 3)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit 3 entries for 2 files and 2 directories: %v, want ErrTooLarge", err)
	}
	if err := Extract(bytes.NewReader(archive), t.TempDir(), Limit(0, 4)); err != nil {
		t.Errorf("limit 4 entries for 2 files and 2 directories: %v", err)
	}
	// An archive cut short is a format error, not a success.
	if err := Extract(bytes.NewReader(archive[:len(archive)/2]), t.TempDir(), nil); !errors.Is(err, ErrFormat) {
		t.Errorf("half an archive: %v, want ErrFormat", err)
	}
}
