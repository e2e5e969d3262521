package load

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// BenchmarkRenderRequest is the per-request building: the payment from the
// seed and sequence number, then the default templates (path and body).
func BenchmarkRenderRequest(b *testing.B) {
	s, _, err := scenario.Parse("b.yaml", []byte("name: b\ntraffic: {phases: [{duration: 1s, shape: constant, rate: 1/s}]}\n"))
	if err != nil {
		b.Fatal(err)
	}
	st := traffic.NewStream(s, 1)
	path, _ := compile("path", s.Target.Request.Path)
	body, _ := compile("body", s.Target.Request.Body)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := range b.N {
		p := st.Payment(uint64(i))
		buf, _ = path.render(buf[:0], &p)
		buf, _ = body.render(buf, &p)
	}
}

// BenchmarkClassify reads the outcome, code and reason of an answer.
func BenchmarkClassify(b *testing.B) {
	c := NewClassifier(scenario.ResponseRules{Approved: []int{201}, Declined: []int{402}, CodeField: "code", ReasonField: "reason"})
	body := []byte(`{"id":"auth_0","status":"declined","code":"51","reason":"insufficient_credit"}`)
	b.ReportAllocs()
	for range b.N {
		c.Answer(402, body)
	}
}

// BenchmarkClassifyNested classifies by a rule on a nested JSON path, with
// the code and reason at nested paths too: one pass over the body.
func BenchmarkClassifyNested(b *testing.B) {
	c := NewClassifier(scenario.ResponseRules{
		Rules: []scenario.ResponseRule{
			{Status: scenario.Statuses{200, 201}, JSON: &scenario.JSONMatch{Path: "data.status", Equals: equals("APPLIED")}, Outcome: "approved"},
			{JSON: &scenario.JSONMatch{Path: "data.status", In: []string{"REJECTED", "DECLINED"}}, Outcome: "declined"},
		},
		Code: "error.code", Reason: "error.message",
	})
	body := []byte(`{"id":"auth_0","data":{"status":"DECLINED","amount":2500},"error":{"code":"51","message":"insufficient_credit"}}`)
	b.ReportAllocs()
	for range b.N {
		c.Answer(200, body)
	}
}

// BenchmarkRoundTrip is one payment through the sender against a loopback
// server, as vegeta hands it over: build, send, read, classify, record.
// allocs/op is the figure to watch (ns/op includes the server and the
// network stack of a shared machine).
func BenchmarkRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(201)
		w.Write([]byte(`{"id":"auth_0","status":"approved","code":"00","account_id":"acct-000001","amount_minor":1}`))
	}))
	defer srv.Close()
	s, _, err := scenario.Parse("b.yaml", []byte("name: b\ntraffic: {phases: [{duration: 1h, shape: constant, rate: 1000/s}]}\n"))
	if err != nil {
		b.Fatal(err)
	}
	plan := traffic.NewPlan(s.Traffic.Phases)
	pacer := traffic.NewPacer(plan)
	pacer.Pace(0, 0)
	sd, err := newSender(s, 1, srv.URL, pacer, []Sink{discard{}}, egress.Guard{})
	if err != nil {
		b.Fatal(err)
	}
	carrier, _ := http.NewRequest("POST", srv.URL, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		carrier.Header.Set("X-Vegeta-Seq", strconv.Itoa(i))
		resp, err := sd.RoundTrip(carrier)
		if err != nil || resp.StatusCode != 201 {
			b.Fatal(err, resp)
		}
	}
}

type discard struct{}

func (discard) Record(*record.Attempt) {}
