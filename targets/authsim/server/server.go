// Package server is authsim's HTTP face: the public authorisation API with its
// protections (per-request deadline, a bounded wait for a worker that sheds
// load fast with 503 "overloaded", maintenance mode), and the admin API that
// authquake's service-level faults drive. API.md documents both.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/authquake/authquake/targets/authsim/ledger"
	"github.com/authquake/authquake/targets/authsim/risk"
)

// Config holds the server's limits and knobs.
type Config struct {
	// MaxInFlight caps concurrent API requests, waiting ones included; the
	// next is shed with 503.
	MaxInFlight int
	// Workers is how many API requests are served at once (0: MaxInFlight);
	// the others wait for one of them, at most QueueWait (0: no bound), and
	// are then shed with 503. A bound on queueing time, not on a count,
	// keeps answers fast whatever the service's throughput is at the moment.
	Workers   int
	QueueWait time.Duration
	// Deadline bounds each request; past it the answer is 504.
	Deadline time.Duration
	// KeyWait is how long a request waits for another in-flight request with
	// the same idempotency key before it is answered 409.
	KeyWait time.Duration
	// AdminToken guards the admin API.
	AdminToken string
	Merchants  risk.MerchantList
	Bugs       ledger.Bugs
}

// Server serves the API and admin handlers over one Ledger.
type Server struct {
	cfg        Config
	ledger     *ledger.Ledger
	slots      chan struct{}
	workers    chan struct{}
	keys       *keyLocks
	metrics    *metrics
	inMaint    atomic.Bool
	retryAfter atomic.Int64 // seconds, for maintenance answers
	strictness atomic.Int64
}

// New returns a Server at normal risk strictness, out of maintenance.
func New(cfg Config, l *ledger.Ledger) *Server {
	if cfg.Workers <= 0 || cfg.Workers > cfg.MaxInFlight {
		cfg.Workers = cfg.MaxInFlight
	}
	s := &Server{cfg: cfg, ledger: l, slots: make(chan struct{}, cfg.MaxInFlight), workers: make(chan struct{}, cfg.Workers),
		keys: newKeyLocks(), metrics: newMetrics()}
	s.strictness.Store(int64(risk.Normal))
	s.retryAfter.Store(30)
	return s
}

// API returns the public handler.
func (s *Server) API() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/authorizations", s.guard("authorize", s.authorize))
	mux.Handle("GET /v1/authorizations/{id}", s.guard("get", s.get))
	mux.Handle("GET /v1/authorizations", s.guard("find", s.find))
	mux.Handle("POST /v1/authorizations/{id}/reversal", s.guard("reverse", s.reverse))
	mux.Handle("GET /v1/accounts/{id}", s.guard("account", s.account))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.metrics.handler())
	return mux
}

// guard wraps an API handler with, in order: maintenance mode, the in-flight
// cap, the wait for a worker, the per-request deadline, and the request
// metrics.
func (s *Server) guard(route string, h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() { s.metrics.observe(route, rec.status, time.Since(start)) }()
		if s.inMaint.Load() {
			rec.Header().Set("Retry-After", strconv.FormatInt(s.retryAfter.Load(), 10))
			writeJSON(rec, http.StatusServiceUnavailable, map[string]string{"code": "91", "reason": "maintenance"})
			return
		}
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		default:
			overloaded(rec)
			return
		}
		if !s.worker(r.Context()) {
			overloaded(rec)
			return
		}
		defer func() { <-s.workers }()
		s.metrics.inflight.Inc()
		defer s.metrics.inflight.Dec()
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Deadline)
		defer cancel()
		h(rec, r.WithContext(ctx))
	})
}

// worker takes a worker slot, waiting at most QueueWait; false is shed.
func (s *Server) worker(ctx context.Context) bool {
	select {
	case s.workers <- struct{}{}:
		return true
	default:
	}
	var expired <-chan time.Time
	if s.cfg.QueueWait > 0 {
		t := time.NewTimer(s.cfg.QueueWait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case s.workers <- struct{}{}:
		return true
	case <-expired:
	case <-ctx.Done():
	}
	return false
}

// overloaded sheds a request: 503, code 91, retry after a second.
func overloaded(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "91", "reason": "overloaded"})
}

func (s *Server) policy() risk.Policy {
	p, _ := risk.PolicyFor(risk.Strictness(s.strictness.Load()), s.cfg.Merchants)
	return p
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, &fieldError{"body", "could not be read: " + err.Error()})
		return
	}
	req, ferr := parseAuthorization(r.Header, body)
	if ferr != nil {
		writeJSON(w, http.StatusBadRequest, ferr)
		return
	}
	if !s.cfg.Bugs.IdempotencyRace {
		release, ok := s.keys.acquire(r.Context(), req.Key, s.cfg.KeyWait)
		if !ok {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "a request with this idempotency key is still in flight", "field": "Idempotency-Key"})
			return
		}
		defer release()
	}
	a, err := s.ledger.Authorize(r.Context(), req, s.policy())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.metrics.authorization(a)
	writeRaw(w, a.Status, a.Body)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	rec, err := s.ledger.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, ledger.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "authorization not found", "field": "id"})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("idempotency_key")
	if key == "" {
		writeJSON(w, http.StatusBadRequest, &fieldError{"idempotency_key", "query parameter is required"})
		return
	}
	recs, err := s.ledger.FindByKey(r.Context(), key)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"authorizations": recs})
}

func (s *Server) reverse(w http.ResponseWriter, r *http.Request) {
	a, err := s.ledger.Reverse(r.Context(), r.PathValue("id"))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeRaw(w, a.Status, a.Body)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	a, err := s.ledger.Account(r.Context(), r.PathValue("id"))
	if errors.Is(err, ledger.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "account not found", "field": "id"})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.ledger.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// internalError answers a failure of the service itself: 504 when the
// request's deadline ran out, 500 otherwise, both with code 96.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		writeJSON(w, http.StatusGatewayTimeout, map[string]string{"code": "96", "reason": "deadline_exceeded"})
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{"code": "96", "reason": "database_error"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
