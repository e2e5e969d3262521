package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// generate is the authquake side of the benchmark, run as its own process
// so that its CPU time and memory are its own: the payment stream with
// idempotency keys and bodies, the open-model attack, every attempt recorded,
// on as many threads as authquake run would take for the rate.
//
//	bench gen URL RATE DURATION OUT
func generate(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("usage: bench gen URL RATE DURATION OUT")
	}
	rate, err := strconv.ParseFloat(args[1], 64)
	if err != nil {
		return err
	}
	dur, err := time.ParseDuration(args[2])
	if err != nil {
		return err
	}
	yaml := fmt.Sprintf(`name: bench
seed: 1
target: {kind: url, url: %q}
accounts: {count: 100000}
traffic: {phases: [{duration: %s, shape: constant, rate: %g/s}]}
requests: {client: {timeout: 5s}}
`, args[0], dur, rate)
	s, _, err := scenario.Parse("bench.yaml", []byte(yaml))
	if err != nil {
		return err
	}
	w, err := record.Create(args[3])
	if err != nil {
		return err
	}
	atk, err := load.New(load.Options{Scenario: s, Seed: 1, Base: args[0], Sinks: []load.Sink{w}})
	if err != nil {
		return err
	}
	if os.Getenv("GOMAXPROCS") == "" { // as authquake run does (--procs auto)
		runtime.GOMAXPROCS(load.Procs(s, atk.Plan(), traffic.Shard{}, runtime.GOMAXPROCS(0)))
	}
	if path := os.Getenv("AUTHQUAKE_CPUPROFILE"); path != "" { // go tool pprof -top bench PROFILE
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	atk.Run()
	return w.Close()
}

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as cmd/authquake does
	}
	var err error
	if len(os.Args) > 1 && os.Args[1] == "gen" {
		err = generate(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "analysis" {
		err = analysisMain(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "trials" {
		err = trials(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "shards" {
		err = shards(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "swarm" {
		err = swarmBench(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "shrink" {
		err = shrinkBench(os.Args[2:])
	} else {
		err = bench(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
