package scenario

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// checker walks the YAML syntax tree beside the Go type it will decode into,
// recording every unknown field and wrong type (not just the first), and the
// position of every path for the value checks that come after decoding.
type checker struct {
	file  string
	pos   map[string]Position
	probs Problems
}

var bytesUnmarshaler = reflect.TypeOf((*yaml.BytesUnmarshaler)(nil)).Elem()

// oneOrManyType is a list type that also takes a single value (Statuses).
var oneOrManyType = reflect.TypeOf((*interface{ oneOrMany() })(nil)).Elem()

func (c *checker) add(n ast.Node, path, msg, hint string) {
	p := Problem{File: c.file, Path: path, Msg: msg, Hint: hint}
	if n != nil && n.GetToken() != nil {
		p.Line, p.Column = n.GetToken().Position.Line, n.GetToken().Position.Column
	}
	c.probs = append(c.probs, p)
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.DocumentNode:
			n = v.Body
		default:
			return n
		}
	}
}

func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func keyName(mv *ast.MappingValueNode) string {
	if tk := mv.Key.GetToken(); tk != nil {
		return tk.Value
	}
	return mv.Key.String()
}

// check visits node n that will be decoded into a value of type t at path.
// It returns false when n itself cannot be decoded into t; the caller then
// replaces n with null, so that decoding goes on and the value checks can
// report their problems too.
func (c *checker) check(n ast.Node, t reflect.Type, path string) bool {
	n = unwrap(n)
	if n == nil {
		return true
	}
	if tk := n.GetToken(); tk != nil {
		if _, seen := c.pos[path]; !seen {
			c.pos[path] = Position{tk.Position.Line, tk.Position.Column}
		}
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		return true
	}
	if _, isAlias := n.(*ast.AliasNode); isAlias {
		return true // checked where the anchor stands
	}
	if reflect.PointerTo(t).Implements(bytesUnmarshaler) {
		return c.scalar(n, t, path)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return c.check(n, t.Elem(), path)
	case reflect.Struct:
		return c.object(n, t, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok && t.Implements(oneOrManyType) {
			return c.check(n, t.Elem(), path)
		}
		if !ok {
			c.add(n, path, "must be a list", "write one item per line starting with \"- \"")
			return false
		}
		for i, v := range seq.Values {
			if !c.check(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				seq.Values[i] = null(v)
			}
		}
	case reflect.Map:
		mvs, ok := mappingValues(n)
		if !ok {
			c.add(n, path, "must be a mapping of names to values", "")
			return false
		}
		for _, mv := range mvs {
			k := keyName(mv)
			c.pos[path+"."+k] = Position{mv.Key.GetToken().Position.Line, mv.Key.GetToken().Position.Column}
			if !c.check(mv.Value, t.Elem(), path+"."+k) {
				mv.Value = null(mv.Value)
			}
		}
	case reflect.Interface:
		// free-form (fault params): checked by the fault kind
	default:
		return c.scalar(n, t, path)
	}
	return true
}

// null is a null node at n's place.
func null(n ast.Node) ast.Node {
	return ast.Null(token.New("null", "null", n.GetToken().Position))
}

// object checks a mapping against struct type t: every key must be a field.
// Unknown keys are reported and left for the lenient decoder to skip.
func (c *checker) object(n ast.Node, t reflect.Type, path string) bool {
	mvs, ok := mappingValues(n)
	if !ok {
		c.add(n, path, "must be a mapping of fields", "fields are written name: value")
		return false
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = t.Field(i).Type
			names = append(names, name)
		}
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for _, mv := range mvs {
		k := keyName(mv)
		ft, known := fields[k]
		kp := path + "." + k
		switch {
		case !known:
			hint := "known fields: " + strings.Join(names, ", ")
			if near := Closest(k, names); near != "" {
				hint = fmt.Sprintf("did you mean %q?", near)
			}
			c.add(mv.Key, kp, fmt.Sprintf("unknown field %q", k), hint)
		case seen[k]:
			c.add(mv.Key, kp, fmt.Sprintf("field %q given twice", k), "")
		default:
			seen[k] = true
			c.pos[kp] = Position{mv.Key.GetToken().Position.Line, mv.Key.GetToken().Position.Column}
			if !c.check(mv.Value, ft, kp) {
				mv.Value = null(mv.Value)
			}
		}
	}
	return true
}

// scalar checks a leaf value against a Go scalar type or a unit type.
func (c *checker) scalar(n ast.Node, t reflect.Type, path string) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		c.add(n, path, "must be a single value, not a "+nodeKind(n), colonHint(n, t, path))
		return false
	}
	text := n.GetToken().Value
	if reflect.PointerTo(t).Implements(bytesUnmarshaler) {
		v := reflect.New(t).Interface().(yaml.BytesUnmarshaler)
		if err := v.UnmarshalYAML([]byte(text)); err != nil {
			c.add(n, path, err.Error(), "")
			return false
		}
		return true
	}
	var err error
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			err = fmt.Errorf("must be true or false, not %q", text)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if _, ok := n.(*ast.IntegerNode); !ok {
			err = fmt.Errorf("must be a whole number, not %q", text)
		}
	case reflect.Uint64, reflect.Uint:
		if _, ok := n.(*ast.IntegerNode); !ok || strings.HasPrefix(text, "-") {
			err = fmt.Errorf("must be a whole number >= 0, not %q", text)
		}
	case reflect.Float64:
		if x, perr := strconv.ParseFloat(text, 64); perr != nil {
			err = fmt.Errorf("must be a number, not %q", text)
		} else if math.IsNaN(x) || math.IsInf(x, 0) {
			err = fmt.Errorf("must be a finite number, not %q", text)
		}
	}
	if err != nil {
		c.add(n, path, err.Error(), "")
		return false
	}
	return true
}

func nodeKind(n ast.Node) string {
	if _, ok := n.(*ast.SequenceNode); ok {
		return "list"
	}
	return "mapping"
}

// colonHint explains the usual cause of a mapping where text was expected:
// in a flow mapping, {image: repo:tag} reads as image: {repo: tag}, because
// the colon inside the value starts a key. Quoting the value fixes it.
func colonHint(n ast.Node, t reflect.Type, path string) string {
	mv, ok := n.(*ast.MappingValueNode)
	if m, one := n.(*ast.MappingNode); one && len(m.Values) == 1 {
		mv, ok = m.Values[0], true
	}
	if !ok || t.Kind() != reflect.String || mv.Key == nil || mv.Value == nil {
		return ""
	}
	if _, ok := mv.Value.(ast.ScalarNode); !ok {
		return ""
	}
	text := mv.Key.GetToken().Value + ":" + mv.Value.GetToken().Value
	return fmt.Sprintf("the colon splits the value: quote it, %s: %q", path[strings.LastIndex(path, ".")+1:], text)
}
