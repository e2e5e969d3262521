package coord

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// MaxBody is the most a request of /stop, /join or /done may carry: a
// shard number and a stop condition's reason.
const MaxBody = 4 << 10

// maxReason is the longest stop reason kept: it goes into every shard's
// log and run.json.
const maxReason = 1000

// message is the body of POST /stop, /join and /done.
type message struct {
	Shard  int    `json:"shard"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		st := s.State()
		st.NowUnixNano = time.Now().UnixNano()
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /stop", s.post(func(w http.ResponseWriter, m message) {
		if len(m.Reason) > maxReason {
			http.Error(w, fmt.Sprintf("a stop reason of %d bytes: at most %d", len(m.Reason), maxReason), http.StatusBadRequest)
			return
		}
		if s.Stop(m.Reason, m.Shard) && s.cfg.OnStop != nil {
			s.cfg.OnStop(m.Reason, m.Shard)
		}
	}))
	mux.HandleFunc("POST /join", s.post(func(w http.ResponseWriter, m message) {
		if !s.Join(m.Shard) {
			http.Error(w, fmt.Sprintf("shard %d has already joined this run", m.Shard), http.StatusConflict)
		}
	}))
	mux.HandleFunc("POST /done", s.post(func(w http.ResponseWriter, m message) { s.markDone(m.Shard) }))
	mux.HandleFunc("PUT /results/{shard}", s.putResults)
	mux.HandleFunc("GET /refs", s.getRefs)
	return s.guard(mux)
}

// guard answers 401 to a request without the run's token before any of its
// body is read.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="authquake coordinator"`)
			w.Header().Set("Connection", "close")
			http.Error(w, errToken.Error(), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// post decodes a message of at most MaxBody bytes for one of the run's
// shards and hands it to h.
func (s *Server) post(h func(http.ResponseWriter, message)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var m message
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			var big *http.MaxBytesError
			if errors.As(err, &big) {
				http.Error(w, fmt.Sprintf("a body of more than %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.checkShard(m.Shard); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h(w, m)
	}
}

// checkShard refuses a shard number that is not the run's.
func (s *Server) checkShard(k int) error {
	if k < 0 || k >= s.cfg.Shards {
		return fmt.Errorf("shard %d: this run has shards 0 to %d", k, s.cfg.Shards-1)
	}
	return nil
}
