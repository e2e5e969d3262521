package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/topology"
)

// accuracyResult is how close each generator's latency is to a known 50 ms,
// and how close authquake's impact and recovery times are to a scripted
// blackhole's.
type accuracyResult struct {
	p50, p99         [2]time.Duration // authquake, vegeta
	tti, ttr         *float64
	activeS, revertS float64
	bucketS          float64
}

func accuracy(self, vegetaBin, url, dir string, quick bool) (accuracyResult, error) {
	var a accuracyResult
	api, stop := topology.InProcessToxiproxy()
	defer stop()
	p, err := toxiclient.NewClient(api).CreateProxy("client", "127.0.0.1:0", strings.TrimPrefix(url, "http://"))
	if err != nil {
		return a, err
	}
	if _, err := p.AddToxic("latency", "latency", "downstream", 1, toxiclient.Attributes{"latency": 50}); err != nil {
		return a, err
	}
	proxied := "http://" + p.Listen
	dur := 10 * time.Second
	if quick {
		dur = 4 * time.Second
	}
	gens := generators(self, vegetaBin, proxied, dir)
	for i, g := range gens {
		out := filepath.Join(dir, g.name+"-latency.out")
		cmd := g.cmd(500, dur, out)
		if o, err := cmd.CombinedOutput(); err != nil {
			return a, fmt.Errorf("%s: %v %s", g.name, err, o)
		}
		var lat []time.Duration
		if i == 0 {
			record.Read(out, func(at *record.Attempt) error { lat = append(lat, at.Latency); return nil })
		} else {
			f, _ := os.Open(out)
			dec := vegeta.NewDecoder(f)
			for {
				var r vegeta.Result
				if dec.Decode(&r) != nil {
					break
				}
				lat = append(lat, r.Latency)
			}
			f.Close()
		}
		sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
		if len(lat) > 0 {
			a.p50[i], a.p99[i] = lat[len(lat)/2], lat[len(lat)*99/100]
		}
		fmt.Printf("  %-9s 50 ms added: p50 %s, p99 %s (%d requests)\n", g.name, a.p50[i].Round(10*time.Microsecond), a.p99[i].Round(10*time.Microsecond), len(lat))
	}
	return a, blackhole(&a, url, dir, quick)
}

// blackhole runs a url scenario with a scripted 5 s blackhole of the client
// link through the whole harness, and reads what the report says.
func blackhole(a *accuracyResult, url, dir string, quick bool) error {
	aq := filepath.Join(dir, "authquake")
	if o, err := exec.Command("go", "build", "-o", aq, "./cmd/authquake").CombinedOutput(); err != nil {
		return fmt.Errorf("build authquake: %v\n%s", err, o)
	}
	total := "30s"
	if quick {
		total = "16s"
	}
	sc := filepath.Join(dir, "blackhole.yaml")
	os.WriteFile(sc, []byte(fmt.Sprintf(`name: bench/blackhole
seed: 1
target: {kind: url, url: %q}
traffic: {phases: [{duration: %s, shape: constant, rate: 200/s}]}
requests: {client: {timeout: 1s}}
faults: [{name: blackhole, at: 8s, duration: 5s, kind: timeout, target: client}]
slo: {failure_ratio: 0.01, p99: 1500ms, recovered_after: 2s}
`, url, total)), 0o644)
	out := filepath.Join(dir, "runs")
	cmd := exec.Command(aq, "run", "--out", out, sc)
	if o, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 1 {
		return fmt.Errorf("authquake run: %v\n%s", err, o)
	}
	runs, _ := filepath.Glob(filepath.Join(out, "*", "summary.json"))
	if len(runs) != 1 {
		return fmt.Errorf("blackhole run left %d summaries", len(runs))
	}
	b, err := os.ReadFile(runs[0])
	if err != nil {
		return err
	}
	var s analysis.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	f := s.Faults[0]
	a.tti, a.ttr, a.activeS, a.revertS, a.bucketS = f.TimeToImpactS, f.TimeToRecoverS, f.StartS, f.EndS, s.BucketS
	fmt.Printf("  blackhole in force %.3f-%.3f s: time to impact %s, time to recover %s (truth 0 and 0, bucket %g s)\n",
		f.StartS, f.EndS, optS(a.tti), optS(a.ttr), s.BucketS)
	return nil
}

func optS(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprintf("%.3f s", *f)
}
