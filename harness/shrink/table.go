package shrink

import (
	"fmt"
	"io"
	"strings"

	"github.com/authquake/authquake/harness/replay"
)

// The progress table: a line per candidate as it is decided.

func (s *search) progress() io.Writer {
	if s.o.Progress == nil {
		return io.Discard
	}
	return s.o.Progress
}

func (s *search) header() {
	fmt.Fprintf(s.progress(), "%-9s %9s %6s %8s %8s  %-13s %s\n", "candidate", "payments", "faults", "length", "accounts", "reproductions", "change")
}

func (s *search) line(r Row) {
	mark := ""
	if r.Failing {
		mark = "kept"
	}
	repro := fmt.Sprintf("%d of %d %s", r.Reproduced, r.Runs, mark)
	if r.Runs == 0 {
		repro = "-"
	}
	change := r.Change
	if r.Note != "" {
		change += " (" + r.Note + ")"
	}
	fmt.Fprintf(s.progress(), "%-9s %9d %6d %8s %8d  %-13s %s\n", r.ID, r.Payments, r.Faults, replay.Seconds(r.LengthS), r.Accounts, repro, change)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
