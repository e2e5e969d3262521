package verdict

import (
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/rundir"
)

func f(v float64) *float64 { return &v }

// step is a hand-made 8 s window at rate with every hit sent and answered.
func step(rate float64, pass bool, use *rundir.StepUse) rundir.CapacityStep {
	return rundir.CapacityStep{Rate: rate, WindowS: 8, Sent: int(rate * 8), Throughput: rate, Pass: pass, P99MS: 20, Use: use}
}

// use: host busy per core, generator cores used of budget, service cores
// used of limit, throttled periods of 100 (-1: throttling unknown).
func use(host []float64, gen, budget, svc, limit float64, throttled int) *rundir.StepUse {
	u := &rundir.StepUse{HostBusyPct: host, GeneratorCPU: f(gen), GeneratorBudget: budget,
		Service: &rundir.ContainerUse{CPU: f(svc), Limit: limit}}
	if throttled >= 0 {
		u.Service.Throttle = &rundir.Throttle{Periods: 100, Throttled: uint64(throttled), Source: "test"}
	}
	return u
}

func TestClassify(t *testing.T) {
	late := step(800, false, use([]float64{60, 55}, 0.6, 2, 0.3, 1, 0))
	late.SendLagP99MS = 250
	short := step(800, true, use([]float64{60, 55}, 0.6, 2, 0.3, 1, 0))
	short.Sent = 5000 // of 6400 scheduled
	slow := step(400, false, use([]float64{40, 30}, 0.2, 2, 0.3, 1, 0))
	slow.Throughput = 300
	slow.Why = "p99 900 ms > 500 ms"
	for _, c := range []struct {
		name string
		st   rundir.CapacityStep
		want string
		says string // a fragment the why must hold
	}{
		// the service uses 95% of its 0.5 CPU with the host at 50%: the service's figure
		{"service at its limit", step(400, false, use([]float64{50, 50}, 0.3, 2, 0.475, 0.5, 0)), ServiceLimited, "95% of its 0.5-CPU limit"},
		// only 60% of its limit on average, but throttled in 30% of periods
		{"service throttled", step(400, false, use([]float64{45, 40}, 0.3, 2, 0.3, 0.5, 30)), ServiceLimited, "throttled in 30% of periods"},
		// throttled in 5% of periods at 50%: below ThrottledShare, sustained
		{"a little throttling is not a limit", step(200, true, use([]float64{30, 30}, 0.2, 2, 0.25, 0.5, 5)), NotLimited, "sustained 200/s"},
		// the service at its limit but both cores 95% busy: the machine ran out as it did
		{"host saturated with the service at its limit", step(800, false, use([]float64{96, 94}, 0.7, 2, 0.98, 1, 40)), HostLimited, "which ran out first cannot be told"},
		// the service at 60% of 2 CPUs, cores full: the host ran out first (the 288/s at 2 CPUs)
		{"host ran out first", step(400, false, use([]float64{99, 97}, 0.6, 2, 1.2, 2, 0)), HostLimited, "host busy 98%"},
		// 89% is headroom: the rule is >= 90%
		{"host just below the line", step(400, false, use([]float64{89, 89}, 0.3, 2, 0.5, 0.5, -1)), ServiceLimited, "throttling unknown"},
		{"generator late", late, GeneratorLimited, "send lag p99 250 ms"},
		{"generator sent too few", short, GeneratorLimited, "sent 5000 of 6400"},
		// the generator pinned to one core used all of it
		{"generator CPU full", step(800, false, use([]float64{95, 60}, 0.95, 1, 0.4, 1, 0)), GeneratorLimited, "generator CPU 0.95 of its 1 cores"},
		{"nothing at a limit, rate sustained", step(100, true, use([]float64{20, 15}, 0.1, 2, 0.1, 1, 0)), NotLimited, "host busy 18%"},
		// passed the SLO but answered only 90% of the offered rate
		{"passed but throughput fell", func() rundir.CapacityStep {
			s := step(400, true, use([]float64{40, 30}, 0.2, 2, 0.3, 1, 0))
			s.Throughput = 360
			return s
		}(), Unexplained, "throughput 360/s"},
		{"failed with no CPU at a limit", slow, Unexplained, "p99 900 ms"},
		// service CPU unknown (docker stats failed): never read as idle
		{"service CPU unknown, host free", step(400, false, &rundir.StepUse{HostBusyPct: []float64{40, 40}}), Unexplained, "service CPU unknown"},
		{"no figures", step(400, false, nil), Unknown, "no host CPU"},
	} {
		got, why := Classify(c.st)
		if got != c.want || !strings.Contains(why, c.says) {
			t.Errorf("%s: %s (%s), want %s saying %q", c.name, got, why, c.want, c.says)
		}
	}
}
