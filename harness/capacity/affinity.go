package capacity

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/authquake/authquake/harness/capacity/verdict"
	"github.com/authquake/authquake/harness/exitcode"
)

// pinGenerator pins every thread of this process to the cores of list
// (Docker's cpuset syntax) with sched_setaffinity, and GOMAXPROCS to their
// number; threads started later inherit the mask. restore puts back the
// mask and GOMAXPROCS it found.
func pinGenerator(list string) (restore func(), err error) {
	cores, err := verdict.ParseCPUList(list, runtime.NumCPU())
	if err != nil {
		return nil, err
	}
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, exitcode.New(exitcode.Environment, fmt.Errorf("capacity: read this process's CPU affinity: %w", err), "run without --cpuset")
	}
	for _, c := range cores {
		set.Set(c)
	}
	if err := setAllThreads(&set); err != nil {
		setAllThreads(&old)
		return nil, exitcode.New(exitcode.Environment, fmt.Errorf("capacity: pin the generator to cores %s: %w", list, err), "run without --cpuset, or where sched_setaffinity is allowed")
	}
	prev := runtime.GOMAXPROCS(len(cores))
	return func() {
		setAllThreads(&old)
		runtime.GOMAXPROCS(prev)
	}, nil
}

// setAllThreads sets the affinity of every thread in /proc/self/task.
func setAllThreads(set *unix.CPUSet) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH { // a thread that ended meanwhile
			return fmt.Errorf("thread %d: %w", tid, err)
		}
	}
	return nil
}

// affinityCount is how many cores this process may run on.
func affinityCount() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || set.Count() == 0 {
		return runtime.NumCPU()
	}
	return set.Count()
}
