package replay

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
)

// Doc is a scenario file as an ordered YAML document. Replay and shrink
// change a few values (the seed, the bugs, fault instants, phase durations
// and rates, the account count) and keep every other field as it was
// written, in its order, so that what they write reads like the original.
// Comments are not kept: a written Doc starts with a header of its own.
type Doc struct {
	root yaml.MapSlice
}

// ParseDoc reads a scenario file's YAML. It checks only that it is a
// mapping: run.Load checks the scenario.
func ParseDoc(data []byte) (*Doc, error) {
	var root yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(data, &root, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return &Doc{root: root}, nil
}

// Clone returns a deep copy.
func (d *Doc) Clone() *Doc { return &Doc{root: cloneValue(d.root).(yaml.MapSlice)} }

func cloneValue(v any) any {
	switch v := v.(type) {
	case yaml.MapSlice:
		out := make(yaml.MapSlice, len(v))
		for i, it := range v {
			out[i] = yaml.MapItem{Key: it.Key, Value: cloneValue(it.Value)}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cloneValue(x)
		}
		return out
	}
	return v
}

// Get returns the value at a path of mapping keys, e.g. "target", "authsim", "bugs".
func (d *Doc) Get(path ...string) (any, bool) {
	var cur any = d.root
	for _, k := range path {
		m, ok := cur.(yaml.MapSlice)
		if !ok {
			return nil, false
		}
		i := index(m, k)
		if i < 0 {
			return nil, false
		}
		cur = m[i].Value
	}
	return cur, true
}

// Set puts v at a path of mapping keys, creating the mappings on the way;
// a new key goes last.
func (d *Doc) Set(v any, path ...string) {
	d.root = set(d.root, v, path)
}

func set(m yaml.MapSlice, v any, path []string) yaml.MapSlice {
	i := index(m, path[0])
	if i < 0 {
		m = append(m, yaml.MapItem{Key: path[0]})
		i = len(m) - 1
	}
	if len(path) == 1 {
		m[i].Value = v
		return m
	}
	child, _ := m[i].Value.(yaml.MapSlice)
	m[i].Value = set(child, v, path[1:])
	return m
}

// Delete removes the value at a path, if it is there.
func (d *Doc) Delete(path ...string) {
	parent := d.root
	if len(path) > 1 {
		p, ok := d.Get(path[:len(path)-1]...)
		if parent, ok = p.(yaml.MapSlice); !ok {
			return
		}
	}
	i := index(parent, path[len(path)-1])
	if i < 0 {
		return
	}
	parent = append(parent[:i], parent[i+1:]...)
	if len(path) == 1 {
		d.root = parent
	} else {
		d.Set(parent, path[:len(path)-1]...)
	}
}

// List returns the items of a top-level list (faults, stop_when), or of
// traffic.phases with List("traffic", "phases").
func (d *Doc) List(path ...string) []any {
	v, _ := d.Get(path...)
	l, _ := v.([]any)
	return l
}

// Item returns item i of the list at path as a mapping; nil when it is not one.
func (d *Doc) Item(i int, path ...string) yaml.MapSlice {
	l := d.List(path...)
	if i < 0 || i >= len(l) {
		return nil
	}
	m, _ := l[i].(yaml.MapSlice)
	return m
}

// SetIn sets key of a mapping, in place when it is there, last otherwise.
func SetIn(m yaml.MapSlice, key string, v any) yaml.MapSlice {
	return set(m, v, []string{key})
}

// GetIn returns key of a mapping.
func GetIn(m yaml.MapSlice, key string) (any, bool) {
	if i := index(m, key); i >= 0 {
		return m[i].Value, true
	}
	return nil, false
}

func index(m yaml.MapSlice, key string) int {
	for i, it := range m {
		if k, ok := it.Key.(string); ok && k == key {
			return i
		}
	}
	return -1
}

// Bytes renders the document, after a comment header of one line per
// entry of header (a blank entry is a blank comment line).
func (d *Doc) Bytes(header []string) ([]byte, error) {
	body, err := yaml.MarshalWithOptions(d.root, yaml.UseLiteralStyleIfMultiline(true),
		yaml.IndentSequence(true), yaml.UseSingleQuote(true))
	if err != nil {
		return nil, fmt.Errorf("render scenario: %w", err)
	}
	var b bytes.Buffer
	for _, h := range header {
		for _, line := range strings.Split(h, "\n") {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	b.Write(body)
	return b.Bytes(), nil
}
