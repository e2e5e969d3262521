// Command paygate serves the example payment gateway of examples/paygate on
// 127.0.0.1:8090 (PAYGATE_ADDR). Its habits come from the environment:
// PAYGATE_CLIENT_SECRET (tokens required), PAYGATE_TOKEN_TTL (e.g. 30s),
// PAYGATE_HMAC_KEY (signatures required), PAYGATE_OPEN_ACCOUNTS=1 (an
// unknown account is opened at its first payment), PAYGATE_ASYNC=1
// (payments decided later, told by webhook to their notify_url, signed
// with PAYGATE_WEBHOOK_KEY when set).
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/authquake/authquake/examples/paygate"
)

func main() {
	cfg := paygate.Config{ClientSecret: os.Getenv("PAYGATE_CLIENT_SECRET"), HMACKey: os.Getenv("PAYGATE_HMAC_KEY"),
		OpenAccounts: os.Getenv("PAYGATE_OPEN_ACCOUNTS") == "1"}
	if os.Getenv("PAYGATE_ASYNC") == "1" {
		cfg.Async = &paygate.Async{WebhookKey: os.Getenv("PAYGATE_WEBHOOK_KEY")}
	}
	if ttl := os.Getenv("PAYGATE_TOKEN_TTL"); ttl != "" {
		d, err := time.ParseDuration(ttl)
		if err != nil {
			log.Fatalf("PAYGATE_TOKEN_TTL: %v", err)
		}
		cfg.TokenTTL = d
	}
	addr := os.Getenv("PAYGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8090"
	}
	log.Printf("paygate on http://%s", addr)
	log.Fatal(http.ListenAndServe(addr, paygate.New(cfg)))
}
