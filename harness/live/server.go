package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authquake/authquake/harness/egress"
)

// Server serves an Exporter's metrics at /metrics.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Serve listens on addr (host:port; port 0 picks a free one) and serves e's
// metrics. A host that is not this machine, or an empty host (every
// interface), is refused unless allowRemote: the endpoint tells whoever
// reaches it what is being tested.
func Serve(addr string, allowRemote bool, e *Exporter) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %q: %w (e.g. 127.0.0.1:9464)", addr, err)
	}
	if host == "" && !allowRemote {
		return nil, fmt.Errorf("--metrics-addr %q listens on every interface: give 127.0.0.1:PORT, or pass --allow-remote", addr)
	}
	if host != "" {
		if err := egress.CheckHost(host, allowRemote); err != nil {
			return nil, fmt.Errorf("--metrics-addr %q: %w", addr, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.Registry(), promhttp.HandlerOpts{Registry: e.Registry(), EnableOpenMetrics: true}))
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ln.Close()
		}
	}()
	return s, nil
}

// URL is the metrics endpoint's address.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/metrics" }

// Close stops serving, letting a scrape in progress finish for up to 2 s.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
