package reports

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"strings"
)

//go:embed trend.html.tmpl
var trendSrc string

var trendPage = template.Must(template.New("trend").Funcs(template.FuncMap{
	"pct": pct, "audit": auditWord, "inc": func(i int) int { return i + 1 }, "recover": func(r TrendInput, name string) string {
		if f, ok := faultOf(r.Summary, name); ok {
			return recoverText(f)
		}
		return "-"
	},
}).Parse(trendSrc))

// TrendHTML renders the trend as one self-contained page: a table per run,
// the first regressions, and a chart of each measure over the runs, inline
// SVG with no script.
func TrendHTML(w io.Writer, r TrendReport) error {
	return trendPage.Execute(w, struct {
		R      TrendReport
		Charts []template.HTML
	}{r, trendCharts(r)})
}

func trendCharts(r TrendReport) []template.HTML {
	n := len(r.Runs)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	tick := func(x float64) string {
		if i := int(x); float64(i) == x && i < n {
			return "#" + trimFloat(x+1) + " " + r.Runs[i].Started.UTC().Format("01-02")
		}
		return ""
	}
	col := func(f func(TrendInput) float64) []float64 {
		out := make([]float64, n)
		for i, run := range r.Runs {
			out[i] = f(run)
		}
		return out
	}
	marksFor := func(prefix string) []mark {
		var out []mark
		for _, g := range r.Regressions {
			if strings.HasPrefix(g.Measure, prefix) {
				out = append(out, mark{float64(g.Index), "first regression: " + g.Measure + " in " + g.Run, "#c62828"})
			}
		}
		return out
	}
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	fail := chart{id: "failure", title: "Failure ratio per run", unit: "%", xs: xs, xtick: tick, marks: marksFor("failure ratio"),
		lines: []line{{"failure ratio", "#c62828", col(func(t TrendInput) float64 { return 100 * t.Summary.FailureRatio })}}}
	p99 := chart{id: "p99", title: "p99 latency from the scheduled send, per run", unit: "ms", xs: xs, xtick: tick, marks: marksFor("p99"),
		lines: []line{{"p99", "#e53935", col(func(t TrendInput) float64 { return t.Summary.Latency.P99 })}}}
	rec := chart{id: "recovery", title: "Time to recover per fault (a fault that did not recover is drawn at the top)", unit: "s",
		xs: xs, xtick: tick, marks: marksFor("time to recover")}
	top := 0.0
	for _, run := range r.Runs {
		for _, f := range run.Summary.Faults {
			if f.TimeToRecoverS != nil {
				top = math.Max(top, *f.TimeToRecoverS)
			}
		}
	}
	top = niceMax(top * 1.2)
	palette := []string{"#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#6d4c41"}
	for i, name := range r.Faults {
		rec.lines = append(rec.lines, line{name, palette[i%len(palette)], col(func(t TrendInput) float64 {
			f, ok := faultOf(t.Summary, name)
			switch {
			case !ok:
				return 0
			case f.TimeToRecoverS != nil:
				return *f.TimeToRecoverS
			case f.Impact && !f.Recovered:
				return top
			}
			return 0
		})})
	}
	health := chart{id: "health", title: "Verdict pass, audit clean, generator trustworthy (1 yes, 0 no)", xs: xs, xtick: tick,
		marks: append(append(marksFor("verdict"), marksFor("money audit")...), marksFor("generator")...),
		lines: []line{{"pass", "#2e7d32", col(func(t TrendInput) float64 { return bit(t.Summary.Verdict == "pass") })},
			{"audit clean", "#1565c0", col(func(t TrendInput) float64 { return bit(auditWord(t.Summary) == "clean") * 0.97 })},
			{"generator trustworthy", "#ef6c00", col(func(t TrendInput) float64 { return bit(t.Summary.Generator.Trustworthy) * 0.94 })}}}
	out := []template.HTML{fail.svg(), p99.svg()}
	if len(rec.lines) > 0 {
		out = append(out, rec.svg())
	}
	return append(out, health.svg())
}
