package scenario_test

import (
	"testing"

	"github.com/authquake/authquake/harness/scenario"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// astDepth is the deepest chain of collections in n (a mapping value, the
// key: value pair inside a mapping, is not a level of its own).
func astDepth(n ast.Node) int {
	deepest := 0
	switch v := n.(type) {
	case *ast.DocumentNode:
		return astDepth(v.Body)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			deepest = max(deepest, astDepth(mv.Key), astDepth(mv.Value))
		}
		return deepest + 1
	case *ast.MappingValueNode:
		return max(astDepth(v.Key), astDepth(v.Value)) + 1
	case *ast.SequenceNode:
		for _, e := range v.Values {
			deepest = max(deepest, astDepth(e))
		}
		return deepest + 1
	case *ast.MappingKeyNode:
		return astDepth(v.Value)
	case *ast.TagNode:
		return astDepth(v.Value)
	case *ast.AnchorNode:
		return astDepth(v.Value)
	}
	return 0
}

// FuzzYAMLBudget: the budgets measured on the tokens hold on the tree the
// parser builds from them: it nests no deeper than measured (so the depth
// budget bounds the parser's recursion) and no block mapping has more keys
// than the budget (so their quadratic cost is bounded).
func FuzzYAMLBudget(f *testing.F) {
	seedScenarios(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > scenario.MaxFileBytes {
			return
		}
		tokens := lexer.Tokenize(string(data))
		depth, ok := scenario.CheckTokens(tokens)
		if !ok {
			return
		}
		file, err := parser.Parse(tokens, 0)
		if err != nil {
			return
		}
		for _, doc := range file.Docs {
			// Each level is a collection and, in a mapping, its pair.
			if d := astDepth(doc); d > 2*(depth+1) {
				t.Fatalf("the budget measured a depth of %d, the syntax tree has %d", depth, d)
			}
			if k := mostBlockKeys(doc); k > scenario.MaxYAMLKeys {
				t.Fatalf("a block mapping of %d keys got through", k)
			}
		}
	})
}

// mostBlockKeys is the most keys of one block mapping in n.
func mostBlockKeys(n ast.Node) int {
	most := 0
	ast.Walk(visitFunc(func(n ast.Node) {
		if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle {
			most = max(most, len(m.Values))
		}
	}), n)
	return most
}

type visitFunc func(ast.Node)

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	f(n)
	return f
}
