// Package secret keeps a run's secrets (client secrets, signing keys,
// passwords, tokens) off the disk. A scenario names them by environment
// variable, {{env "NAME"}} in any template or a *_env field, and never holds
// their values; every value looked up, and every literal in a field known to
// hold a secret, is registered here, and whatever authquake writes into a
// run directory goes through Redact (and ScrubDir at the end of the run).
package secret

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
)

// Marker replaces a secret's value in whatever is written. It is plain
// YAML, so a redacted scenario.yaml still decodes.
const Marker = "REDACTED"

// MinLen is the shortest value registered: a shorter one would redact
// ordinary words.
const MinLen = 6

var (
	mu     sync.RWMutex
	values [][]byte // longest first, so a value inside another goes with it
)

// Register adds values to the secrets every Redact removes.
func Register(vs ...string) {
	mu.Lock()
	defer mu.Unlock()
	for _, v := range vs {
		if len(v) < MinLen || slices.ContainsFunc(values, func(b []byte) bool { return string(b) == v }) {
			continue
		}
		values = append(values, []byte(v))
	}
	slices.SortFunc(values, func(a, b []byte) int { return len(b) - len(a) })
}

// Known reports whether any secret is registered.
func Known() bool {
	mu.RLock()
	defer mu.RUnlock()
	return len(values) > 0
}

// Redact returns b with every registered secret replaced by Marker; b
// itself when it holds none.
func Redact(b []byte) []byte {
	mu.RLock()
	defer mu.RUnlock()
	for _, v := range values {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(Marker))
		}
	}
	return b
}

// String is Redact for a string.
func String(s string) string { return string(Redact([]byte(s))) }

// Lookup returns the value of environment variable name and registers it
// as a secret. An unset variable is an error naming it.
func Lookup(name string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	Register(v)
	return v, nil
}

// Funcs are the functions of every scenario template: env "NAME" is the
// variable's value, registered as a secret.
var Funcs = template.FuncMap{"env": Lookup}

// CheckFuncs stand in for Funcs where templates are only checked
// (authquake validate): env gives a placeholder and needs no variable.
var CheckFuncs = template.FuncMap{"env": func(name string) (string, error) { return "ENV-" + name, nil }}

var envCall = regexp.MustCompile(`\benv\s+"([^"]*)"`)

// EnvNames lists the variables a template refers to with env "NAME".
func EnvNames(tmpl string) []string {
	if !strings.Contains(tmpl, "env") {
		return nil
	}
	var names []string
	for _, m := range envCall.FindAllStringSubmatch(tmpl, -1) {
		names = append(names, m[1])
	}
	return names
}

// reset forgets every secret (tests).
func reset() {
	mu.Lock()
	values = nil
	mu.Unlock()
}

// Expand renders s, a template whose only use is {{env "NAME"}} (a DSN
// with its password from the environment, a key), registering what it
// reads. A string without {{ is returned as it is.
func Expand(s string) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Option("missingkey=error").Funcs(Funcs).Parse(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}
