package scenario

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
)

// aliasCount counts the nodes a document stands for with every alias
// written out where it is used, before anything expands them: the syntax
// tree shares an anchor's nodes, but whatever walks the decoded value (the
// fault kinds re-encode their parameters) copies them once per use, and
// nine levels of nine aliases are 387 million strings from 300 bytes.
type aliasCount struct {
	file     string
	anchors  map[string]int // an anchor's size, aliases in it expanded
	expanded int            // nodes the aliases stand for so far
	over     *Problem
}

// checkAliases returns a problem at the alias that takes the document past
// MaxAliasNodes.
func checkAliases(file string, root ast.Node) *Problem {
	a := aliasCount{file: file, anchors: map[string]int{}}
	a.size(root)
	return a.over
}

// size is n's node count with its aliases expanded, saturating just past
// the budget so that no sum overflows.
func (a *aliasCount) size(n ast.Node) int {
	total := 1
	add := func(m ast.Node) {
		if m != nil {
			total = min(total+a.size(m), MaxAliasNodes+1)
		}
	}
	switch v := n.(type) {
	case nil:
		return 0
	case *ast.DocumentNode:
		add(v.Body)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			add(mv)
		}
	case *ast.MappingValueNode:
		add(v.Key)
		add(v.Value)
	case *ast.MappingKeyNode:
		add(v.Value)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			add(e)
		}
	case *ast.TagNode:
		add(v.Value)
	case *ast.AnchorNode:
		add(v.Value)
		a.anchors[nodeText(v.Name)] = total
	case *ast.AliasNode:
		s := a.anchors[nodeText(v.Value)]
		a.expanded = min(a.expanded+s, MaxAliasNodes+1)
		if a.expanded > MaxAliasNodes && a.over == nil {
			p := Problem{File: a.file, Line: 1, Column: 1,
				Msg:  fmt.Sprintf("the aliases stand for more than %d nodes", MaxAliasNodes),
				Hint: "an alias repeats its anchor's whole value; write the values out or use fewer levels of aliases (README \"Limits\")"}
			if tk := v.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Column = tk.Position.Line, tk.Position.Column
			}
			a.over = &p
		}
		total = max(s, 1)
	}
	return total
}

func nodeText(n ast.Node) string {
	if n == nil {
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return n.String()
}
