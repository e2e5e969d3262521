package replay

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/authquake/authquake/harness/scenario"
)

// Every bundled scenario survives the trip through a Doc: what it decodes
// to after rendering is what the file decodes to.
func TestDocRoundTrip(t *testing.T) {
	var files []string
	for _, g := range []string{"../../scenarios/*/*.yaml", "../../examples/*/*.yaml", "../../examples/*/*/*.yaml"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d scenario files: the globs are wrong", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := scenario.Parse(f, data)
		if err != nil {
			continue // a file for another purpose (a dashboard, a workflow)
		}
		d, err := ParseDoc(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out, err := d.Clone().Bytes([]string{"header", "", "two lines\nin one"})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, _, err := scenario.Parse(f, out)
		if err != nil {
			t.Fatalf("%s rendered does not parse: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rendered scenario differs from the file:\n%s", f, out)
		}
	}
}

// Set creates what is missing, keeps the order of what is there, and
// Delete removes a key anywhere.
func TestDocSetDelete(t *testing.T) {
	d, err := ParseDoc([]byte("name: x\ntarget: {kind: authsim}\nseed: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	d.Set(uint64(7), "seed")
	d.Set([]any{"limit-race"}, "target", "authsim", "bugs")
	d.Set(5, "accounts", "count")
	d.Delete("target", "kind")
	d.Delete("nothing", "here")
	out, err := d.Bytes(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "name: x\ntarget:\n  authsim:\n    bugs:\n      - limit-race\nseed: 7\naccounts:\n  count: 5\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
