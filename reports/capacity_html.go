package reports

import (
	"fmt"
	"html/template"
	"io"
	"sort"

	"github.com/authquake/authquake/harness/rundir"
)

var capacityPage = template.Must(template.New("capacity").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>authquake capacity: {{.R.Scenario}}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#fafafa;color:#212121}main{max-width:1000px;margin:0 auto;padding:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:8px 0}
svg .title{font-weight:600;font-size:13px}svg .axis,svg .legend{font-size:11px;fill:#616161}svg .grid{stroke:#eee}svg .line{fill:none;stroke-width:1.6}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #e0e0e0;padding:4px 8px;font-size:13px;text-align:left}th{background:#f5f5f5}tr.flag td{color:#9e9e9e}pre{font-size:12px;overflow-x:auto}</style></head>
<body><main><h1>Capacity: {{.R.Scenario}}</h1>
<p>Sustainable: failure ratio at most {{.R.MaxFailure}}, p99 at most {{.R.MaxP99MS}} ms, steps of {{.R.StepS}} s.</p>
{{.Chart}}
{{if .R.Cpuset}}<p>Host: {{.R.Cores}} cores, --cpuset: {{.R.Cpuset.Note}}.</p>{{else if .R.Cores}}<p>Host: {{.R.Cores}} cores, nothing pinned.</p>{{end}}
{{if .R.Generator}}<p>Generator: {{.R.Generator}}.</p>{{end}}
<table><tr><th>CPUs</th><th>sustainable</th><th>per core</th><th>binding limit</th><th>knee</th><th>p99 at knee</th></tr>
{{range .R.Limits}}<tr{{if .Flag}} class="flag"{{end}}><td>{{.CPUs}}</td><td>{{.Sustainable}}/s{{if .Ceiling}} (at least){{end}}{{if .Flag}} (flagged){{end}}</td><td>{{.PerCore}}/s</td>
<td title="{{.BindingWhy}}">{{or .Binding "unknown"}}</td><td>{{if .Knee}}{{.Knee}}/s{{else}}none{{end}}</td><td>{{if .Knee}}{{.KneeP99MS}} ms{{else}}-{{end}}</td></tr>{{end}}</table>
<ul>{{range .R.Limits}}<li>{{.CPUs}} CPUs: {{or .Binding "unknown"}}, {{.BindingWhy}}{{if .KneeNote}}; {{.KneeNote}}{{end}}</li>{{end}}</ul>
{{if .R.Flags}}<h2>Not findings</h2><ul>{{range .R.Flags}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .R.CoresNeeded}}<p>For a peak of {{.R.TargetRate}}/s: {{.R.CoresNeeded}} cores ({{.R.PerCoreBasis}}); with 30% headroom, {{.R.CoresWith30}} cores.</p>
{{else if .R.NoPlan}}<p>Not extrapolated: {{.R.NoPlan}}.</p>{{end}}
{{range .Steps}}<h2>Steps at {{.CPUs}} CPUs</h2><table><tr>{{range $.Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}
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
	type limitSteps struct {
		CPUs float64
		Rows [][]string
	}
	var steps []limitSteps
	for _, l := range r.Limits {
		ls := limitSteps{CPUs: l.CPUs}
		for _, st := range l.Steps {
			ls.Rows = append(ls.Rows, stepCells(st))
		}
		steps = append(steps, ls)
	}
	capacityPage.Execute(w, struct {
		R       *rundir.Capacity
		Chart   template.HTML
		Columns []string
		Steps   []limitSteps
	}{r, c.svg(), stepColumns, steps})
}
