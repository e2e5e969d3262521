package docker

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

// Labels put on every container and network authquake creates.
const (
	// LabelRun holds the run id; its presence marks a resource as authquake's.
	LabelRun = "io.authquake.run"
	// LabelOwner identifies the owning process as host/pid/start-time, so a
	// reused pid is not mistaken for a live owner.
	LabelOwner = "io.authquake.owner"
	// LabelRole names the part a container plays (postgres, toxiproxy, service).
	LabelRole = "io.authquake.role"
	// LabelKept marks a resource of a run started with --keep; its value is
	// the time (RFC 3339, UTC) until which no reap of dead runs removes it.
	LabelKept = "io.authquake.kept"
)

// Owner identifies a process: the host it runs on, its pid and its start time.
type Owner struct {
	Host    string
	PID     int
	Started int64 // process creation time, ms since the epoch
}

// Self returns the Owner of the current process.
func Self() Owner {
	host, _ := os.Hostname()
	o := Owner{Host: host, PID: os.Getpid()}
	if p, err := process.NewProcess(int32(o.PID)); err == nil {
		o.Started, _ = p.CreateTime()
	}
	return o
}

// String encodes the owner as the value of LabelOwner.
func (o Owner) String() string { return fmt.Sprintf("%s/%d/%d", o.Host, o.PID, o.Started) }

// ParseOwner decodes a LabelOwner value.
func ParseOwner(s string) (Owner, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Owner{}, fmt.Errorf("owner label %q: want host/pid/start", s)
	}
	pid, err1 := strconv.Atoi(parts[1])
	started, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Owner{}, fmt.Errorf("owner label %q: bad pid or start time", s)
	}
	return Owner{Host: parts[0], PID: pid, Started: started}, nil
}

// Alive reports whether the owning process still runs. An owner on another
// host is assumed alive: only its own machine can tell.
func (o Owner) Alive() bool {
	host, _ := os.Hostname()
	if o.Host != host {
		return true
	}
	p, err := process.NewProcess(int32(o.PID))
	if err != nil {
		return false
	}
	if running, err := p.IsRunning(); err != nil || !running {
		return false
	}
	started, err := p.CreateTime()
	return err == nil && started == o.Started
}

// RunLabels returns the labels for a resource of run runID owned by this process.
func RunLabels(runID, role string) map[string]string {
	l := map[string]string{LabelRun: runID, LabelOwner: Self().String()}
	if role != "" {
		l[LabelRole] = role
	}
	return l
}

// Keep marks labels as those of a kept resource until the given time; a
// zero time leaves them unmarked. It returns labels.
func Keep(labels map[string]string, until time.Time) map[string]string {
	if !until.IsZero() {
		labels[LabelKept] = until.UTC().Format(time.RFC3339)
	}
	return labels
}

// KeptUntil reads LabelKept: whether the resource was kept, and until when.
// An unreadable time counts as kept until long ago (expired).
func KeptUntil(labels map[string]string) (time.Time, bool) {
	v, ok := labels[LabelKept]
	if !ok {
		return time.Time{}, false
	}
	until, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Unix(0, 0).UTC(), true
	}
	return until, true
}

// NewRunID returns a fresh run id: UTC time plus the pid, unique on this host.
func NewRunID() string {
	return fmt.Sprintf("%s-%d", time.Now().UTC().Format("20060102T150405.000"), os.Getpid())
}
