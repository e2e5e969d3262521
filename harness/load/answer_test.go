package load

import (
	"bufio"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/record"
)

// endless answers every request with 201 and a JSON body that never ends:
// chunked, or with a declared length of a gigabyte. It allocates nothing
// while it writes, so that the test counts the client's allocations.
func endless(chunked bool) func(net.Conn) {
	head := []byte("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
	piece := []byte(`{"status":"approved","pad":"` + strings.Repeat("x", 32<<10))
	if chunked {
		head = []byte("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
		piece = append(append([]byte(strconv.FormatInt(int64(len(piece)), 16)+"\r\n"), piece...), "\r\n"...)
	}
	return func(c net.Conn) {
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		req.Body.Close()
		if _, err := c.Write(head); err != nil {
			return
		}
		for {
			if _, err := c.Write(piece); err != nil {
				return
			}
		}
	}
}

// TestAnswerMemoryBounded: an answer that never ends holds at most
// max_answer_bytes in the generator: it is classified by its status and the
// part read, counted as truncated, and its connection closed. Before, each
// was read up to 16 MiB (an endless chunked body at 20/s took the generator
// to 892 MB in 5 s) and recorded as a conn_error.
func TestAnswerMemoryBounded(t *testing.T) {
	for _, chunked := range []bool{true, false} {
		base := listenerThat(t, endless(chunked))
		s := scenarioOf(t, `name: t
seed: 1
traffic: {phases: [{duration: 1s, shape: constant, rate: 20/s}]}
requests: {client: {timeout: 2s, max_answer_bytes: 64KiB}}
`)
		sink := &memSink{}
		atk, err := New(Options{Scenario: s, Seed: 1, Base: base, Sinks: []Sink{sink}})
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res := atk.Run()
		runtime.ReadMemStats(&after)
		mb := (after.TotalAlloc - before.TotalAlloc) >> 20
		t.Logf("chunked %v: %d MB", chunked, mb)
		if mb > 16 {
			t.Errorf("chunked %v: 20 endless answers allocated %d MB", chunked, mb)
		}
		if res.Truncated != 20 {
			t.Errorf("chunked %v: %d answers counted as truncated, want 20", chunked, res.Truncated)
		}
		for _, a := range sink.as {
			if a.Outcome != record.Approved || a.Status != 201 {
				t.Errorf("chunked %v: attempt %d: %s %d %s, want approved by its status", chunked, a.Seq, a.Outcome, a.Status, a.Error)
				break
			}
		}
	}
}
