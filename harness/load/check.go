package load

import (
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/traffic"
)

// samples is how many payments of the stream each template is rendered for
// when checked: enough to take both sides of most {{if}}s on the amount or
// the account, cheap enough for `authquake validate`.
const samples = 64

// CheckTemplates compiles every request template of s (path, header values,
// body) and renders it for sample payments of the scenario's own stream, so
// that a misspelt field ({{.AccountId}} for {{.AccountID}}) makes the
// scenario invalid (exit 2) before anything starts, instead of a run that
// sends nothing. Each problem is placed at its template in the file, with
// the fields a template may use as the hint.
func CheckTemplates(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	rq := s.Target.Request
	type tmpl struct{ path, name, text string }
	all := []tmpl{{"$.target.request.path", "path", rq.Path}}
	names := make([]string, 0, len(rq.Headers))
	for k := range rq.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		all = append(all, tmpl{"$.target.request.headers." + k, "header " + k, rq.Headers[k]})
	}
	all = append(all, tmpl{"$.target.request.body", "body", rq.Body})
	stream := traffic.NewStream(s, s.Seed)
	fields := viewFields()
	hint := "a request template may use " + strings.Join(fields, " ")
	var probs scenario.Problems
	for _, t := range all {
		c, err := compile(t.name, t.text)
		for seq := uint64(0); err == nil && seq < samples; seq++ {
			p := stream.Payment(seq)
			_, err = c.render(nil, &p)
		}
		if err != nil {
			probs = append(probs, src.Errorf(t.path, hint, "%s", templateProblem(err, fields)))
		}
	}
	return probs
}

var (
	noField  = regexp.MustCompile(`can't evaluate field (\w+)`)
	tmplLine = regexp.MustCompile(`^template: [^:]*:(\d+):`)
)

// templateProblem says what is wrong with a template in the user's terms.
func templateProblem(err error, fields []string) string {
	msg := err.Error()
	where := ""
	if m := tmplLine.FindStringSubmatch(msg); m != nil && m[1] != "1" {
		where = " (line " + m[1] + " of the template)"
	}
	if m := noField.FindStringSubmatch(msg); m != nil {
		out := "a request has no field ." + m[1] + where
		if c := scenario.Closest("."+m[1], fields); c != "" {
			out += ": did you mean " + c + "?"
		}
		return out
	}
	return "does not render" + where + ": " + msg
}

// viewFields lists what a template may refer to, read from the view type
// itself: .AccountID, and .A.B for a field B of a struct field A.
func viewFields() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+f.Name+".")
				continue
			}
			out = append(out, "."+prefix+f.Name)
		}
	}
	walk(reflect.TypeOf(view{}), "")
	sort.Strings(out)
	return out
}
