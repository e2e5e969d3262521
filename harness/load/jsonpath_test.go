package load

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// FuzzJSONPath: the path scanner never panics, finds nothing in a body that
// is not valid JSON, and on valid JSON finds what encoding/json finds.
func FuzzJSONPath(f *testing.F) {
	for _, seed := range []struct{ body, path string }{
		{`{"status":"APPLIED"}`, "status"},
		{`{"data":{"status":"REJECTED","n":1.5e3}}`, "data.status"},
		{`{"items":[{"s":1},{"s":true}]}`, "items.1.s"},
		{`{"a":{"b":1},"a":{"c":2}}`, "a.b"},
		{`{"k\u00e9y":"v\"q\ud83d\ude00"}`, "kéy"},
		{`{"a":"\ud800x"}`, "a"},
		{`{"a": [1, 2,]}`, "a.0"},
		{`{"0":{"01":null}}`, "0.01"},
		{" [ {\"a\" : -0.0e+1 } ] ", "0.a"},
		{`{"a":"b"`, "a"},
	} {
		f.Add([]byte(seed.body), seed.path)
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		keys := strings.Split(path, ".")
		if path == "" || len(keys) > 8 {
			return
		}
		var p jsonPaths
		i := p.add(path)
		var at found
		valid := p.scan(body, &at)
		if valid != json.Valid(body) {
			t.Fatalf("scan says valid=%v, encoding/json %v", valid, !valid)
		}
		if !valid {
			if at[i] != (span{}) {
				t.Fatalf("found %v in invalid JSON", at[i])
			}
			return
		}
		want, ok := lookup(t, body, keys)
		if ok != (at[i].end != 0) {
			t.Fatalf("found=%v, encoding/json %v (%v)", at[i].end != 0, ok, want)
		}
		if !ok {
			return
		}
		raw := body[at[i].start:at[i].end]
		got := valueText(body, at[i])
		switch w := want.(type) {
		case string:
			if raw[0] != '"' || got != w {
				t.Fatalf("got %q (%s), want string %q", got, raw, w)
			}
			if !equalDecoded(raw[1:len(raw)-1], []byte(w)) {
				t.Fatalf("%s does not compare equal to %q", raw, w)
			}
		case json.Number:
			if got != w.String() {
				t.Fatalf("got %q, want number %s", got, w)
			}
		case bool:
			if got != strconv.FormatBool(w) {
				t.Fatalf("got %q, want %v", got, w)
			}
		case nil:
			if string(raw) != "null" || got != "" {
				t.Fatalf("got %q (%s), want null", got, raw)
			}
		case map[string]any, []any:
			if raw[0] != '{' && raw[0] != '[' {
				t.Fatalf("got %s, want an object or a list", raw)
			}
		}
	})
}

// lookup is the oracle: the value at keys as encoding/json decodes it.
func lookup(t *testing.T, body []byte, keys []string) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			n := listIndex(k)
			if n < 0 || n >= len(x) {
				return nil, false
			}
			v = x[n]
		default:
			return nil, false
		}
	}
	return v, true
}
