package setup

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Capture reads the value at a dot-separated path (data.id, items.0.id) of a
// JSON answer as a string: strings as they are, numbers and booleans as
// written.
func Capture(body []byte, path string) (string, error) {
	doc, err := decode(body)
	if err != nil {
		return "", err
	}
	return valueAt(doc, path)
}

// decode reads a JSON answer, numbers as written.
func decode(body []byte) (any, error) {
	var doc any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the answer is not JSON: %w", err)
	}
	return doc, nil
}

// valueAt is Capture on a decoded answer.
func valueAt(doc any, path string) (string, error) {
	cur := doc
	for _, key := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[key]
			if !ok {
				return "", fmt.Errorf("no field %q at %s", key, path)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return "", fmt.Errorf("no element %q of a list of %d at %s", key, len(node), path)
			}
			cur = node[i]
		default:
			return "", fmt.Errorf("%s: %q is inside a %T, not an object or list", path, key, cur)
		}
	}
	switch v := cur.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", fmt.Errorf("%s is null", path)
	}
	return "", fmt.Errorf("%s is an object or list, not a value", path)
}
