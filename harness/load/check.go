package load

import (
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
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
//
// The follow-up requests of a flow (target.capture, void, reverse) are
// checked the same way; only capture and void may use {{.AuthID}}.
func CheckTemplates(s *scenario.Scenario, src *scenario.Source) scenario.Problems {
	stream := traffic.NewStream(s, s.Seed)
	all := viewFields()
	var authorise []string // every field but .AuthID: an authorisation has no id yet
	for _, f := range all {
		if f != ".AuthID" {
			authorise = append(authorise, f)
		}
	}
	var probs scenario.Problems
	for _, c := range []struct {
		at     string
		rq     *scenario.RequestTemplate
		fields []string
	}{{"request", &s.Target.Request, authorise}, {"capture", s.Target.Capture, all},
		{"void", s.Target.Void, all}, {"reverse", s.Target.Reverse, authorise}} {
		if c.rq != nil {
			probs = append(probs, checkRequest(stream, src, "$.target."+c.at, c.rq, c.fields)...)
		}
	}
	return probs
}

// checkRequest checks one request's templates (path, headers, body).
func checkRequest(stream *traffic.Stream, src *scenario.Source, at string, rq *scenario.RequestTemplate, fields []string) scenario.Problems {
	type tmpl struct {
		path, name, text string
		header           bool
	}
	all := []tmpl{{at + ".path", "path", rq.Path, false}}
	names := make([]string, 0, len(rq.Headers))
	for k := range rq.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		all = append(all, tmpl{at + ".headers." + k, "header " + k, rq.Headers[k], true})
	}
	if len(names) > scenario.MaxHeaders { // refused by the scenario's checks; not rendered here
		all = all[:1]
	}
	all = append(all, tmpl{at + ".body", "body", rq.Body, false})
	hint := "a request template may use " + strings.Join(fields, " ")
	var probs scenario.Problems
	for _, t := range all {
		if !slices.Contains(fields, ".AuthID") && strings.Contains(t.text, ".AuthID") {
			probs = append(probs, src.Errorf(t.path, hint, "%s", "{{.AuthID}} is known only to capture and void requests, after an approval"))
			continue
		}
		compiler := compile
		if t.header {
			compiler = compileHeader
		}
		c, err := compiler(t.name, t.text)
		if err == nil {
			c.tmpl.Funcs(secret.CheckFuncs) // authquake validate needs no secret: run checks them (scenario.CheckEnv)
		}
		for seq := uint64(0); err == nil && seq < samples; seq++ {
			p := stream.Payment(seq)
			_, err = c.renderFor(nil, &p, "auth_1")
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
