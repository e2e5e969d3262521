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

// stolen is st with each core's steal share.
func stolen(st rundir.CapacityStep, steal ...float64) rundir.CapacityStep {
	u := *st.Use
	u.HostStealPct = steal
	st.Use = &u
	return st
}

func TestClassify(t *testing.T) {
	late := step(800, false, use([]float64{60, 55}, 0.6, 2, 0.3, 1, 0))
	late.SendLagP99MS = 250
	short := step(800, true, use([]float64{60, 55}, 0.6, 2, 0.3, 1, 0))
	short.Sent = 5000 // of 6400 scheduled
	slow := step(400, false, use([]float64{98, 68}, 0.2, 2, 0.34, 1, 0))
	slow.Throughput = 300
	slow.Why = "p99 900 ms > 500 ms"
	pinned := &rundir.CapacityCpuset{Service: "1", Others: "0", Generator: "0"}
	for _, c := range []struct {
		name  string
		st    rundir.CapacityStep
		want  string
		says  string // a fragment the why must hold
		split *rundir.CapacityCpuset
	}{
		// the service uses 95% of its 0.5 CPU with the host at 50%: the service's figure
		{"service at its limit", step(400, false, use([]float64{50, 50}, 0.3, 2, 0.475, 0.5, 0)), ServiceLimited, "95% of its 0.5-CPU limit", nil},
		// only 60% of its limit on average, but throttled in 30% of periods
		{"service throttled", step(400, false, use([]float64{45, 40}, 0.3, 2, 0.3, 0.5, 30)), ServiceLimited, "throttled in 30% of periods", nil},
		// throttled in 5% of periods at 50%: below ThrottledShare, sustained
		{"a little throttling is not a limit", step(200, true, use([]float64{30, 30}, 0.2, 2, 0.25, 0.5, 5)), NotLimited, "sustained 200/s", nil},
		// the service at its limit but both cores 95% busy: the machine ran out as it did
		{"host saturated with the service at its limit", step(800, false, use([]float64{96, 94}, 0.7, 2, 0.98, 1, 40)), HostLimited, "which ran out first cannot be told", nil},
		// the service at 60% of 2 CPUs, cores full: the host ran out first (the 288/s at 2 CPUs)
		{"host ran out first", step(400, false, use([]float64{99, 97}, 0.6, 2, 1.2, 2, 0)), HostLimited, "host busy 98%", nil},
		// 89% is headroom: the rule is >= 90%
		{"host just below the line", step(400, false, use([]float64{89, 89}, 0.3, 2, 0.5, 0.5, -1)), ServiceLimited, "throttling unknown", nil},
		{"generator late", late, GeneratorLimited, "send lag p99 250 ms", nil},
		{"generator sent too few", short, GeneratorLimited, "sent 5000 of 6400", nil},
		// the generator pinned to one core used all of it
		{"generator CPU full", step(800, false, use([]float64{95, 60}, 0.95, 1, 0.4, 1, 0)), GeneratorLimited, "generator CPU 0.95 of its 1 cores", nil},
		{"nothing at a limit, rate sustained", step(100, true, use([]float64{20, 15}, 0.1, 2, 0.1, 1, 0)), NotLimited, "host busy 18%", nil},
		// passed the SLO but answered only 90% of the offered rate
		{"passed but throughput fell", func() rundir.CapacityStep {
			s := step(400, true, use([]float64{40, 30}, 0.2, 2, 0.3, 1, 0))
			s.Throughput = 360
			return s
		}(), Unexplained, "throughput 360/s", nil},
		{"failed with no CPU at a limit", slow, Unexplained, "p99 900 ms", nil},
		// service CPU unknown (docker stats failed): never read as idle
		{"service CPU unknown, host free", step(400, false, &rundir.StepUse{HostBusyPct: []float64{40, 40}}), Unexplained, "service CPU unknown", nil},
		{"no figures", step(400, false, nil), Unknown, "no host CPU", nil},
		// pinned on 2 cores (the 725/s step of BENCHMARKS.md): core 0 full of the
		// generator, database and proxy while the mean is 83%
		{"pinned: the generator's core full", slow, HostLimited, "core(s) 0, the generator, database and proxy's, 98% busy", pinned},
		// the same figures unpinned: the scheduler had core 1 to spare
		{"unpinned: one busy core is not a full host", slow, Unexplained, "host busy 83%", nil},
		// the service's own core full of other work with the service at 56% of its limit
		{"pinned: other work on the service's core", step(450, false, use([]float64{80, 96}, 0.1, 1, 0.28, 0.5, 0)), HostLimited, "other work on them", pinned},
		// the service filling its own core at its 1-CPU limit is the service's figure
		{"pinned: the service fills its core", step(600, false, use([]float64{60, 100}, 0.1, 1, 0.99, 1, 30)), ServiceLimited, "99% of its 1-CPU limit", pinned},
		// 3 cores or more: the database and proxy have a core of their own
		{"pinned: the database's core full", step(600, false, use([]float64{40, 95, 50}, 0.1, 1, 0.4, 1, 0)), HostLimited, "the database and proxy's", &rundir.CapacityCpuset{Service: "2", Others: "1", Generator: "0"}},
		// a failed step with nothing at its limit while the hypervisor gave 20%
		// of the cores to other machines (a shared VM): the host, not unexplained
		{"failed under steal", stolen(slow, 22, 18), HostLimited, "20% the hypervisor gave to other machines", nil},
		// 4% steal is below the line: as without
		{"failed under a little steal", stolen(slow, 4, 4), Unexplained, "p99 900 ms", nil},
		// the service at its limit says so, steal or not, and the steal is in the figures
		{"service at its limit under steal", stolen(step(400, false, use([]float64{50, 50}, 0.3, 2, 0.475, 0.5, 0)), 10, 10), ServiceLimited, "of which 10% the hypervisor", nil},
		// a sustained step stays sustained
		{"sustained under steal", stolen(step(100, true, use([]float64{30, 30}, 0.1, 2, 0.1, 1, 0)), 10, 10), NotLimited, "of which 10%", nil},
	} {
		got, why := Classify(c.st, c.split)
		if got != c.want || !strings.Contains(why, c.says) {
			t.Errorf("%s: %s (%s), want %s saying %q", c.name, got, why, c.want, c.says)
		}
	}
}
