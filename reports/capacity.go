package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
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

// CapacityMarkdown renders the capacity table.
func CapacityMarkdown(w io.Writer, r *rundir.Capacity) {
	mdf(w, "# Capacity: %s\n\nSustainable means failure ratio at most %g and p99 at most %.0f ms over steps of %.0f s (seed %d).\n\n",
		r.Scenario, r.MaxFailure, r.MaxP99MS, r.StepS, r.Seed)
	fmt.Fprintf(w, "| CPUs | sustainable rate | per core | knee | p99 at knee | headroom vs target |\n|---|---|---|---|---|---|\n")
	for _, l := range r.Limits {
		sus := fmt.Sprintf("%.0f/s", l.Sustainable)
		if l.Ceiling {
			sus += " (at least: the search or the generator ran out first)"
		}
		head := "-"
		if l.HeadroomRatio != nil {
			head = fmt.Sprintf("%+.0f%%", 100**l.HeadroomRatio)
		}
		mdf(w, "| %g | %s | %.0f/s | %.0f/s | %.1f ms | %s |\n", l.CPUs, sus, l.PerCore, l.Knee, l.KneeP99MS, head)
	}
	if r.TargetRate > 0 {
		if r.CoresNeeded > 0 {
			mdf(w, "\nFor a peak of %.0f/s the service needs %.1f cores (%s); with 30%% headroom, %.1f cores.\n",
				r.TargetRate, r.CoresNeeded, r.PerCoreBasis, r.CoresWith30)
		} else {
			fmt.Fprintf(w, "\nNo limit gave a rate per core the service itself limited: the cores needed for %.0f/s are unknown.\n", r.TargetRate)
		}
	}
}

var capacityPage = template.Must(template.New("capacity").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>authquake capacity: {{.R.Scenario}}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#fafafa;color:#212121}main{max-width:1000px;margin:0 auto;padding:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:8px 0}
svg .title{font-weight:600;font-size:13px}svg .axis,svg .legend{font-size:11px;fill:#616161}svg .grid{stroke:#eee}svg .line{fill:none;stroke-width:1.6}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #e0e0e0;padding:4px 8px;font-size:13px;text-align:left}th{background:#f5f5f5}</style></head>
<body><main><h1>Capacity: {{.R.Scenario}}</h1>
<p>Sustainable: failure ratio at most {{.R.MaxFailure}}, p99 at most {{.R.MaxP99MS}} ms, steps of {{.R.StepS}} s.</p>
{{.Chart}}
<table><tr><th>CPUs</th><th>sustainable</th><th>per core</th><th>knee</th><th>p99 at knee</th></tr>
{{range .R.Limits}}<tr><td>{{.CPUs}}</td><td>{{.Sustainable}}/s{{if .Ceiling}} (at least){{end}}</td><td>{{.PerCore}}/s</td><td>{{.Knee}}/s</td><td>{{.KneeP99MS}} ms</td></tr>{{end}}</table>
{{if .R.CoresNeeded}}<p>For a peak of {{.R.TargetRate}}/s: {{.R.CoresNeeded}} cores ({{.R.PerCoreBasis}}); with 30% headroom, {{.R.CoresWith30}} cores.</p>{{end}}
</main></body></html>`))

func capacityHTML(w io.Writer, r *rundir.Capacity) {
	// p99 by offered rate, one line per CPU limit, on a common rate axis.
	palette := []string{"#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00"}
	c := chart{id: "capacity", title: "p99 latency by offered rate, per CPU limit", unit: "ms"}
	rates := map[float64]bool{}
	for _, l := range r.Limits {
		for _, st := range l.Steps {
			rates[st.Rate] = true
		}
	}
	for x := range rates {
		c.xs = append(c.xs, x)
	}
	sort.Float64s(c.xs)
	for i, l := range r.Limits {
		ys := make([]float64, len(c.xs))
		for j, x := range c.xs {
			for _, st := range l.Steps {
				if st.Rate == x {
					ys[j] = st.P99MS
				}
			}
		}
		c.lines = append(c.lines, line{fmt.Sprintf("%g CPUs", l.CPUs), palette[i%len(palette)], ys})
	}
	capacityPage.Execute(w, struct {
		R     *rundir.Capacity
		Chart template.HTML
	}{r, c.svg()})
}
