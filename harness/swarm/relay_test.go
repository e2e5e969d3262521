package swarm

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRelay sends requests through a relay to a server, keeps one
// connection open across Close, and checks that Close ends it and stops
// accepting.
func TestRelay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	defer srv.Close()
	r, err := NewRelay("127.0.0.1:0", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/a", "/b"} {
		res, err := http.Get("http://" + r.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "ok "+path {
			t.Errorf("GET %s through the relay: %q", path, body)
		}
	}
	open, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	io.WriteString(open, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
	if line, err := bufio.NewReader(open).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("kept-alive connection: %q %v", line, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := open.Read(make([]byte, 1)); err == nil {
		t.Errorf("a connection open at Close is still open (read %d bytes)", n)
	}
	if c, err := net.Dial("tcp", r.Addr()); err == nil {
		c.Close()
		t.Errorf("the relay still accepts after Close")
	}
}

func TestRelayTo(t *testing.T) {
	r, got, err := RelayTo("http://127.0.0.1:5555/v1", "127.0.0.1:7190", "10.9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, port, _ := net.SplitHostPort(r.Addr())
	// The shards dial the advertised host at the relay's port; the path stays.
	if want := "http://10.9.9.9:" + port + "/v1"; got != want || port == "7190" {
		t.Errorf("RelayTo = %s, want %s on a port of its own", got, want)
	}
	if _, _, err := RelayTo("::", "127.0.0.1:7190", ""); err == nil {
		t.Errorf("a client link that is no URL was relayed")
	}
}
