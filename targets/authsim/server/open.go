package server

import "net/http"

// openAccount creates one account (or resets the limit of one that exists)
// and answers 201 with the account: the per-account provisioning a harness
// does for any service, where seed is authsim's own bulk shortcut.
func (s *Server) openAccount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID         string `json:"id"`
		Currency   string `json:"currency"`
		LimitMinor *int64 `json:"limit_minor"`
	}
	if !decode(w, r, &body) {
		return
	}
	switch {
	case !idPattern.MatchString(body.ID):
		writeJSON(w, http.StatusBadRequest, &fieldError{"id", "is required: 1-64 letters, digits and _ . : -"})
		return
	case body.LimitMinor == nil || *body.LimitMinor < 0:
		writeJSON(w, http.StatusBadRequest, &fieldError{"limit_minor", "is required and must be >= 0"})
		return
	}
	if body.Currency == "" {
		body.Currency = "EUR"
	}
	if !currencyPattern.MatchString(body.Currency) {
		writeJSON(w, http.StatusBadRequest, &fieldError{"currency", "must be three capital letters, e.g. EUR"})
		return
	}
	if err := s.ledger.Seed(r.Context(), []string{body.ID}, []int64{*body.LimitMinor}, body.Currency); err != nil {
		s.internalError(w, r, err)
		return
	}
	a, err := s.ledger.Account(r.Context(), body.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}
