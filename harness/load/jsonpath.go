package load

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// maxPaths is how many distinct JSON paths one classifier looks up; the
// scenario validation allows no more.
const maxPaths = 16

// maxDepth is encoding/json's nesting limit: a deeper body is not valid JSON.
const maxDepth = 10000

// span locates a value in the body. end is 0 when the path is absent: a
// value at a path is inside an object or a list, so it never starts at 0.
type span struct{ start, end int32 }

// found holds one span per path, on the caller's stack.
type found [maxPaths]span

// jsonPaths looks up several JSON paths in one validating pass over a body,
// without reflection or allocation: the load generator reads one answer per
// request. The semantics are encoding/json's: a body that is not valid JSON
// has no values, the last of repeated keys wins, escapes and invalid UTF-8
// in keys decode as encoding/json decodes them.
type jsonPaths struct {
	keys  [][][]byte // keys[i] is path i split at the dots
	index [][]int    // index[i][k] is keys[i][k] as a list index, or -1
}

// add returns the index of path, adding it if new; -1 when full.
func (p *jsonPaths) add(path string) int {
	for i, k := range p.keys {
		if string(bytes.Join(k, []byte("."))) == path {
			return i
		}
	}
	if len(p.keys) == maxPaths {
		return -1
	}
	var keys [][]byte
	var index []int
	for _, k := range strings.Split(path, ".") {
		keys = append(keys, []byte(k))
		index = append(index, listIndex(k))
	}
	p.keys, p.index = append(p.keys, keys), append(p.index, index)
	return len(p.keys) - 1
}

// listIndex reads a key as a list index the way a JSON array is indexed:
// decimal digits without a leading zero.
func listIndex(k string) int {
	if k == "" || len(k) > 1 && k[0] == '0' || strings.TrimLeft(k, "0123456789") != "" {
		return -1
	}
	n, err := strconv.Atoi(k)
	if err != nil {
		return -1
	}
	return n
}

// scan fills out with the span of every path and reports whether body is
// valid JSON; when it is not, out holds no values.
func (p *jsonPaths) scan(body []byte, out *found) bool {
	*out = found{}
	if len(body) > math.MaxInt32 { // spans are int32; answers are read up to 64 KiB
		return false
	}
	w := walk{b: body, p: p, out: out}
	w.ws()
	ok := w.value(uint64(1)<<len(p.keys)-1, 0)
	if w.ws(); !ok || w.i != len(body) {
		*out = found{}
		return false
	}
	return true
}
