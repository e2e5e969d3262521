package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/authquake/authquake/targets/authsim/ledger"
)

// fieldError is a 400 answer naming the field at fault.
type fieldError struct {
	Field string `json:"field"`
	Msg   string `json:"error"`
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Msg }

const maxAmountMinor = 1_000_000_000_000

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	unknownField    = regexp.MustCompile(`^json: unknown field "(.*)"$`)
)

// authRequest is the body of POST /v1/authorizations. Pointers tell a missing
// field from a zero one.
type authRequest struct {
	AccountID   *string `json:"account_id"`
	AmountMinor *int64  `json:"amount_minor"`
	Currency    *string `json:"currency"`
	MerchantID  *string `json:"merchant_id"`
}

// parseAuthorization validates an authorisation request: the Idempotency-Key
// header and a JSON body with exactly the four known fields.
func parseAuthorization(h http.Header, body []byte) (ledger.Request, *fieldError) {
	key := h.Get("Idempotency-Key")
	switch {
	case key == "":
		return ledger.Request{}, &fieldError{"Idempotency-Key", "header is required: a unique key per payment, reused for its retries"}
	case len(key) > 255:
		return ledger.Request{}, &fieldError{"Idempotency-Key", "must be at most 255 characters"}
	case strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0:
		return ledger.Request{}, &fieldError{"Idempotency-Key", "must be printable ASCII without spaces"}
	}
	var in authRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return ledger.Request{}, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return ledger.Request{}, &fieldError{"body", "must hold one JSON object and nothing after it"}
	}
	switch {
	case in.AccountID == nil:
		return ledger.Request{}, &fieldError{"account_id", "is required"}
	case !idPattern.MatchString(*in.AccountID):
		return ledger.Request{}, &fieldError{"account_id", "must be 1-64 characters of A-Z a-z 0-9 _ . : -"}
	case in.AmountMinor == nil:
		return ledger.Request{}, &fieldError{"amount_minor", "is required"}
	case *in.AmountMinor <= 0:
		return ledger.Request{}, &fieldError{"amount_minor", "must be a positive integer in minor units (cents)"}
	case *in.AmountMinor > maxAmountMinor:
		return ledger.Request{}, &fieldError{"amount_minor", fmt.Sprintf("must be at most %d", int64(maxAmountMinor))}
	case in.Currency == nil:
		return ledger.Request{}, &fieldError{"currency", "is required"}
	case !currencyPattern.MatchString(*in.Currency):
		return ledger.Request{}, &fieldError{"currency", "must be an ISO 4217 code of three capital letters, e.g. EUR"}
	case in.MerchantID == nil:
		return ledger.Request{}, &fieldError{"merchant_id", "is required"}
	case !idPattern.MatchString(*in.MerchantID):
		return ledger.Request{}, &fieldError{"merchant_id", "must be 1-64 characters of A-Z a-z 0-9 _ . : -"}
	}
	return ledger.Request{Key: key, AccountID: *in.AccountID, AmountMinor: *in.AmountMinor,
		Currency: *in.Currency, MerchantID: *in.MerchantID}, nil
}

// jsonError names the field a decoding error is about.
func jsonError(err error) *fieldError {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return &fieldError{typeErr.Field, fmt.Sprintf("must be a JSON %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
	case unknownField.MatchString(err.Error()):
		name := unknownField.FindStringSubmatch(err.Error())[1]
		return &fieldError{name, "is not a known field: send account_id, amount_minor, currency, merchant_id"}
	case errors.Is(err, io.EOF):
		return &fieldError{"body", "is empty: send a JSON object"}
	}
	return &fieldError{"body", "is not valid JSON: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int64":
		return "integer"
	case "string":
		return "string"
	}
	return goKind
}
