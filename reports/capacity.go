package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/authquake/authquake/harness/rundir"
)

// WriteCapacity writes capacity.json, capacity.md and capacity.html.
func WriteCapacity(dir string, r *rundir.Capacity) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	var md, page strings.Builder
	CapacityMarkdown(&md, r)
	capacityHTML(&page, r)
	return errors.Join(
		os.WriteFile(filepath.Join(dir, rundir.CapacityFile), append(b, '\n'), 0o644),
		os.WriteFile(filepath.Join(dir, "capacity.md"), []byte(md.String()), 0o644),
		os.WriteFile(filepath.Join(dir, "capacity.html"), []byte(page.String()), 0o644))
}

// CapacityMarkdown renders the capacity report: per CPU limit the
// sustainable rate and the limit that bound it, the results that are not
// findings and why, the cores a target rate needs (or why none are
// estimated), then each limit's steps with what they used.
func CapacityMarkdown(w io.Writer, r *rundir.Capacity) {
	mdf(w, "# Capacity: %s\n\nSustainable means failure ratio at most %g and p99 at most %.0f ms over steps of %.0f s (seed %d).\n\n",
		r.Scenario, r.MaxFailure, r.MaxP99MS, r.StepS, r.Seed)
	switch {
	case r.Cpuset != nil:
		mdf(w, "Host: %d cores, --cpuset: %s.\n\n", r.Cores, r.Cpuset.Note)
	case r.Cores > 0:
		mdf(w, "Host: %d cores, nothing pinned: the generator, the database and the service share them.\n\n", r.Cores)
	}
	if r.Generator != "" {
		mdf(w, "Generator: %s.\n\n", r.Generator)
	}
	fmt.Fprintf(w, "| CPUs | sustainable rate | per core | binding limit | knee | p99 at knee | headroom vs target |\n|---|---|---|---|---|---|---|\n")
	for _, l := range r.Limits {
		sus := fmt.Sprintf("%.0f/s", l.Sustainable)
		if l.Ceiling {
			sus += " (at least: the search or the generator ran out first)"
		}
		if l.Flag != "" {
			sus += " (flagged: not a finding)"
		}
		head := "-"
		if l.HeadroomRatio != nil {
			head = fmt.Sprintf("%+.0f%%", 100**l.HeadroomRatio)
		}
		knee, kneeP99 := "none", "-"
		if l.Knee > 0 {
			knee, kneeP99 = fmt.Sprintf("%.0f/s", l.Knee), fmt.Sprintf("%.1f ms", l.KneeP99MS)
		}
		mdf(w, "| %g | %s | %.0f/s | %s | %s | %s | %s |\n", l.CPUs, sus, l.PerCore, orUnknown(l.Binding), knee, kneeP99, head)
	}
	fmt.Fprintln(w)
	for _, l := range r.Limits {
		mdf(w, "- %g CPUs: %s, %s", l.CPUs, orUnknown(l.Binding), l.BindingWhy)
		if l.KneeNote != "" {
			mdf(w, "; %s", l.KneeNote)
		}
		fmt.Fprintln(w)
	}
	if len(r.Flags) > 0 {
		fmt.Fprintf(w, "\n**Not findings.**\n\n")
		for _, f := range r.Flags {
			mdf(w, "- %s\n", f)
		}
	}
	if r.TargetRate > 0 {
		switch {
		case r.CoresNeeded > 0:
			mdf(w, "\nFor a peak of %.0f/s the service needs %.1f cores (%s); with 30%% headroom, %.1f cores.\n",
				r.TargetRate, r.CoresNeeded, r.PerCoreBasis, r.CoresWith30)
		case r.NoPlan != "":
			mdf(w, "\nNot extrapolated: %s.\n", r.NoPlan)
		default:
			fmt.Fprintf(w, "\nNo limit gave a rate per core the service itself limited: the cores needed for %.0f/s are unknown.\n", r.TargetRate)
		}
	}
	for _, l := range r.Limits {
		capacitySteps(w, l)
	}
}

// stepColumns head capacitySteps' and the HTML page's step tables.
var stepColumns = []string{"rate", "throughput", "p99", "failed", "send lag p99", "host busy per core", "generator CPU", "service CPU", "throttled", "database CPU", "proxy CPU", "binding"}

// capacitySteps is one limit's steps in search order with what they used.
func capacitySteps(w io.Writer, l rundir.CapacityLimit) {
	mdf(w, "\n## Steps at %g CPUs\n\n", l.CPUs)
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(stepColumns, " | "), strings.Repeat("---|", len(stepColumns)))
	for _, st := range l.Steps {
		cells := stepCells(st)
		for i := range cells {
			cells[i] = mdText(cells[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// stepCells are one step's figures as text, "unknown" where not measured.
func stepCells(st rundir.CapacityStep) []string {
	host, gen, svc, thr, db, proxy := "unknown", "unknown", "unknown", "unknown", "unknown", "unknown"
	if u := st.Use; u != nil {
		if len(u.HostBusyPct) > 0 {
			parts := make([]string, len(u.HostBusyPct))
			for i, b := range u.HostBusyPct {
				parts[i] = fmt.Sprintf("%.0f%%", b)
			}
			host = strings.Join(parts, " ")
			if st := meanPct(u.HostStealPct); st >= 1 {
				host += fmt.Sprintf(" (steal %.0f%%)", st)
			}
		}
		if u.GeneratorCPU != nil {
			gen = fmt.Sprintf("%.2f of %g", *u.GeneratorCPU, u.GeneratorBudget)
		}
		svc, thr, db, proxy = containerCPU(u.Service), throttled(u.Service), containerCPU(u.Database), containerCPU(u.Proxy)
	}
	tput := "-"
	if st.WindowS > 0 {
		tput = fmt.Sprintf("%.0f/s", st.Throughput)
	}
	return []string{fmt.Sprintf("%.0f/s", st.Rate), tput, fmt.Sprintf("%.1f ms", st.P99MS), fmt.Sprintf("%.2f%%", 100*st.FailureRatio),
		fmt.Sprintf("%.0f ms", st.SendLagP99MS), host, gen, svc, thr, db, proxy, orUnknown(st.Binding)}
}

func containerCPU(c *rundir.ContainerUse) string {
	switch {
	case c == nil || c.CPU == nil:
		return "unknown"
	case c.Limit > 0:
		return fmt.Sprintf("%.2f of %g", *c.CPU, c.Limit)
	}
	return fmt.Sprintf("%.2f", *c.CPU)
}

func throttled(c *rundir.ContainerUse) string {
	switch {
	case c == nil || c.Throttle == nil:
		return "unknown"
	case c.Throttle.Periods == 0:
		return "0 periods"
	}
	return fmt.Sprintf("%d of %d periods", c.Throttle.Throttled, c.Throttle.Periods)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// meanPct is the mean of per-core shares (0 for none).
func meanPct(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(max(len(xs), 1))
}
