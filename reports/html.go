package reports

import (
	_ "embed"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

//go:embed report.html.tmpl
var pageSrc string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": pct, "auditLine": auditLine, "coverageLine": coverageLine, "auditNotes": auditNotes,
	"blindLine": func(s *analysis.Summary) string {
		if b := blindLine(s); !strings.Contains(auditLine(s), b) {
			return b
		}
		return ""
	}, "opt": func(f *float64) string { return opt(f, " s") },
	"refused": refused, "settleRows": settleRows,
	"codes": func(cs []analysis.CodeCount) *codeTable {
		if len(cs) == 0 {
			return nil
		}
		t := topCodes(cs)
		return &t
	},
	"recovery":  func(f analysis.FaultStats) []string { i, r := recoveryText(f); return []string{i, r} },
	"decisions": decisionsText, "amountCell": amountCell,
}).Parse(pageSrc))

// HTML renders report.html: one self-contained file, no script, no external
// fonts or styles; the charts are inline SVG.
func HTML(w io.Writer, r *analysis.Run, s *analysis.Summary, series *analysis.Series) error {
	return page.Execute(w, struct {
		S      *analysis.Summary
		Charts []template.HTML
		Replay *replayHTML
	}{s, charts(r, s, series), replaySection(r.Dir, s)})
}

var outcomeColors = []struct{ name, color string }{
	{"approved", "#2e7d32"}, {"declined", "#9e9d24"}, {"rejected", "#6d4c41"}, {"shed", "#ef6c00"},
	{"error", "#c62828"}, {"timeout", "#6a1b9a"}, {"conn_error", "#283593"},
	{"pending", "#00838f"}, {"duplicate", "#8d6e63"}, // drawn only when present
}

// charts draws the rate, then the outcomes and latency on each time axis:
// by scheduled send (what the user asked, and when) and by answer (what the
// service's dashboards show, where the damage lines up with the fault
// band), then the service's own view and the resources.
func charts(r *analysis.Run, s *analysis.Summary, series *analysis.Series) []template.HTML {
	if series == nil {
		series = &analysis.Series{}
	}
	send, xs := series.Send, axis(series.Send)
	per := 1 / s.BucketS
	var spans []span
	var sendMarks, answerMarks []mark
	for _, f := range s.Faults {
		if f.State == "skipped" {
			continue
		}
		spans = append(spans, span{f.StartS, f.EndS, f.Name})
		if f.TimeToImpactS != nil {
			answerMarks = append(answerMarks, mark{f.StartS + *f.TimeToImpactS, f.Name + ": impact", "#c62828"})
		}
		if f.TimeToRecoverS != nil && f.Impact {
			sendMarks = append(sendMarks, mark{f.EndS + *f.TimeToRecoverS, f.Name + ": recovered", "#2e7d32"})
		}
		if f.TimeToRecoverByAnswerS != nil && f.Impact {
			answerMarks = append(answerMarks, mark{f.EndS + *f.TimeToRecoverByAnswerS, f.Name + ": recovered", "#2e7d32"})
		}
		if d := f.Decisions; d != nil && d.Impact && d.TimeToImpactS != nil {
			answerMarks = append(answerMarks, mark{f.StartS + *d.TimeToImpactS, f.Name + ": decisions late", "#ef6c00"})
			if d.TimeToRecoverS != nil {
				answerMarks = append(answerMarks, mark{f.EndS + *d.TimeToRecoverS, f.Name + ": decisions in time", "#558b2f"})
			}
		}
	}
	rate := chart{id: "rate", title: "Rate: offered by the schedule and sent", unit: "req/s", xs: xs, spans: spans, marks: sendMarks,
		lines: []line{{"offered", "#90a4ae", column(send, func(b analysis.Bucket) float64 { return b.Offered * per })},
			{"sent", "#1565c0", column(send, func(b analysis.Bucket) float64 { return float64(b.Sent) * per })}}}
	out := []template.HTML{rate.svg()}
	for _, ax := range []struct {
		id, by string
		b      []analysis.Bucket
		marks  []mark
	}{{"", "by scheduled send time", send, sendMarks}, {"-answer", "by answer time (or the moment it passed the latency limit)", series.Answer, answerMarks}} {
		xs := axis(ax.b)
		mix := chart{id: "outcomes" + ax.id, title: "Outcome of each payment, " + ax.by, unit: "payments/s", xs: xs, spans: spans, marks: ax.marks, stacked: true}
		for _, oc := range outcomeColors {
			if (oc.name == "pending" || oc.name == "duplicate") && outcomeOf(s.Requests.Outcomes, oc.name) == 0 {
				continue
			}
			mix.lines = append(mix.lines, line{oc.name, oc.color, column(ax.b, func(b analysis.Bucket) float64 { return float64(outcomeOf(b.Outcomes, oc.name)) * per })})
		}
		lat := chart{id: "latency" + ax.id, title: "Latency from the scheduled send, " + ax.by, unit: "ms", xs: xs, spans: spans, marks: ax.marks,
			lines: []line{{"p50", "#43a047", column(ax.b, func(b analysis.Bucket) float64 { return b.Latency.P50 })},
				{"p90", "#fb8c00", column(ax.b, func(b analysis.Bucket) float64 { return b.Latency.P90 })},
				{"p99", "#e53935", column(ax.b, func(b analysis.Bucket) float64 { return b.Latency.P99 })}}}
		out = append(out, mix.svg(), lat.svg())
	}
	out = append(out, serviceCharts(s, send, xs, spans, sendMarks)...)
	cpu := chart{id: "cpu", title: "CPU by container and of the load generator (100% = one core)", unit: "%", spans: spans}
	mem := chart{id: "memory", title: "Memory by container", unit: "MiB", spans: spans}
	roles := map[string][][2]float64{}
	mems := map[string][][2]float64{}
	for _, smp := range r.Samples {
		name := smp.Role
		if smp.Kind == "generator" {
			name = "generator"
		}
		roles[name] = append(roles[name], [2]float64{smp.TS, smp.CPUPct})
		if smp.Kind == "container" {
			mems[name] = append(mems[name], [2]float64{smp.TS, float64(smp.Mem) / (1 << 20)})
		}
	}
	palette := []string{"#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f"}
	if len(roles) > 0 && len(xs) > 0 { // no bucket: a run stopped before its first
		cpu.xs, cpu.lines = resample(roles, xs, s.BucketS, palette)
		mem.xs, mem.lines = resample(mems, xs, s.BucketS, palette)
		out = append(out, cpu.svg(), mem.svg())
	}
	return out
}

// resample puts once-a-second samples on the series' buckets (mean per bucket).
func resample(by map[string][][2]float64, xs []float64, bucketS float64, palette []string) ([]float64, []line) {
	if len(xs) == 0 {
		return xs, nil // no bucket to put a sample on
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []line
	for i, n := range names {
		sum, cnt := make([]float64, len(xs)), make([]float64, len(xs))
		for _, p := range by[n] {
			j := min(max(int(p[0]/bucketS), 0), len(xs)-1)
			sum[j] += p[1]
			cnt[j]++
		}
		ys := make([]float64, len(xs))
		last := 0.0
		for j := range ys {
			if cnt[j] > 0 {
				last = sum[j] / cnt[j]
			}
			ys[j] = last
		}
		lines = append(lines, line{n, palette[i%len(palette)], ys})
	}
	return xs, lines
}

func outcomeOf(o analysis.Outcomes, name string) int {
	return map[string]int{"approved": o.Approved, "declined": o.Declined, "rejected": o.Rejected, "shed": o.Shed,
		"error": o.Error, "timeout": o.Timeout, "conn_error": o.ConnError, "pending": o.Pending, "duplicate": o.Duplicate}[name]
}

// axis is the start of each bucket, in seconds.
func axis(series []analysis.Bucket) []float64 {
	return column(series, func(b analysis.Bucket) float64 { return b.T })
}

// column is one value of each bucket.
func column(series []analysis.Bucket, f func(b analysis.Bucket) float64) []float64 {
	out := make([]float64, len(series))
	for i, b := range series {
		out[i] = f(b)
	}
	return out
}
