package load

import (
	"bytes"
	"math/bits"
	"unicode/utf8"
)

// walk is one pass over a body. alive is the set of paths (a bit each)
// whose keys matched so far; depth counts the open objects and lists.
type walk struct {
	b   []byte
	i   int
	p   *jsonPaths
	out *found
}

func (w *walk) ws() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\n' || w.b[w.i] == '\r') {
		w.i++
	}
}

// at reports whether the next byte is c.
func (w *walk) at(c byte) bool { return w.i < len(w.b) && w.b[w.i] == c }

func (w *walk) value(alive uint64, depth int) bool {
	if w.i >= len(w.b) {
		return false
	}
	switch c := w.b[w.i]; {
	case c == '{' || c == '[':
		return w.container(alive, depth+1)
	case c == '"':
		_, ok := w.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return w.number()
	case c == 't':
		return w.literal("true")
	case c == 'f':
		return w.literal("false")
	case c == 'n':
		return w.literal("null")
	}
	return false
}

// container walks an object or a list; its members are at key level depth-1.
func (w *walk) container(alive uint64, depth int) bool {
	if depth > maxDepth {
		return false
	}
	object, end := w.b[w.i] == '{', byte(']')
	if object {
		end = '}'
	}
	w.i++
	w.ws()
	if w.at(end) {
		w.i++
		return true
	}
	for n := 0; ; n++ {
		var next uint64
		if object {
			if !w.at('"') {
				return false
			}
			start := w.i + 1
			decode, ok := w.str()
			if !ok {
				return false
			}
			key := w.b[start : w.i-1]
			if w.ws(); !w.at(':') {
				return false
			}
			w.i++
			w.ws()
			next = w.keyMatch(alive, depth-1, key, decode)
		} else {
			next = w.indexMatch(alive, depth-1, n)
		}
		if !w.member(next, depth) {
			return false
		}
		w.ws()
		switch {
		case w.at(','):
			w.i++
			w.ws()
		case w.at(end):
			w.i++
			return true
		default:
			return false
		}
	}
}

func (w *walk) keyMatch(alive uint64, level int, key []byte, decode bool) (next uint64) {
	for m := alive; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if k := w.p.keys[i]; level < len(k) && (decode && equalDecoded(key, k[level]) || !decode && bytes.Equal(key, k[level])) {
			next |= 1 << i
		}
	}
	return next
}

func (w *walk) indexMatch(alive uint64, level, n int) (next uint64) {
	for m := alive; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if x := w.p.index[i]; level < len(x) && x[level] == n {
			next |= 1 << i
		}
	}
	return next
}

// member walks the value of a key (or list item) that the paths in next
// lead through. A later repeat of the key replaces what an earlier one
// found, as encoding/json does.
func (w *walk) member(next uint64, depth int) bool {
	var ends uint64
	for m := next; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		w.out[i] = span{}
		if len(w.p.keys[i]) == depth {
			ends |= 1 << i
		}
	}
	start := w.i
	if !w.value(next&^ends, depth) {
		return false
	}
	for m := ends; m != 0; m &= m - 1 {
		w.out[bits.TrailingZeros64(m)] = span{int32(start), int32(w.i)}
	}
	return true
}

// plain marks the string bytes that need no second look: not a quote, a
// backslash, a control character or a non-ASCII byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str skips a string; decode says whether it holds escapes or non-ASCII
// bytes, so that its text differs from its bytes or needs checking.
func (w *walk) str() (decode, ok bool) {
	b := w.b
	for i := w.i + 1; i < len(b); {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			w.i = i + 1
			return decode, true
		case c < 0x20:
			return false, false
		case c >= utf8.RuneSelf:
			decode = true
			i++
		default: // a backslash
			decode = true
			if i+1 >= len(b) {
				return false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		}
	}
	return false, false
}

func (w *walk) number() bool {
	b, i := w.b, w.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	w.i = i
	return true
}

// digits returns the end of the decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func (w *walk) literal(s string) bool {
	if !bytes.HasPrefix(w.b[w.i:], []byte(s)) {
		return false
	}
	w.i += len(s)
	return true
}
