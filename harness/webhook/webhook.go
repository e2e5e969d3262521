// Package webhook serves the endpoint a service notifies of a payment's
// final state (Stripe- or Alipay-style notify URLs) while a run lasts. It
// checks each notification's signature when the scenario gives a key, and
// hands it to the load's Settlement, which matches it to its payment and
// records it as a notify call. Until the load starts it answers 503, which
// a service that retries its webhooks takes as "later".
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// Receiver is the running endpoint.
type Receiver struct {
	// URL is where the service sends notifications: {{.NotifyURL}}.
	URL     string
	path    string
	srv     *http.Server
	key     []byte // signature key; nil checks none
	header  string
	tsHead  string // signed before the body, "TIMESTAMP.", when set
	base64  bool
	target  atomic.Pointer[load.Settlement]
	last    atomic.Pointer[load.Settlement] // the settlement attached last, for Close
	outside atomic.Int64
	badSig  atomic.Int64
	stopped chan struct{}
}

// Start listens where the scenario says (127.0.0.1:0 by default).
func Start(cfg *scenario.Webhooks, allowRemote bool) (*Receiver, error) {
	host, _, _ := net.SplitHostPort(cfg.Listen)
	if err := egress.CheckHost(host, allowRemote || host == "0.0.0.0"); err != nil {
		return nil, fmt.Errorf("webhooks.listen: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("webhooks: listen on %s: %w", cfg.Listen, err)
	}
	r := &Receiver{path: cfg.Path, stopped: make(chan struct{})}
	addr := ln.Addr().(*net.TCPAddr)
	r.URL = fmt.Sprintf("http://127.0.0.1:%d%s", addr.Port, cfg.Path)
	if g := cfg.Signature; g != nil {
		k, err := secret.Expand(g.Key)
		if g.KeyEnv != "" {
			k, err = secret.Lookup(g.KeyEnv)
		}
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("webhooks.signature: %w", err)
		}
		secret.Register(k)
		r.key, r.header, r.tsHead, r.base64 = []byte(k), g.Header, g.TimestampHeader, g.Encoding == "base64"
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.stopped)
		r.srv.Serve(ln)
	}()
	return r, nil
}

// Attach hands notifications to the load's settlement from now on; nil
// refuses them again (503), once the run has stopped waiting.
func (r *Receiver) Attach(s *load.Settlement) {
	r.target.Store(s)
	if s != nil {
		r.last.Store(s)
	}
}

// ServeHTTP takes one notification.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != r.path {
		http.NotFound(w, req)
		return
	}
	if req.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.key != nil && !r.signed(body, req.Header.Get(r.header), req.Header) {
		r.badSig.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s := r.target.Load()
	if s == nil {
		r.outside.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.Notify(body, at)
	w.WriteHeader(http.StatusOK) // an unknown payment is counted, not the service's retry to make
}

// signed checks an HMAC-SHA256 of the body (of TIMESTAMP.BODY with a
// timestamp header), as hex or base64, with or without a "sha256=" prefix.
func (r *Receiver) signed(body []byte, got string, h http.Header) bool {
	m := hmac.New(sha256.New, r.key)
	if r.tsHead != "" {
		ts := h.Get(r.tsHead)
		if ts == "" {
			return false
		}
		m.Write([]byte(ts + "."))
	}
	m.Write(body)
	sum := m.Sum(nil)
	want := hex.EncodeToString(sum)
	if r.base64 {
		want = base64.StdEncoding.EncodeToString(sum)
	}
	got = strings.TrimPrefix(got, "sha256=")
	return hmac.Equal([]byte(got), []byte(want))
}

// Close stops the endpoint and says what came: the counts of the
// settlement it was attached to, with the notifications refused outside
// the load and for their signature.
func (r *Receiver) Close() load.NotifyStats {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	<-r.stopped
	var st load.NotifyStats
	if s := r.last.Load(); s != nil {
		st = s.Stats()
	}
	st.Outside, st.BadSignature = r.outside.Load(), r.badSig.Load()
	st.Received += st.Outside + st.BadSignature
	return st
}
