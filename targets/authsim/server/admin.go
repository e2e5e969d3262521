package server

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/authquake/authquake/targets/authsim/ledger"
	"github.com/authquake/authquake/targets/authsim/risk"
)

// Admin returns the admin handler: every route needs the admin token as
// "Authorization: Bearer TOKEN".
func (s *Server) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/accounts", s.openAccount)
	mux.HandleFunc("POST /admin/accounts/seed", s.seed)
	mux.HandleFunc("POST /admin/accounts/bulk", s.bulk)
	mux.HandleFunc("POST /admin/accounts/restore", s.restore)
	mux.HandleFunc("PUT /admin/accounts/{id}/limit", s.setLimit)
	mux.HandleFunc("POST /admin/accounts/{id}/freeze", s.freeze(true))
	mux.HandleFunc("POST /admin/accounts/{id}/unfreeze", s.freeze(false))
	mux.HandleFunc("PUT /admin/maintenance", s.setMaintenance)
	mux.HandleFunc("PUT /admin/risk", s.setRisk)
	mux.HandleFunc("GET /admin/state", s.state)
	mux.HandleFunc("GET /admin/ledger", s.snapshot)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin token missing or wrong", "field": "Authorization"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// decode reads a strict JSON body into v, answering 400 naming the field.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, jsonError(err))
		return false
	}
	return true
}

// seedRequest creates Count accounts PREFIX000001… with limits drawn from a
// distribution with a fixed seed, so the same request gives the same limits.
type seedRequest struct {
	Count        int    `json:"count"`
	Prefix       string `json:"prefix"`
	Currency     string `json:"currency"`
	LimitMin     int64  `json:"limit_min_minor"`
	LimitMax     int64  `json:"limit_max_minor"`
	Distribution string `json:"distribution"` // uniform (default) or lognormal
	Seed         uint64 `json:"seed"`
}

func (s *Server) seed(w http.ResponseWriter, r *http.Request) {
	req := seedRequest{Prefix: "acct-", Currency: "EUR", Distribution: "uniform"}
	if !decode(w, r, &req) {
		return
	}
	var bad *fieldError
	switch {
	case req.Count < 1 || req.Count > 10_000_000:
		bad = &fieldError{"count", "must be from 1 to 10000000"}
	case req.LimitMin < 1 || req.LimitMax < req.LimitMin:
		bad = &fieldError{"limit_max_minor", "need 1 <= limit_min_minor <= limit_max_minor"}
	case !currencyPattern.MatchString(req.Currency):
		bad = &fieldError{"currency", "must be three capital letters"}
	case req.Distribution != "uniform" && req.Distribution != "lognormal":
		bad = &fieldError{"distribution", "must be uniform or lognormal"}
	}
	if bad != nil {
		writeJSON(w, http.StatusBadRequest, bad)
		return
	}
	ids, limits := SeedAccounts(req.Count, req.Prefix, req.LimitMin, req.LimitMax, req.Distribution, req.Seed)
	if err := s.ledger.Seed(r.Context(), ids, limits, req.Currency); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"created": len(ids), "first": ids[0], "last": ids[len(ids)-1]})
}

// SeedAccounts returns the ids and limits a seed request creates. Lognormal
// limits have their median at the geometric mean of min and max, with 95% of
// them inside [min, max]; the rest are clamped.
func SeedAccounts(n int, prefix string, min, max int64, dist string, seed uint64) ([]string, []int64) {
	ids, limits := make([]string, n), make([]int64, n)
	mu := (math.Log(float64(min)) + math.Log(float64(max))) / 2
	sigma := (math.Log(float64(max)) - math.Log(float64(min))) / 4
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%06d", prefix, i+1)
		rng := rand.New(rand.NewPCG(seed, accountStream(i)))
		if dist == "lognormal" {
			v := int64(math.Exp(mu + sigma*rng.NormFloat64()))
			limits[i] = clamp(v, min, max)
		} else {
			limits[i] = min + rng.Int64N(max-min+1)
		}
	}
	return ids, limits
}

// accountStream seeds account i's own generator, as authquake does
// (harness/traffic.AccountLimit): any account's limit can be drawn alone.
func accountStream(i int) uint64 {
	z := uint64(i) + 0x5eed_9e37_79b9_7f4a
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func clamp(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	var c ledger.Change
	if !decode(w, r, &c) {
		return
	}
	if len(c.IDs) == 0 {
		writeJSON(w, http.StatusBadRequest, &fieldError{"ids", "must list at least one account"})
		return
	}
	if c.LimitFactor != nil && (*c.LimitFactor < 0 || *c.LimitFactor > 100) {
		writeJSON(w, http.StatusBadRequest, &fieldError{"limit_factor", "must be from 0 to 100"})
		return
	}
	before, err := s.ledger.Apply(r.Context(), c)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"before": before})
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Accounts []ledger.Restoration `json:"accounts"`
	}
	if !decode(w, r, &body) {
		return
	}
	if err := s.ledger.Restore(r.Context(), body.Accounts); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"restored": len(body.Accounts)})
}

func (s *Server) setLimit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		LimitMinor *int64 `json:"limit_minor"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.LimitMinor == nil || *body.LimitMinor < 0 {
		writeJSON(w, http.StatusBadRequest, &fieldError{"limit_minor", "is required and must be >= 0"})
		return
	}
	s.applyOne(w, r, ledger.Change{IDs: []string{r.PathValue("id")}, LimitMinor: body.LimitMinor})
}

func (s *Server) freeze(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.applyOne(w, r, ledger.Change{IDs: []string{r.PathValue("id")}, Frozen: &on})
	}
}

func (s *Server) applyOne(w http.ResponseWriter, r *http.Request, c ledger.Change) {
	before, err := s.ledger.Apply(r.Context(), c)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(before) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "account not found", "field": "id"})
		return
	}
	a, err := s.ledger.Account(r.Context(), c.IDs[0])
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"before": before[0], "after": a})
}

func (s *Server) setMaintenance(w http.ResponseWriter, r *http.Request) {
	var body struct {
		On         *bool `json:"on"`
		RetryAfter *int  `json:"retry_after_s"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.On == nil {
		writeJSON(w, http.StatusBadRequest, &fieldError{"on", "is required: true or false"})
		return
	}
	if body.RetryAfter != nil {
		if *body.RetryAfter < 0 {
			writeJSON(w, http.StatusBadRequest, &fieldError{"retry_after_s", "must be >= 0"})
			return
		}
		s.retryAfter.Store(int64(*body.RetryAfter))
	}
	s.inMaint.Store(*body.On)
	s.state(w, r)
}

func (s *Server) setRisk(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Strictness *int `json:"strictness"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.Strictness == nil {
		writeJSON(w, http.StatusBadRequest, &fieldError{"strictness", "is required: 0 (off) to 3 (paranoid)"})
		return
	}
	if _, err := risk.PolicyFor(risk.Strictness(*body.Strictness), s.cfg.Merchants); err != nil {
		writeJSON(w, http.StatusBadRequest, &fieldError{"strictness", err.Error()})
		return
	}
	s.strictness.Store(int64(*body.Strictness))
	s.state(w, r)
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"maintenance":   s.inMaint.Load(),
		"retry_after_s": s.retryAfter.Load(),
		"strictness":    s.strictness.Load(),
		"bugs":          s.cfg.Bugs.String(),
		"inflight":      len(s.slots),
		"max_inflight":  cap(s.slots),
	})
}

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	if err := s.ledger.Snapshot(r.Context(), w); err != nil {
		// Headers are gone; a truncated stream ends with an error line.
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	}
}
