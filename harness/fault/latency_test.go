package fault

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/authquake/authquake/harness/topology"
)

// TestLatencyOnALink injects latency on an in-process Toxiproxy link and
// checks that requests slow down while it is active and not after.
func TestLatencyOnALink(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer backend.Close()
	api, stop := topology.InProcessToxiproxy()
	defer stop()
	cli := toxiclient.NewClient(api)
	p, err := cli.CreateProxy("client", "127.0.0.1:0", strings.TrimPrefix(backend.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Toxiproxy: cli, Links: []string{"client"}}
	timed := func() time.Duration {
		start := time.Now()
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + p.Listen)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return time.Since(start)
	}
	k, _ := Lookup("latency")
	f, err := k.Build(Spec{ID: "f0", Kind: "latency", Target: "client", Params: map[string]any{"latency": "1s"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Inject(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := timed(); d < time.Second {
		t.Errorf("with 1s latency a request took %s", d)
	}
	if err := f.Revert(context.Background()); err != nil {
		t.Fatal(err)
	}
	if toxics, _ := p.Toxics(); len(toxics) != 0 {
		t.Errorf("toxics left after revert: %v", toxics)
	}
	if d := timed(); d >= time.Second { // a loopback request, however busy the machine, versus the toxic's second
		t.Errorf("after revert a request took %s: the latency is still there", d)
	}
	// A second revert is harmless.
	if err := f.Revert(context.Background()); err != nil {
		t.Errorf("second revert: %v", err)
	}
}
