package server

import (
	"net/http"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	const good = `{"account_id":"acct-1","amount_minor":1250,"currency":"EUR","merchant_id":"mrc-7"}`
	tests := []struct {
		name      string
		key, body string
		field     string // "" means valid
	}{
		// A well-formed request is accepted.
		{"valid", "k1", good, ""},
		// The idempotency key is mandatory...
		{"no key", "", good, "Idempotency-Key"},
		// ...printable, without spaces...
		{"key with space", "a b", good, "Idempotency-Key"},
		// ...and bounded.
		{"key too long", string(make([]byte, 256)), good, "Idempotency-Key"},
		// Each required field is named when missing.
		{"no account", "k", `{"amount_minor":1,"currency":"EUR","merchant_id":"m"}`, "account_id"},
		{"no amount", "k", `{"account_id":"a","currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		{"no currency", "k", `{"account_id":"a","amount_minor":1,"merchant_id":"m"}`, "currency"},
		{"no merchant", "k", `{"account_id":"a","amount_minor":1,"currency":"EUR"}`, "merchant_id"},
		// Zero and negative amounts are refused.
		{"zero amount", "k", `{"account_id":"a","amount_minor":0,"currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		{"negative amount", "k", `{"account_id":"a","amount_minor":-5,"currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		// A fractional amount is a type error on amount_minor (minor units are integers).
		{"fractional amount", "k", `{"account_id":"a","amount_minor":10.5,"currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		// An amount as a string is a type error on amount_minor.
		{"string amount", "k", `{"account_id":"a","amount_minor":"10","currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		// An absurd amount is refused.
		{"huge amount", "k", `{"account_id":"a","amount_minor":1000000000001,"currency":"EUR","merchant_id":"m"}`, "amount_minor"},
		// Currency must be three capitals.
		{"bad currency", "k", `{"account_id":"a","amount_minor":1,"currency":"eur","merchant_id":"m"}`, "currency"},
		// Ids have a restricted alphabet.
		{"bad account id", "k", `{"account_id":"a b","amount_minor":1,"currency":"EUR","merchant_id":"m"}`, "account_id"},
		{"bad merchant id", "k", `{"account_id":"a","amount_minor":1,"currency":"EUR","merchant_id":""}`, "merchant_id"},
		// An unknown field is named.
		{"unknown field", "k", `{"account_id":"a","amount_minor":1,"currency":"EUR","merchant_id":"m","tip":5}`, "tip"},
		// Broken JSON, an empty body and trailing data are errors of the body.
		{"broken json", "k", `{"account_id":`, "body"},
		{"empty body", "k", ``, "body"},
		{"trailing data", "k", good + `{}`, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.key != "" {
				h.Set("Idempotency-Key", tt.key)
			}
			req, ferr := parseAuthorization(h, []byte(tt.body))
			switch {
			case tt.field == "" && ferr != nil:
				t.Fatalf("unexpected error %v", ferr)
			case tt.field == "" && (req.Key != tt.key || req.AccountID != "acct-1" || req.AmountMinor != 1250 || req.Currency != "EUR" || req.MerchantID != "mrc-7"):
				t.Fatalf("parsed %+v", req)
			case tt.field != "" && ferr == nil:
				t.Fatalf("accepted, want error on %s", tt.field)
			case tt.field != "" && ferr.Field != tt.field:
				t.Fatalf("error names %q (%s), want %q", ferr.Field, ferr.Msg, tt.field)
			case tt.field != "" && ferr.Msg == "":
				t.Fatal("error without a message")
			}
		})
	}
}
