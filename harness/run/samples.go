package run

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/shirou/gopsutil/v3/process"

	"github.com/authquake/authquake/harness/hostcpu"
	"github.com/authquake/authquake/harness/rundir"
)

// sampler writes samples to a file from several goroutines.
type sampler struct {
	mu    sync.Mutex
	enc   *json.Encoder
	f     *os.File
	began time.Time
	wg    sync.WaitGroup
}

func newSampler(path string, began time.Time) (*sampler, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &sampler{f: f, enc: json.NewEncoder(f), began: began}, nil
}

func (s *sampler) write(v rundir.Sample) {
	s.mu.Lock()
	s.enc.Encode(v)
	s.mu.Unlock()
}

// generator samples this process and the host each second until ctx ends.
func (s *sampler) generator(ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		p, err := process.NewProcess(int32(os.Getpid()))
		if err != nil {
			return
		}
		p.Percent(0)
		host := hostcpu.Now()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v := rundir.Sample{TS: time.Since(s.began).Seconds(), Kind: "generator"}
			v.CPUPct, _ = p.Percent(0)
			if mem, err := p.MemoryInfo(); err == nil {
				v.RSS = mem.RSS
			}
			if now := hostcpu.Now(); host != nil && now != nil {
				v.HostCPU, v.HostSteal = hostcpu.Shares(*host, *now)
				host = now
			}
			s.write(v)
		}
	}()
}

// container streams Docker stats of one container until ctx ends. A
// container that is killed by a fault ends the stream; it is opened again.
func (s *sampler) container(ctx context.Context, docker *client.Client, role, id string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for ctx.Err() == nil {
			res, err := docker.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: true})
			if err == nil {
				s.decodeStats(res.Body, role)
				res.Body.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

func (s *sampler) decodeStats(r io.Reader, role string) {
	dec := json.NewDecoder(r)
	for {
		var st container.StatsResponse
		if err := dec.Decode(&st); err != nil {
			return
		}
		v := rundir.Sample{TS: time.Since(s.began).Seconds(), Kind: "container", Role: role,
			Mem: st.MemoryStats.Usage, MemLimit: st.MemoryStats.Limit}
		cpuDelta := float64(st.CPUStats.CPUUsage.TotalUsage) - float64(st.PreCPUStats.CPUUsage.TotalUsage)
		sysDelta := float64(st.CPUStats.SystemUsage) - float64(st.PreCPUStats.SystemUsage)
		if sysDelta > 0 && cpuDelta >= 0 {
			v.CPUPct = cpuDelta / sysDelta * float64(max(st.CPUStats.OnlineCPUs, 1)) * 100
		}
		s.write(v)
	}
}

// close waits for the samplers (their context must be done) and closes the file.
func (s *sampler) close() error {
	s.wg.Wait()
	return s.f.Close()
}
