package scenario

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"

	"github.com/authquake/authquake/harness/secret"
)

// EnvRef is an environment variable the scenario reads a secret from, at
// a path of the document.
type EnvRef struct {
	Path, Name string
}

// secretName is a header or environment variable name whose value is a
// secret when written in the scenario itself.
var secretName = regexp.MustCompile(`(?i)authorization|api[-_]?key|token|secret|passw|signature|credential`)

// walk calls fn with every string of the scenario and its path ($.a.b[0]),
// with the name of the field or map key that holds it.
func walk(v reflect.Value, path, name string, fn func(path, name, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, name, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || tag == "" || tag == "-" {
				continue
			}
			walk(v.Field(i), path+"."+tag, tag, fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := fmt.Sprint(iter.Key().Interface())
			walk(iter.Value(), path+"."+k, k, fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), name, fn)
		}
	case reflect.String:
		fn(path, name, v.String())
	}
}

// EnvRefs lists every environment variable the scenario reads: in
// templates ({{env "NAME"}}) and in *_env fields.
func (s *Scenario) EnvRefs() []EnvRef {
	var refs []EnvRef
	walk(reflect.ValueOf(s), "$", "", func(path, name, v string) {
		if strings.HasSuffix(name, "_env") && v != "" {
			refs = append(refs, EnvRef{path, v})
		}
		for _, n := range secret.EnvNames(v) {
			refs = append(refs, EnvRef{path, n})
		}
	})
	return refs
}

// CheckEnv looks up every variable the scenario reads, registering each
// value as a secret (harness/secret): one problem per variable not set,
// at its place in the file. authquake run checks it before anything
// starts; authquake validate does not (CI may validate without secrets).
func (s *Scenario) CheckEnv(src *Source) Problems {
	var probs Problems
	for _, r := range s.EnvRefs() {
		if _, err := secret.Lookup(r.Name); err != nil {
			probs = append(probs, src.Problem(r.Path, err.Error(), "export it before authquake run; its value is never written to the run directory"))
		}
	}
	return probs
}

// RegisterSecrets registers the secrets written in the scenario itself
// (not read from the environment): header and environment values whose
// name says secret (Authorization, *token*, *password*...), a signing
// key, and the password of a DSN. They are redacted from the run
// directory like any other.
func (s *Scenario) RegisterSecrets() {
	walk(reflect.ValueOf(s), "$", "", func(path, name, v string) {
		switch {
		case v == "" || strings.HasSuffix(name, "_env"):
		case strings.HasSuffix(path, ".sign.key") && !strings.Contains(v, "{{"):
			secret.Register(v)
		case name == "dsn" || strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://"):
			if u, err := url.Parse(v); err == nil {
				if pw, ok := u.User.Password(); ok && !strings.Contains(pw, "{{") {
					secret.Register(pw)
				}
			}
		case (strings.Contains(path, ".headers.") || strings.Contains(path, ".env.")) && secretName.MatchString(name):
			for _, part := range literalParts(v) {
				secret.Register(part)
			}
		}
	})
}

// literalParts are the literal words of a value outside its template
// actions, past a scheme word such as Bearer or Basic.
func literalParts(v string) []string {
	var out []string
	for v != "" {
		lit, rest, ok := strings.Cut(v, "{{")
		for _, w := range strings.Fields(lit) {
			if !strings.EqualFold(w, "Bearer") && !strings.EqualFold(w, "Basic") {
				out = append(out, w)
			}
		}
		if !ok {
			break
		}
		_, v, _ = strings.Cut(rest, "}}")
	}
	return out
}
