package coord

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// collecting serves a coordinator that collects into a directory of its own.
func collecting(t *testing.T) (*Server, string, *Client) {
	t.Helper()
	srv, err := Serve("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := filepath.Join(t.TempDir(), "shards")
	os.Mkdir(dir, 0o755)
	srv.Collect(dir)
	return srv, dir, NewClient("http://"+srv.Addr(), 1, egress.Guard{})
}

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUploadBringsARunDirectoryBackWhole(t *testing.T) {
	_, dir, c := collecting(t)
	run := filepath.Join(t.TempDir(), "s-shard1-20261130T060000Z")
	files := map[string]string{"run.json": "{}\n", "shard.json": `{"index":1}`, "sub/a.txt": "a", "sub/deeper/b.txt": strings.Repeat("b", 100000)}
	for name, content := range files {
		write(t, filepath.Join(run, name), content)
	}
	write(t, filepath.Join(run, "stale"), "from a checkpoint")
	ctx := context.Background()
	if err := c.Upload(ctx, run); err != nil {
		t.Fatal(err)
	}
	// The end of the run replaces the checkpoint whole.
	os.Remove(filepath.Join(run, "stale"))
	if err := c.Upload(ctx, run); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(dir, filepath.Base(run))
	for name, content := range files {
		if b, err := os.ReadFile(filepath.Join(got, name)); err != nil || string(b) != content {
			t.Errorf("%s: %d bytes, %v; want %d", name, len(b), err, len(content))
		}
	}
	if _, err := os.Stat(filepath.Join(got, "stale")); err == nil {
		t.Error("a file of the first upload survived the second")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the collect directory, want the one run directory (no upload left in progress)", len(ents))
	}
}

// put sends body to PUT /results/ + escapedName and returns the answer.
func put(t *testing.T, srv *Server, escapedName string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+srv.Addr()+"/results/"+escapedName, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// archive is a tar.gz of the given headers, each with size bytes of "x".
func archive(t *testing.T, hs ...tar.Header) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range hs {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestCollectRefusesWhatWouldLeaveItsDirectory(t *testing.T) {
	srv, dir, _ := collecting(t)
	ok := archive(t, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
	tests := []struct {
		name, escaped string
		body          []byte
		says          string
	}{
		// The name is one directory's, never a path.
		{"dotdot name", "..%2Fx", ok, "plain name"},
		{"nested name", "a%2Fb", ok, "plain name"},
		{"hidden name", ".upload-1", ok, "plain name"},
		// Entries stay inside the shard's directory.
		{"dotdot entry", "s-shard1", archive(t, tar.Header{Name: "../escaped", Typeflag: tar.TypeReg, Size: 1}), "unsafe"},
		{"inner dotdot entry", "s-shard1", archive(t, tar.Header{Name: "a/../../escaped", Typeflag: tar.TypeReg, Size: 1}), "unsafe"},
		{"absolute entry", "s-shard1", archive(t, tar.Header{Name: "/tmp/escaped", Typeflag: tar.TypeReg, Size: 1}), "unsafe"},
		// Regular files only: a link could point anywhere.
		{"symlink", "s-shard1", archive(t, tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}), "not a regular file"},
		// Not an archive at all.
		{"not gzip", "s-shard1", []byte("hello"), "not a tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := put(t, srv, tt.escaped, tt.body)
			if code != http.StatusBadRequest || !strings.Contains(msg, tt.says) {
				t.Errorf("%d %q, want 400 saying %q", code, msg, tt.says)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused uploads left %d entries", len(ents))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped")); err == nil {
		t.Error("an entry escaped the collect directory")
	}
	// A coordinator that does not collect says so.
	plain, err := Serve("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if code, msg := put(t, plain, "s-shard1", ok); code != http.StatusNotFound || !strings.Contains(msg, "collects no results") {
		t.Errorf("%d %q from a coordinator without Collect, want 404", code, msg)
	}
}

func TestCollectCapsAnUpload(t *testing.T) {
	srv, dir, c := collecting(t)
	srv.mu.Lock()
	srv.maxUpload = 64 << 10
	srv.mu.Unlock()
	noise := make([]byte, 200<<10) // incompressible: the body itself is over the cap
	rand.Read(noise)
	run := filepath.Join(t.TempDir(), "s-shard1")
	write(t, filepath.Join(run, "attempts.csv.gz"), string(noise))
	if err := c.Upload(context.Background(), run); err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("an upload over the cap: %v, want 413", err)
	}
	// One byte repeated compresses to a small body that unpacks past the cap.
	bomb := archive(t, tar.Header{Name: "xs", Typeflag: tar.TypeReg, Size: 1 << 20})
	if code, msg := put(t, srv, "s-shard2", bomb); code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d %q for %d bytes that unpack to 1 MiB, want 413", code, msg, len(bomb))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused uploads left %d entries", len(ents))
	}
}

func TestUploadEndsWithItsContext(t *testing.T) {
	_, _, c := collecting(t)
	run := filepath.Join(t.TempDir(), "s-shard1")
	write(t, filepath.Join(run, "run.json"), "{}")
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if err := c.Upload(ctx, run); err == nil {
		t.Error("an upload ran past its context")
	}
	// A directory that cannot be read is this side's failure, named.
	if err := c.Upload(context.Background(), filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("upload of a missing directory: %v", err)
	}
}
