// Command trivial is the fastest authorisation "service" there is: it
// answers every request with a fixed approval. make bench loads it to
// measure the load generators, not a service.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

var approved = []byte(`{"id":"auth_0","status":"approved","code":"00","account_id":"acct-000001","amount_minor":1,"available_minor":1}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	delay := flag.Duration("delay", 0, "answer after this long, as a service with a fixed service time")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.WriteString("http://" + l.Addr().String() + "\n")
	log.Fatal(http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if *delay > 0 {
			time.Sleep(*delay)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(approved)
	})))
}
