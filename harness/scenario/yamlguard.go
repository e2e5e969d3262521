package scenario

import (
	"fmt"

	"github.com/goccy/go-yaml/token"
)

// The budgets of the YAML text itself. goccy/go-yaml's parser recurses
// once per level of nesting and once per key of a block mapping, building
// each node's path as it goes: 100 KB of "[" cost it gigabytes before it
// could say "too deep", and 20,000 keys in one mapping 1.7 GB. Its lexer
// is linear (about 300 bytes per token), so the file's size bounds the
// tokens, and the tokens are measured (checkTokens) before the parser sees
// them; aliases are counted on the syntax tree before anything expands
// them (checkAliases). The README's limits table quotes these values.
const (
	// MaxFileBytes is the largest scenario file (128 KiB): the bundled
	// scenarios are under 3 KiB and a request template at most 64 KiB,
	// and the lexer allocates at most 40 MB for 128 KiB of any text.
	MaxFileBytes = 128 << 10
	// MaxYAMLTokens is the most tokens (scalars, indicators, anchors,
	// comments) a file may have: the bundled scenarios have at most 400,
	// 1000 faults about 17,000; parsing costs about 1 KB per token.
	MaxYAMLTokens = 30_000
	// MaxYAMLDepth is the deepest nesting of mappings and lists; a
	// scenario needs about eight levels.
	MaxYAMLDepth = 64
	// MaxYAMLKeys is the most keys in one block mapping (name: value
	// lines at one indentation); the parser's cost grows with their square.
	MaxYAMLKeys = 256
	// MaxAliasNodes is the most nodes the aliases of a file may stand
	// for, counted as if each were written out where it is used.
	MaxAliasNodes = 100_000
)

// tokenBudget measures a token stream as the parser will nest it: open
// flow brackets, plus the columns of the open block collections (a block
// entry, "- " or "key:", at a column deeper than the innermost opens one;
// at a shallower column it closes those deeper).
type tokenBudget struct {
	file     string
	flow     int
	blocks   []block
	maxDepth int
}

// block is an open block collection: the column of its entries, and how
// many keys it has had.
type block struct{ col, keys int }

// checkTokens returns a problem at the first token past a budget.
func checkTokens(file string, tokens token.Tokens) *Problem {
	b := tokenBudget{file: file}
	return b.check(tokens)
}

func (b *tokenBudget) check(tokens token.Tokens) *Problem {
	for i, tk := range tokens {
		if i == MaxYAMLTokens {
			return b.problem(tk, fmt.Sprintf("more than %d YAML tokens", MaxYAMLTokens),
				"a scenario has a few hundred; write fewer, larger values (README \"Limits\")")
		}
		var p *Problem
		switch tk.Type {
		case token.MappingStartType, token.SequenceStartType:
			b.flow++
			p = b.checkDepth(tk)
		case token.MappingEndType, token.SequenceEndType:
			b.flow = max(b.flow-1, 0)
		case token.DocumentHeaderType:
			b.blocks, b.flow = b.blocks[:0], 0
		case token.SequenceEntryType, token.MappingKeyType:
			if b.flow == 0 {
				p = b.open(tk, tk.Position.Column, false)
			}
		case token.MappingValueType:
			if b.flow == 0 {
				key := tk // the key starts here, or before on the line
				if i > 0 && tokens[i-1].Position.Line == tk.Position.Line {
					key = tokens[i-1]
				}
				p = b.open(key, key.Position.Column, true)
			}
		}
		if p != nil {
			return p
		}
	}
	return nil
}

// open notes a block entry (a key when key is true) at column col: the
// collections deeper than col close, and one opens unless col is the
// innermost's.
func (b *tokenBudget) open(tk *token.Token, col int, key bool) *Problem {
	for len(b.blocks) > 0 && b.blocks[len(b.blocks)-1].col > col {
		b.blocks = b.blocks[:len(b.blocks)-1]
	}
	if len(b.blocks) == 0 || b.blocks[len(b.blocks)-1].col < col {
		b.blocks = append(b.blocks, block{col: col})
	}
	if top := &b.blocks[len(b.blocks)-1]; key {
		if top.keys++; top.keys > MaxYAMLKeys {
			return b.problem(tk, fmt.Sprintf("more than %d keys in one mapping", MaxYAMLKeys),
				"a list of items (- name: ...) has no such limit (README \"Limits\")")
		}
	}
	return b.checkDepth(tk)
}

func (b *tokenBudget) checkDepth(tk *token.Token) *Problem {
	d := len(b.blocks) + b.flow
	b.maxDepth = max(b.maxDepth, d)
	if d > MaxYAMLDepth {
		return b.problem(tk, fmt.Sprintf("nested deeper than %d levels", MaxYAMLDepth), "a scenario needs about eight (README \"Limits\")")
	}
	return nil
}

func (b *tokenBudget) problem(tk *token.Token, msg, hint string) *Problem {
	p := &Problem{File: b.file, Line: 1, Column: 1, Msg: msg, Hint: hint}
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	return p
}

// tooLarge is the problem of a file past MaxFileBytes.
func tooLarge(file string) *Problem {
	return &Problem{File: file, Line: 1, Column: 1, Msg: fmt.Sprintf("the file is larger than %d KiB", MaxFileBytes>>10),
		Hint: "see README \"Limits\""}
}
