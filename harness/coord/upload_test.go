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

// collecting serves a coordinator of 3 shards that collects into a
// directory of its own within b, and a client of it as shard 1.
func collecting(t *testing.T, b Budget) (*Server, string, *Client) {
	t.Helper()
	srv, token := serve(t, 3, nil)
	dir := filepath.Join(t.TempDir(), "shards")
	os.Mkdir(dir, 0o755)
	if err := srv.Collect(dir, "s", b); err != nil {
		t.Fatal(err)
	}
	return srv, dir, NewClient("http://"+srv.Addr(), 1, token, egress.Guard{})
}

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUploadBringsARunDirectoryBackWhole(t *testing.T) {
	srv, dir, c := collecting(t, DefaultBudget(3))
	run := filepath.Join(t.TempDir(), "s-shard1-20261130T060000Z")
	files := map[string]string{"run.json": "{}\n", "shard.json": `{"index":1}`, "sub/a.txt": "a", "sub/deeper/b.txt": strings.Repeat("b", 100000)}
	for name, content := range files {
		write(t, filepath.Join(run, name), content)
	}
	write(t, filepath.Join(run, "stale"), "from a checkpoint")
	ctx := context.Background()
	if err := c.Upload(ctx, run, false); err != nil {
		t.Fatal(err)
	}
	if u := srv.Uploads(); len(u) != 1 || u[1] {
		t.Errorf("after a checkpoint, Uploads() = %v, want shard 1 not final", u)
	}
	// The end of the run replaces the checkpoint whole.
	os.Remove(filepath.Join(run, "stale"))
	if err := c.Upload(ctx, run, true); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(dir, "s-shard1")
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
	if c := srv.Collected(); len(c) != 1 || c[0] != got {
		t.Errorf("Collected() = %v, want [%s]", c, got)
	}
	if u := srv.Uploads(); len(u) != 1 || !u[1] {
		t.Errorf("after the final upload, Uploads() = %v, want shard 1 final", u)
	}
	// After its final upload, nothing more of the shard is taken: not even
	// from a holder of the token.
	if err := c.Upload(ctx, run, false); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("an upload after the final one: %v, want 409", err)
	}
}

// put sends body to PUT /results/ + path with token ("": none) and
// returns the answer.
func put(t *testing.T, srv *Server, token, path string, body []byte) (int, string) {
	return send(t, srv, http.MethodPut, token, "/results/"+path, bytes.NewReader(body))
}

// send makes one request of srv and returns its status and body.
func send(t *testing.T, srv *Server, method, token, path string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+srv.Addr()+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// archive is a tar.gz of the given headers, each with size bytes of "x".
func archive(t testing.TB, hs ...tar.Header) []byte {
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
	srv, dir, c := collecting(t, DefaultBudget(3))
	ok := archive(t, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
	tests := []struct {
		name, path string
		body       []byte
		code       int
		says       string
	}{
		// Uploads go to a shard of the run, by number: never to a name.
		{"dotdot name", "..%2Fx", ok, 404, "one of this run's shards"},
		{"a name", "s-shard1-20261130T060000Z", ok, 404, "one of this run's shards"},
		{"shard past N", "3", ok, 404, "shards 0 to 2"},
		{"negative shard", "-1", ok, 404, "shards 0 to 2"},
		// Entries stay inside the shard's directory.
		{"dotdot entry", "1", archive(t, tar.Header{Name: "../escaped", Typeflag: tar.TypeReg, Size: 1}), 400, "unsafe"},
		{"inner dotdot entry", "1", archive(t, tar.Header{Name: "a/../../escaped", Typeflag: tar.TypeReg, Size: 1}), 400, "unsafe"},
		{"absolute entry", "1", archive(t, tar.Header{Name: "/tmp/escaped", Typeflag: tar.TypeReg, Size: 1}), 400, "unsafe"},
		// Regular files only: a link could point anywhere.
		{"symlink", "1", archive(t, tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}), 400, "not a regular file"},
		// Not an archive at all.
		{"not gzip", "1", []byte("hello"), 400, "not a tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := put(t, srv, c.token, tt.path, tt.body)
			if code != tt.code || !strings.Contains(msg, tt.says) {
				t.Errorf("%d %q, want %d saying %q", code, msg, tt.code, tt.says)
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
	plain, token := serve(t, 3, nil)
	if code, msg := put(t, plain, token, "1", ok); code != http.StatusNotFound || !strings.Contains(msg, "collects no results") {
		t.Errorf("%d %q from a coordinator without Collect, want 404", code, msg)
	}
}

func TestUploadEndsWithItsContext(t *testing.T) {
	_, _, c := collecting(t, DefaultBudget(3))
	run := filepath.Join(t.TempDir(), "s-shard1")
	write(t, filepath.Join(run, "run.json"), "{}")
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if err := c.Upload(ctx, run, true); err == nil {
		t.Error("an upload ran past its context")
	}
	// A directory that cannot be read is this side's failure, named.
	if err := c.Upload(context.Background(), filepath.Join(t.TempDir(), "missing"), true); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("upload of a missing directory: %v", err)
	}
}

// noise is n incompressible bytes.
func noise(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return string(b)
}
