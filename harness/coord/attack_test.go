package coord

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authquake/authquake/harness/egress"
)

// These are the attacks on the coordination endpoint that the "closed
// doors" review reproduced, each against a server of 3 shards: what a
// neighbour on the network (no token) or a confused shard could do.

// post sends body to POST path with token ("": none) and returns the answer.
func post(t *testing.T, srv *Server, token, path string, body io.Reader) (int, string) {
	return send(t, srv, http.MethodPost, token, path, body)
}

func TestStrangersAreRefusedEverywhere(t *testing.T) {
	stopped := make(chan string, 1)
	srv, token := serve(t, 3, func(reason string, _ int) { stopped <- reason })
	srv.Collect(t.TempDir(), "s", DefaultBudget(3))
	wrong := NewToken()
	for _, tok := range []string{"", wrong, token[:len(token)-1], token + "0"} {
		for _, r := range []struct{ method, path, body string }{
			// The review's attack: a stop with the attacker's reason aborted shard 0 (exit 4).
			{"POST", "/stop", `{"reason":"attacker","shard":1}`},
			// A fake join made the real shard 1 exit 0 without sending.
			{"POST", "/join", `{"shard":1}`},
			{"POST", "/done", `{"shard":1}`},
			{"GET", "/state", ""},
			// An upload replaced a shard's results.
			{"PUT", "/results/1", string(archive(t, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Size: 1}))},
		} {
			if code, _ := send(t, srv, r.method, tok, r.path, strings.NewReader(r.body)); code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", r.method, r.path, tok, code)
			}
		}
	}
	select {
	case r := <-stopped:
		t.Errorf("a stranger stopped the run: %q", r)
	default:
	}
	if st := srv.State(); st.Stopped || len(st.Done) > 0 {
		t.Errorf("a stranger changed the state: %+v", st)
	}
	if got := srv.Collected(); len(got) > 0 {
		t.Errorf("a stranger's upload was kept: %v", got)
	}
	// The real shard 1 still joins: no stranger took its place.
	if err := NewClient("http://"+srv.Addr(), 1, token, egress.Guard{}).Join(context.Background()); err != nil {
		t.Errorf("the real shard 1 could not join: %v", err)
	}
}

// TestShardNumbersAreTheRuns: shard numbers >= N posted as done ended
// shard 0's wait for the others early.
func TestShardNumbersAreTheRuns(t *testing.T) {
	srv, token := serve(t, 3, nil)
	for _, k := range []int{3, 4, 1000, -1} {
		if code, msg := post(t, srv, token, "/done", strings.NewReader(fmt.Sprintf(`{"shard":%d}`, k))); code != http.StatusBadRequest || !strings.Contains(msg, "shards 0 to 2") {
			t.Errorf("done of shard %d: %d %q, want 400", k, code, msg)
		}
		if code, _ := post(t, srv, token, "/join", strings.NewReader(fmt.Sprintf(`{"shard":%d}`, k))); code != http.StatusBadRequest {
			t.Errorf("join of shard %d: %d, want 400", k, code)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if n := srv.WaitDone(ctx, 2); n != 0 {
		t.Errorf("%d shards counted done, want none", n)
	}
}

// TestBodiesAreBounded: a 400 MB /stop body drove the coordinator to
// 2.2 GB; a body is now read to MaxBody at most, token or not.
func TestBodiesAreBounded(t *testing.T) {
	srv, token := serve(t, 3, nil)
	big := `{"shard":1,"reason":"` + strings.Repeat("x", 8<<20) + `"}`
	for _, path := range []string{"/stop", "/join", "/done"} {
		if code, _ := post(t, srv, token, path, strings.NewReader(big)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with 8 MB: %d, want 413", path, code)
		}
	}
	// A reason within the body's bound but past what is kept.
	if code, _ := post(t, srv, token, "/stop", strings.NewReader(`{"shard":1,"reason":"`+strings.Repeat("x", 2000)+`"}`)); code != http.StatusBadRequest {
		t.Errorf("a 2000-byte reason: %d, want 400", code)
	}
	if srv.State().Stopped {
		t.Error("an oversized stop stopped the run")
	}
}

// TestUploadsKeepToTheRunsBudget: 1 MB of gzip unpacked to 1.1 GiB per
// request, 620 KB to 100k files, with no bound on how many uploads or
// under which names; now the run's shards share one budget, counted as
// unpacked (bytes and entries), each shard at most MaxUploads times.
func TestUploadsKeepToTheRunsBudget(t *testing.T) {
	srv, dir, c := collecting(t, Budget{Bytes: 1 << 20, Files: 50})
	// One byte repeated: a small body that unpacks past the budget.
	bomb := archive(t, tar.Header{Name: "xs", Typeflag: tar.TypeReg, Size: 2 << 20})
	if code, msg := put(t, srv, c.token, "1", bomb); code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "1048576 bytes") {
		t.Errorf("%d %q for %d bytes that unpack to 2 MiB, want 413 naming the budget", code, msg, len(bomb))
	}
	// Many empty entries: files, directories, or the directories of a deep path.
	var files, dirs []tar.Header
	for i := range 200 {
		files = append(files, tar.Header{Name: fmt.Sprintf("f%d", i), Typeflag: tar.TypeReg})
		dirs = append(dirs, tar.Header{Name: fmt.Sprintf("d%d/", i), Typeflag: tar.TypeDir})
	}
	deep := tar.Header{Name: strings.Repeat("d/", 200) + "f", Typeflag: tar.TypeReg} // one entry, 200 directories
	for what, a := range map[string][]byte{"200 empty files": archive(t, files...), "200 directories": archive(t, dirs...),
		"a file 200 directories deep": archive(t, deep)} {
		if code, msg := put(t, srv, c.token, "1", a); code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "50 entries") {
			t.Errorf("%s: %d %q, want 413", what, code, msg)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("refused uploads left %d entries", len(ents))
	}
	// The budget is the run's: what one shard holds, another cannot take.
	run := filepath.Join(t.TempDir(), "r")
	write(t, filepath.Join(run, "attempts.csv.gz"), noise(600<<10))
	if err := c.Upload(context.Background(), run, false); err != nil {
		t.Fatal(err)
	}
	two := NewClient("http://"+srv.Addr(), 2, c.token, egress.Guard{})
	if err := two.Upload(context.Background(), run, false); err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("shard 2's upload past what shard 1 left: %v, want 413", err)
	}
	// A shard's copy is given back once the upload replacing it has
	// landed: shard 1's 600 KB checkpoint and its 300 KB successor fit
	// together, and then leave room for shard 2.
	write(t, filepath.Join(run, "attempts.csv.gz"), noise(300<<10))
	if err := c.Upload(context.Background(), run, false); err != nil {
		t.Errorf("shard 1 replacing its own checkpoint: %v", err)
	}
	if err := two.Upload(context.Background(), run, true); err != nil {
		t.Errorf("shard 2 once shard 1's copy shrank: %v", err)
	}
}

func TestUploadsPerShardAreCounted(t *testing.T) {
	srv, _, c := collecting(t, DefaultBudget(3))
	small := archive(t, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Size: 2})
	for i := range MaxUploads {
		if code, msg := put(t, srv, c.token, "1", small); code != http.StatusOK {
			t.Fatalf("upload %d: %d %q", i+1, code, msg)
		}
	}
	if code, _ := put(t, srv, c.token, "1", small); code != http.StatusTooManyRequests {
		t.Errorf("upload %d: %d, want 429", MaxUploads+1, code)
	}
}

// TestASlowUploadIsCutOff: an upload that stopped sending held its
// connection (and the collector) forever; the server now has a read
// timeout.
func TestASlowUploadIsCutOff(t *testing.T) {
	defer func(d time.Duration) { readTimeout = d }(readTimeout)
	readTimeout = 500 * time.Millisecond
	srv, dir, c := collecting(t, DefaultBudget(3))
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /results/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000000\r\n\r\n", c.token)
	conn.Write(archive(t, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Size: 2})[:20]) // then nothing more
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still held the stalled upload after 30 s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for ents, _ := os.ReadDir(dir); len(ents) > 0; ents, _ = os.ReadDir(dir) {
		if time.Now().After(deadline) {
			t.Fatalf("the stalled upload left %d entries", len(ents))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
