package coord

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// offline is a coordinator of 3 shards that listens nowhere: its routes
// are called directly (fuzzing through a socket would measure the kernel).
func offline(t testing.TB) (*Server, http.Handler) {
	s := &Server{cfg: Config{Token: NewToken(), Shards: 3}, done: map[int]bool{}, joined: map[int]bool{}, change: make(chan struct{}, 1)}
	return s, s.routes()
}

// FuzzMessage: no body of POST /stop, /join or /done, with the token,
// makes the coordinator panic, read past MaxBody, or take a shard number
// outside 0..N-1 or a stop reason past maxReason.
func FuzzMessage(f *testing.F) {
	for _, b := range []string{`{"shard":1}`, `{"shard":2,"reason":"failure ratio 0.6 for 10s"}`, `{"shard":3}`, `{"shard":-1}`,
		`{"shard":1e99}`, `{"shard":"1"}`, `{"shard":1,"extra":true}`, `{"reason":"` + strings.Repeat("x", 5000) + `"}`, `[]`, ``, `{`} {
		for _, p := range []string{"/stop", "/join", "/done"} {
			f.Add(p, []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		s, h := offline(t)
		req := httptest.NewRequest(http.MethodPost, "http://coord/x", bytes.NewReader(body))
		req.URL.Path = path
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == http.StatusOK && len(body) > MaxBody {
			t.Fatalf("%s took a body of %d bytes", path, len(body))
		}
		st := s.State()
		if len(st.Reason) > maxReason || st.Stopped && (st.By < 0 || st.By >= 3) {
			t.Fatalf("stopped by shard %d, reason of %d bytes", st.By, len(st.Reason))
		}
		for _, k := range st.Done {
			if k < 0 || k >= 3 {
				t.Fatalf("shard %d done in a run of 3", k)
			}
		}
		for k := range s.joined {
			if k < 0 || k >= 3 {
				t.Fatalf("shard %d joined a run of 3", k)
			}
		}
	})
}

// FuzzUpload: no body of PUT /results/K, with the token, makes the
// collector panic, write outside its directory, write anything but regular
// files and directories, or keep more than its budget (bytes and entries).
func FuzzUpload(f *testing.F) {
	f.Add("1", archive(f, tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2}))
	f.Add("1", archive(f, tar.Header{Name: "a/b/c.txt", Typeflag: tar.TypeReg, Size: 10}, tar.Header{Name: "d/", Typeflag: tar.TypeDir}))
	f.Add("2", archive(f, tar.Header{Name: "../escaped", Typeflag: tar.TypeReg, Size: 1}))
	f.Add("0", archive(f, tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}))
	f.Add("1", archive(f, tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: 5000}))
	f.Add("1", archive(f, tar.Header{Name: "x", Typeflag: tar.TypeReg, Size: 1}, tar.Header{Name: "y", Typeflag: tar.TypeReg, Size: 1},
		tar.Header{Name: "z", Typeflag: tar.TypeReg, Size: 1}, tar.Header{Name: "w", Typeflag: tar.TypeReg, Size: 1}))
	f.Add("3", []byte("not gzip"))
	f.Fuzz(func(t *testing.T, shard string, body []byte) {
		s, h := offline(t)
		parent := t.TempDir()
		dir := filepath.Join(parent, "shards")
		os.Mkdir(dir, 0o755)
		b := Budget{Bytes: 4096, Files: 3}
		s.Collect(dir, "s", b)
		req := httptest.NewRequest(http.MethodPut, "http://coord/results/x", bytes.NewReader(body))
		req.URL.Path = "/results/" + shard
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if ents, _ := os.ReadDir(parent); len(ents) != 1 {
			t.Fatalf("%d entries beside the collect directory", len(ents))
		}
		var size int64
		entries := 0
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			info, _ := d.Info()
			switch {
			case d.Type().IsRegular():
				size += info.Size()
			case d.IsDir():
			default:
				t.Fatalf("%s: %s is not a file or a directory", p, d.Type())
			}
			entries++
			return nil
		})
		// The shard's own directory is one more entry than its upload's.
		if size > b.Bytes || entries > b.Files+1 {
			t.Fatalf("%d bytes in %d entries kept, budget %+v", size, entries, b)
		}
	})
}
