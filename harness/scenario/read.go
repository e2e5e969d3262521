package scenario

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, checks and defaults the scenario file at path, with the checks
// every target kind shares (harness/target/registry.Load adds its module's).
func Load(path string) (*Scenario, *Source, error) { return LoadWith(path, Hooks{}) }

// LoadWith is Load with a target module's hooks.
func LoadWith(path string, h Hooks) (*Scenario, *Source, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, nil, Problems{{File: path, Line: 1, Column: 1, Msg: err.Error(), Hint: "check the path"}}
	}
	return ParseWith(path, data, h)
}

// readLimited reads at most one byte past MaxFileBytes, so that a file too
// large (or a device that never ends) is refused without being held.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}

// Hooks add what the target kind's module knows to decoding (harness/target
// gives them): Defaults runs before the shared defaults, so that a module's
// default (its ledger source) wins over the shared one; Check validates the
// module's own block, its problems reported with every other.
type Hooks struct {
	Defaults func(*Scenario)
	Check    func(*Scenario, *Source) Problems
}

// Source locates paths of a parsed scenario in its file, for problems found
// after decoding (fault parameters, cross-field checks).
type Source struct {
	File string
	pos  map[string]Position
}

// Problem returns a problem at path, placed at the path's position or, when
// the path is absent from the file, at its nearest ancestor's.
func (s *Source) Problem(path, msg, hint string) Problem {
	p := Problem{File: s.File, Path: path, Msg: msg, Hint: hint, Line: 1, Column: 1}
	for q := path; q != ""; q = parent(q) {
		if pos, ok := s.pos[q]; ok {
			p.Line, p.Column = pos.Line, pos.Column
			break
		}
	}
	return p
}

func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return ""
}

var yamlPos = regexp.MustCompile(`\[(\d+):(\d+)\]`)

// Parse checks and decodes a scenario. Every problem is returned at once
// (unknown fields, wrong types, impossible values), sorted by position; the
// scenario is nil when there are any.
func Parse(file string, data []byte) (*Scenario, *Source, error) {
	return ParseWith(file, data, Hooks{})
}

// ParseWith is Parse with a target module's hooks.
func ParseWith(file string, data []byte, h Hooks) (*Scenario, *Source, error) {
	src := &Source{File: file, pos: map[string]Position{}}
	if len(data) > MaxFileBytes {
		return nil, src, Problems{*tooLarge(file)}
	}
	tokens := lexer.Tokenize(string(data))
	if p := checkTokens(file, tokens); p != nil {
		return nil, src, Problems{*p}
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		text := safeError(err)
		p := Problem{File: file, Line: 1, Column: 1, Msg: "not valid YAML: " + firstLine(text)}
		if m := yamlPos.FindStringSubmatch(text); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Column, _ = strconv.Atoi(m[2])
		}
		return nil, src, Problems{p}
	}
	if len(f.Docs) == 0 || f.Docs[0] == nil || f.Docs[0].Body == nil {
		return nil, src, Problems{{File: file, Line: 1, Column: 1, Msg: "the file is empty", Hint: "start from a file in scenarios/"}}
	}
	if len(f.Docs) > 1 {
		return nil, src, Problems{{File: file, Line: 1, Column: 1, Msg: "one scenario per file: found several YAML documents"}}
	}
	if p := checkAliases(file, f.Docs[0]); p != nil {
		return nil, src, Problems{*p}
	}
	c := &checker{file: file, pos: src.pos}
	if !c.check(f.Docs[0].Body, reflect.TypeOf(Scenario{}), "$") {
		return nil, src, c.probs
	}
	// The checker replaced every value it could not type with null, so the
	// lenient decoder gets through and the value checks report too.
	var s Scenario
	if err := yaml.NodeToValue(f.Docs[0].Body, &s); err != nil {
		return nil, src, append(c.probs, Problem{File: file, Line: 1, Column: 1, Msg: firstLine(safeError(err))})
	}
	def(&s.Target.Kind, TargetAuthsim) // the module is the kind's
	if h.Defaults != nil {
		h.Defaults(&s)
	}
	s.Defaults()
	probs := c.probs
	reported := map[string]bool{}
	for _, p := range probs {
		reported[p.Path] = true
	}
	for _, p := range s.validate(src, h.Check) {
		if !reported[p.Path] { // a value nulled for its type is not "missing" too
			probs = append(probs, p)
		}
	}
	if len(probs) > 0 {
		return nil, src, sorted(probs)
	}
	return &s, src, nil
}

func sorted(ps Problems) Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Column < ps[j].Column
	})
	return ps
}

// safeError formats a YAML library error; some of its syntax errors have no
// token and panic when formatted (found by FuzzParse).
func safeError(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = "syntax error"
		}
	}()
	return err.Error()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Errorf is a helper for validators: a problem at path.
func (s *Source) Errorf(path, hint, format string, args ...any) Problem {
	return s.Problem(path, fmt.Sprintf(format, args...), hint)
}
