package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"

	"github.com/authquake/authquake/harness/analysis"
	"github.com/authquake/authquake/harness/rundir"
)

// payload is free text that tries every way out of where it is printed:
// out of an SVG <title> and <text> (the case), into an element or
// an attribute, out of a comment or CDATA, and, in Markdown, out of a
// table cell or a line, into a heading, a list, a link, an image, emphasis,
// code or HTML. tag says which field it is.
func payload(tag string) string {
	return "PAYLOAD-" + tag + ` x</title></polyline></polygon></text></svg><script>alert(1)</script>` +
		`<img src=x onerror=alert(1)>"' onmouseover=alert(1) a="b <!-- ]]> -->` + " | cell | \n\n# heading\n- item\n1. item\n" +
		`![i](/evil.png) [l](javascript:alert(1)) <b>b</b> *e* _u_ ` + "`c` ~~s~~ &lt; &#124; \r\n    code\t\x00\x1b[2J \\"
}

func benign(tag string) string { return "benign-" + tag }

// payloadRun writes the saved run of testdata with text(field) in every
// free-text field its files hold: the scenario's name, description, phase
// and fault names (scenario.yaml, run.json, timeline.json), the run's id,
// reason and warnings, the sample roles (samples.jsonl) and the codes and
// reasons of the service's answers (attempts.csv.gz).
func payloadRun(t *testing.T, text func(string) string) string {
	t.Helper()
	dir := copyRun(t)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	edit := func(name string, f func(string) string) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(f(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	faults := []string{"slow-db", "freeze", "maint"}
	edit("scenario.yaml", func(s string) string {
		s = strings.Replace(s, "seed: 7\n", "seed: 7\ndescription: "+q(text("description"))+"\n", 1)
		for _, n := range append([]string{"base", "spike"}, faults...) {
			s = strings.Replace(s, "{name: "+n+",", "{name: "+q(text(n))+",", 1)
		}
		return s
	})
	edit("run.json", func(s string) string {
		for _, f := range []string{"run_id", "scenario"} {
			s = regexp.MustCompile(`"`+f+`": "[^"]*"`).ReplaceAllString(s, `"`+f+`": `+q(text(f)))
		}
		s = strings.Replace(s, `"status": "completed",`, `"status": "completed", "reason": `+q(text("reason"))+`, "warnings": [`+q(text("warning"))+`],`, 1)
		for _, n := range []string{"base", "spike"} {
			s = strings.Replace(s, `"name": "`+n+`"`, `"name": `+q(text(n)), 1)
		}
		return s
	})
	edit("timeline.json", func(s string) string {
		for _, n := range faults {
			s = strings.Replace(s, `"name": "`+n+`"`, `"name": `+q(text(n)), 1)
		}
		return s
	})
	edit("samples.jsonl", func(s string) string {
		return regexp.MustCompile(`"role":"([^"]*)"`).ReplaceAllStringFunc(s, func(m string) string {
			return `"role":` + q(text("role-"+m[8:len(m)-1]))
		})
	})
	rewriteAttempts(t, filepath.Join(dir, "attempts.csv.gz"), func(row []string) {
		if o := row[6]; o != "approved" && o != "timeout" {
			row[7], row[8] = text("code-"+o), text("reason-"+o)
		}
	})
	return dir
}

// rewriteAttempts applies f to every row of an attempts file.
func rewriteAttempts(t *testing.T, path string, f func([]string)) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	in.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		f(row)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	cw := csv.NewWriter(zw)
	cw.WriteAll(rows)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fillStrings puts text(path) in every settable string of v that is still
// empty, gives every nil pointer, empty slice and empty map one element,
// so that every free-text field of a summary is printed.
func fillStrings(v reflect.Value, path string, text func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() && v.String() == "" {
			v.SetString(text(path))
		}
	case reflect.Pointer:
		if v.IsNil() && v.CanSet() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			fillStrings(v.Elem(), path, text)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillStrings(v.Field(i), path+"."+v.Type().Field(i).Name, text)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 && v.CanSet() {
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
		}
		for i := range v.Len() {
			fillStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), text)
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String && v.Len() == 0 {
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			v.SetMapIndex(reflect.ValueOf(text(path+"{}")).Convert(v.Type().Key()), reflect.New(v.Type().Elem()).Elem())
		}
	}
}

// renderAll is every report rendered from one run, by file name.
func renderAll(t *testing.T, text func(string) string) map[string][]byte {
	t.Helper()
	dir := payloadRun(t, text)
	r, s, series := renderRun(t, dir)
	out := map[string][]byte{}
	var err error
	for _, name := range []string{HTMLFile, MarkdownFile, JUnitFile} {
		if out[name], err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// Then every other string of the summary, and what only a summary with
	// them shows (an audit's violations, flows, the service's metrics, a
	// shrink link, validity reasons).
	fillStrings(reflect.ValueOf(s), "summary", text)
	os.WriteFile(filepath.Join(dir, ShrinkLinkFile), []byte(`{"shrunk": `+jsonString(text("shrunk"))+`, "report": `+
		jsonString(text("shrunk-report"))+`, "status": `+jsonString(text("shrink-status"))+`, "invariant": `+jsonString(text("invariant"))+`}`), 0o644)
	var page, md, junit bytes.Buffer
	if err := HTML(&page, r, s, series); err != nil {
		t.Fatal(err)
	}
	Markdown(&md, s)
	replayMarkdown(&md, r.Dir, s)
	if err := JUnit(&junit, s); err != nil {
		t.Fatal(err)
	}
	out["full/"+HTMLFile], out["full/"+MarkdownFile], out["full/"+JUnitFile] = page.Bytes(), md.Bytes(), junit.Bytes()

	// The trend and compare over this run and a worse copy of it.
	var worse analysis.Summary
	b, _ := json.Marshal(s)
	json.Unmarshal(b, &worse)
	worse.FailureRatio, worse.Latency.P99, worse.Verdict = s.FailureRatio+0.5, s.Latency.P99*3+100, "slo_breached"
	worse.Generator.Trustworthy = false
	for i := range worse.Faults {
		worse.Faults[i].Recovered = false
	}
	started := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tr := Trend([]TrendInput{{Name: text("run-a"), Started: started, Summary: s},
		{Name: text("run-b"), Started: started.Add(24 * time.Hour), Summary: &worse}}, Thresholds{FailureRatio: 0.01, P99: 0.2, RecoverS: 1})
	if len(tr.Regressions) == 0 {
		t.Fatal("the trend has no regression to show")
	}
	var trendPage, trendMD, cmp bytes.Buffer
	if err := TrendHTML(&trendPage, tr); err != nil {
		t.Fatal(err)
	}
	TrendMarkdown(&trendMD, tr)
	CompareMarkdown(&cmp, text("base"), text("new"), Compare(s, &worse, Thresholds{}))
	out["trend.html"], out["trend.md"], out["compare.md"] = trendPage.Bytes(), trendMD.Bytes(), cmp.Bytes()

	// The capacity report.
	headroom := -0.25
	c := &rundir.Capacity{Scenario: text("capacity"), PerCoreBasis: text("basis"), TargetRate: 1500, CoresNeeded: 1.5, MaxP99MS: 500,
		Cores: 2, Cpuset: &rundir.CapacityCpuset{Service: "1", Note: text("cpuset")}, Flags: []string{text("flag")}, NoPlan: text("noplan"),
		Limits: []rundir.CapacityLimit{{CPUs: 0.5, Sustainable: 400, HeadroomRatio: &headroom, Binding: text("binding"), BindingWhy: text("why"), KneeNote: text("knee"),
			Steps: []rundir.CapacityStep{{Rate: 100, P99MS: 5, Binding: text("step-binding")}, {Rate: 400, P99MS: 50}}},
			{CPUs: 1, Sustainable: 800, Ceiling: true, Flag: text("limit-flag"), Steps: []rundir.CapacityStep{{Rate: 100, P99MS: 4}, {Rate: 800, P99MS: 40}}}}}
	capDir := t.TempDir()
	if err := WriteCapacity(capDir, c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"capacity.html", "capacity.md"} {
		if out[name], err = os.ReadFile(filepath.Join(capDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// htmlShape is the elements of an HTML page in document order, each with
// its attributes' names, and its comments: what markup the page has,
// whatever its text says. It fails the test if the page is not HTML.
func htmlShape(t *testing.T, name string, page []byte) (shape []string, text string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var all strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			e := n.Data
			for _, a := range n.Attr {
				e += " " + a.Namespace + ":" + a.Key
				all.WriteString(a.Val + "\n")
			}
			shape = append(shape, e)
		case html.CommentNode:
			shape = append(shape, "<!--")
		case html.TextNode:
			all.WriteString(n.Data + "\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return shape, all.String()
}

// xmlShape is htmlShape for XML, which must be well-formed.
func xmlShape(t *testing.T, name string, doc []byte) (shape []string, text string) {
	t.Helper()
	var all strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			e := v.Name.Local
			for _, a := range v.Attr {
				e += " " + a.Name.Local
				all.WriteString(a.Value + "\n")
			}
			shape = append(shape, e)
		case xml.CharData:
			all.Write(v)
		case xml.Comment, xml.ProcInst, xml.Directive:
			shape = append(shape, fmt.Sprintf("%T", v))
		}
	}
	return shape, all.String()
}

// markdownShape renders Markdown as GitHub does for GITHUB_STEP_SUMMARY
// (tables, strikethrough, raw HTML let through to its sanitiser) and takes
// the shape of the HTML. Bare URLs are not linked here: GitHub links
// them, which loads nothing and runs nothing.
func markdownShape(t *testing.T, name string, doc []byte) (shape []string, text string) {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
		goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
	var out bytes.Buffer
	if err := md.Convert(doc, &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return htmlShape(t, name, out.Bytes())
}

// TestNoInjection renders every report (report.html, report.md,
// junit.xml, trend.html, trend.md, compare's table, capacity.html and
// capacity.md) from a run whose every free-text field is a payload, and
// from the same run with plain words there: parsed (an HTML parser, an XML
// decoder, a Markdown renderer), both have the same elements, attributes
// and comments in the same order, so no payload added or closed any; and
// the payloads are there, as text. Before the fix, a fault's name closed
// the SVG <title> in report.html and trend.html and opened a <script>.
func TestNoInjection(t *testing.T) {
	evil := renderAll(t, payload)
	plain := renderAll(t, benign)
	for name, doc := range evil {
		shape := htmlShape
		switch {
		case strings.HasSuffix(name, ".xml"):
			shape = xmlShape
		case strings.HasSuffix(name, ".md"):
			shape = markdownShape
		}
		got, text := shape(t, name, doc)
		want, _ := shape(t, name, plain[name])
		if d := firstDiff(want, got); d != "" {
			t.Errorf("%s: a payload changed the markup: %s", name, d)
		}
		if !strings.Contains(text, "PAYLOAD-") {
			t.Errorf("%s: no payload was printed at all", name)
		}
	}
	// The case, by name: the fault names are in the SVG as text.
	_, text := htmlShape(t, "trend.html", evil["trend.html"])
	if !strings.Contains(text, "PAYLOAD-maint x</title></polyline></polygon></text></svg><script>") {
		t.Errorf("trend.html: the fault's name is not in the chart as it was written")
	}
}

func firstDiff(want, got []string) string {
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("element %d: %q is missing", i, want[i])
		case i >= len(want):
			return fmt.Sprintf("element %d: %q was added", i, got[i])
		case want[i] != got[i]:
			return fmt.Sprintf("element %d: %q instead of %q", i, got[i], want[i])
		}
	}
	return ""
}
