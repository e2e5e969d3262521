package capacity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/process"

	"github.com/authquake/authquake/harness/hostcpu"
	"github.com/authquake/authquake/harness/rundir"
)

// meter measures what a step's window used: the host's cores, this
// process (the generator), and the service's and database's containers
// and the proxy's (Docker stats for their CPU, their cgroup's cpu.stat
// for throttling). Figures it cannot take are left out with the reason,
// never zero. split is how the cores were pinned (nil: not).
type meter struct {
	docker             *client.Client
	proc               *process.Process
	service, db, proxy *watched
	split              *rundir.CapacityCpuset
	// shards, when not 0, is the number of swarm shards that offered the
	// load: the generator's CPU is theirs, not this process's.
	shards int
}

// watched is one container: its id, CPU limit and cpu.stat path ("" when
// its cgroup is not readable here).
type watched struct {
	id, cpuStat string
	limit       float64
}

// newMeter watches the containers by id ("" for none); the Docker client
// may be nil (no container figures).
func newMeter(ctx context.Context, docker *client.Client, split *rundir.CapacityCpuset, serviceID, dbID, proxyID string) *meter {
	m := &meter{docker: docker, split: split}
	m.proc, _ = process.NewProcess(int32(os.Getpid()))
	m.service, m.db, m.proxy = m.watch(ctx, serviceID), m.watch(ctx, dbID), m.watch(ctx, proxyID)
	return m
}

func (m *meter) watch(ctx context.Context, id string) *watched {
	if id == "" || m.docker == nil {
		return nil
	}
	w := &watched{id: id}
	if res, err := m.docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); err == nil && res.Container.HostConfig != nil {
		hc := res.Container.HostConfig
		switch {
		case hc.CPUQuota > 0 && hc.CPUPeriod > 0:
			w.limit = float64(hc.CPUQuota) / float64(hc.CPUPeriod)
		case hc.NanoCPUs > 0:
			w.limit = float64(hc.NanoCPUs) / 1e9
		}
		w.id = res.Container.ID
		w.cpuStat = cpuStatPath(w.id, hc.CgroupParent)
	}
	return w
}

// during measures the window from warm to end after now, and sends what
// it used when the window ends (or ctx does: then what it has).
func (m *meter) during(ctx context.Context, warm, end time.Duration) <-chan *rundir.StepUse {
	out := make(chan *rundir.StepUse, 1)
	began := time.Now()
	go func() {
		wait := func(d time.Duration) {
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(began.Add(d))):
			}
		}
		wait(warm)
		a := m.snap(ctx)
		wait(end)
		out <- m.use(a, m.snap(ctx))
	}()
	return out
}

// snapshot is the counters at one instant.
type snapshot struct {
	at                 time.Time
	host               []cpu.TimesStat
	hostErr            error
	proc               float64 // user+system seconds
	procErr            error
	service, db, proxy ctrSnap
}

// ctrSnap is one container's counters: CPU time from Docker stats, CFS
// counters from its cpu.stat or, failing that, from Docker stats.
type ctrSnap struct {
	usageNS    uint64
	err        error
	cg, docker throttleCounters
	cgOK       bool
}

func (m *meter) snap(ctx context.Context) snapshot {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s := snapshot{at: time.Now()}
	s.host, s.hostErr = cpu.TimesWithContext(ctx, true)
	if m.shards == 0 { // else the generator is the shards, not this process
		s.proc, s.procErr = m.procCPU(ctx)
	}
	s.service, s.db, s.proxy = m.ctr(ctx, m.service), m.ctr(ctx, m.db), m.ctr(ctx, m.proxy)
	return s
}

// procCPU is this process's user+system seconds.
func (m *meter) procCPU(ctx context.Context) (float64, error) {
	if m.proc == nil {
		return 0, fmt.Errorf("no process handle for pid %d", os.Getpid())
	}
	t, err := m.proc.TimesWithContext(ctx)
	if err != nil {
		return 0, err
	}
	return t.User + t.System, nil
}

func (m *meter) ctr(ctx context.Context, w *watched) ctrSnap {
	var c ctrSnap
	if w == nil {
		return c
	}
	if w.cpuStat != "" {
		c.cg, c.cgOK = readCPUStat(w.cpuStat)
	}
	res, err := m.docker.ContainerStats(ctx, w.id, client.ContainerStatsOptions{})
	if err != nil {
		c.err = err
		return c
	}
	defer res.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		c.err = fmt.Errorf("docker stats of %.12s: %w", w.id, err)
		return c
	}
	c.usageNS = st.CPUStats.CPUUsage.TotalUsage
	td := st.CPUStats.ThrottlingData
	c.docker = throttleCounters{periods: td.Periods, throttled: td.ThrottledPeriods, throttledNS: td.ThrottledTime}
	return c
}

// use is what was used from a to b.
func (m *meter) use(a, b snapshot) *rundir.StepUse {
	u := &rundir.StepUse{}
	wall := b.at.Sub(a.at).Seconds()
	if a.hostErr != nil || b.hostErr != nil {
		u.Errors = append(u.Errors, fmt.Sprintf("host CPU: %v", firstErr(a.hostErr, b.hostErr)))
	} else {
		u.HostBusyPct, u.HostStealPct = hostShares(a.host, b.host)
	}
	switch {
	case m.shards > 0: // the shards' CPU: capacity.json's generator note says so
	case a.procErr != nil || b.procErr != nil:
		u.Errors = append(u.Errors, fmt.Sprintf("generator CPU: %v", firstErr(a.procErr, b.procErr)))
	case wall > 0:
		v := round2((b.proc - a.proc) / wall)
		u.GeneratorCPU, u.GeneratorBudget = &v, generatorBudget()
	}
	u.Service = containerUse(m.service, a.service, b.service, wall, "service", &u.Errors)
	u.Database = containerUse(m.db, a.db, b.db, wall, "database", &u.Errors)
	u.Proxy = containerUse(m.proxy, a.proxy, b.proxy, wall, "proxy", &u.Errors)
	return u
}

func containerUse(w *watched, a, b ctrSnap, wall float64, role string, errs *[]string) *rundir.ContainerUse {
	if w == nil {
		return nil
	}
	c := &rundir.ContainerUse{Limit: w.limit}
	if err := firstErr(a.err, b.err); err != nil {
		*errs = append(*errs, fmt.Sprintf("%s CPU: %v", role, err))
	} else if wall > 0 && b.usageNS >= a.usageNS {
		v := round2(float64(b.usageNS-a.usageNS) / 1e9 / wall)
		c.CPU = &v
	}
	switch {
	case a.cgOK && b.cgOK:
		c.Throttle = throttleDelta(a.cg, b.cg, w.cpuStat)
	case a.err == nil && b.err == nil && b.docker.periods > a.docker.periods:
		c.Throttle = throttleDelta(a.docker, b.docker, "docker stats")
	default:
		*errs = append(*errs, fmt.Sprintf("%s throttling: unknown (no readable cpu.stat for container %.12s, and Docker stats counted no CFS periods)", role, w.id))
	}
	return c
}

// hostShares are each core's busy share from a to b and, within it, the
// hypervisor's steal, in percent (hostcpu.Shares).
func hostShares(a, b []cpu.TimesStat) (busy, steal []float64) {
	for i := range min(len(a), len(b)) {
		bu, st := hostcpu.Shares(a[i], b[i])
		busy, steal = append(busy, round2(bu)), append(steal, round2(st))
	}
	return busy, steal
}

// generatorBudget is the cores this process may use: those of its
// affinity, at most GOMAXPROCS.
func generatorBudget() float64 {
	return float64(min(affinityCount(), runtime.GOMAXPROCS(0)))
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
