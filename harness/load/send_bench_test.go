package load

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
	"github.com/valyala/fasthttp"
)

// canned answers every request at once with an approval, so the benchmark
// measures the sender, not the network.
type canned struct{}

func (canned) RoundTrip(_ *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	resp.SetStatusCode(201)
	resp.SetBodyString(`{"id":"auth_1","status":"approved"}`)
	return false, nil
}

// nopSink drops attempts.
type nopSink struct{}

func (nopSink) Record(*record.Attempt) {}

// BenchmarkSenderRoundTrip is the sender's path for one payment (build,
// send, classify, record) with flows off, against an in-memory answer.
func BenchmarkSenderRoundTrip(b *testing.B) {
	benchSender(b, "name: b\ntraffic: {phases: [{duration: 1000s, shape: constant, rate: 1000/s}]}\n")
}

// benchSender measures the sender's path for one payment of the scenario.
func benchSender(b *testing.B, yaml string) {
	s, _, err := scenario.Parse("b.yaml", []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	plan := traffic.NewPlan(s.Traffic.Phases)
	pacer := traffic.NewPacer(plan)
	pacer.Pace(0, 0)
	sd, err := newSender(s, 1, "http://127.0.0.1:1", pacer, []Sink{nopSink{}}, egress.Guard{})
	if err != nil {
		b.Fatal(err)
	}
	sd.wire.hc.Transport = canned{}
	carrier, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1", nil)
	b.ReportAllocs()
	for i := range b.N {
		carrier.Header.Set("X-Vegeta-Seq", strconv.Itoa(i))
		if _, err := sd.RoundTrip(carrier); err != nil {
			b.Fatal(err)
		}
	}
}
