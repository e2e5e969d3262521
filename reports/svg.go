package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// line is one series of a chart.
type line struct {
	name, color string
	ys          []float64
}

// span shades a stretch of the x axis (a fault in force).
type span struct {
	from, to float64
	label    string
}

// mark is a vertical line at an instant (impact, recovery).
type mark struct {
	x            float64
	label, color string
}

// chart is a line or stacked-area chart rendered as inline SVG: the report
// needs no script and no network to draw.
type chart struct {
	id, title, unit string
	xs              []float64
	lines           []line
	stacked         bool
	spans           []span
	marks           []mark
	// xtick labels an x tick ("" for none); nil: seconds.
	xtick func(x float64) string
}

const (
	chartW, chartH = 960, 240
	padL, padR     = 56, 16
	padT, padB     = 40, 28
)

// niceMax rounds up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func (c chart) svg() template.HTML {
	var b strings.Builder
	xmax := 1.0
	if n := len(c.xs); n > 0 {
		xmax = math.Max(c.xs[n-1]+(c.xs[n-1]-c.xs[0])/float64(max(n-1, 1)), 1)
	}
	ymax := 0.0
	tops := make([]float64, len(c.xs))
	for _, l := range c.lines {
		for i, y := range l.ys {
			if c.stacked {
				tops[i] += y
				ymax = math.Max(ymax, tops[i])
			} else {
				ymax = math.Max(ymax, y)
			}
		}
	}
	ymax = niceMax(ymax)
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	X := func(x float64) float64 { return padL + x/xmax*pw }
	Y := func(y float64) float64 { return padT + ph - y/ymax*ph }
	esc := html.EscapeString // every string in the SVG: names come from scenarios, runs and services
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-label="%s">`, esc(c.id), chartW, chartH, esc(c.title))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="title">%s</text>`, padL, esc(c.title))
	for _, s := range c.spans {
		fmt.Fprintf(&b, `<rect class="fault" x="%.1f" y="%d" width="%.1f" height="%.0f"><title>%s</title></rect>`,
			X(s.from), padT, math.Max(X(s.to)-X(s.from), 1), ph, esc(s.label))
		fmt.Fprintf(&b, `<text class="faultlabel" x="%.1f" y="%d">%s</text>`, X(s.from)+2, padT+10, esc(s.label))
	}
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			padL, chartW-padR, Y(y), Y(y), padL-4, Y(y)+4, trimFloat(y))
	}
	step := niceMax(xmax / 8)
	for x := 0.0; x <= xmax; x += step {
		label := trimFloat(x) + "s"
		if c.xtick != nil {
			label = c.xtick(x)
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, X(x), chartH-8, esc(label))
	}
	base := make([]float64, len(c.xs))
	for _, l := range c.lines {
		var pts []string
		for i, y := range l.ys {
			if i < len(c.xs) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", X(c.xs[i]), Y(base[i]+y)))
			}
		}
		if c.stacked {
			var back []string
			for i := len(l.ys) - 1; i >= 0; i-- {
				if i < len(c.xs) {
					back = append(back, fmt.Sprintf("%.1f,%.1f", X(c.xs[i]), Y(base[i])))
				}
			}
			fmt.Fprintf(&b, `<polygon class="area" fill="%s" points="%s"><title>%s</title></polygon>`, esc(l.color), strings.Join(append(pts, back...), " "), esc(l.name))
			for i, y := range l.ys {
				base[i] += y
			}
		} else {
			fmt.Fprintf(&b, `<polyline class="line" stroke="%s" points="%s"><title>%s</title></polyline>`, esc(l.color), strings.Join(pts, " "), esc(l.name))
		}
	}
	for _, m := range c.marks {
		fmt.Fprintf(&b, `<line class="mark" stroke="%s" x1="%.1f" x2="%.1f" y1="%d" y2="%.0f"><title>%s</title></line>`,
			esc(m.color), X(m.x), X(m.x), padT, padT+ph, esc(m.label))
	}
	x := float64(padL)
	for _, l := range c.lines {
		fmt.Fprintf(&b, `<rect x="%.0f" y="21" width="10" height="10" fill="%s"/><text class="legend" x="%.0f" y="30">%s</text>`, x, esc(l.color), x+13, esc(l.name))
		x += 18 + 7*float64(len(l.name))
	}
	if c.unit != "" {
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="30" text-anchor="end">%s</text>`, chartW-padR, esc(c.unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}
