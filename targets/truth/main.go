// Command truth is the truth service (targets/truth/server): every payment
// answered a fixed base latency after it arrives, and switches that fail,
// stall, slow or partly fail the answers due while they are on, each flip
// logged with its instant. authquake's impact and recovery figures are
// checked against it (matrix_test.go; make bench-truth for the long matrix).
//
//	truth -base 1.5s              # prints its URL, then one line per flip
//	curl -X POST 'URL/switch/db/on?mode=stall'
//	curl -X POST 'URL/switch/db/off'
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/authquake/authquake/targets/truth/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	base := flag.Duration("base", 0, "every answer is due this long after its request arrives")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("http://" + l.Addr().String())
	s := server.New(*base)
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.HandleFunc("/flips", func(w http.ResponseWriter, r *http.Request) {
		for _, f := range s.Flips() {
			fmt.Fprintf(w, "%s %s on=%t %s\n", f.At.UTC().Format(time.RFC3339Nano), f.Name, f.On, f.Mode)
		}
	})
	log.SetOutput(os.Stderr)
	log.Fatal(http.Serve(l, mux))
}
