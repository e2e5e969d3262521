package load

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// The strings of a body that jsonPaths validated, decoded as encoding/json
// decodes them, without allocating to compare.

// equalString compares a JSON string's contents with want, decoding only
// when the contents hold escapes or non-ASCII bytes.
func equalString(raw, want []byte) bool {
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return equalDecoded(raw, want)
		}
	}
	return bytes.Equal(raw, want)
}

// hex4 reads four hex digits, or returns -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// nextRune decodes the rune at s[i:] of a valid string's contents, as
// encoding/json does: escapes, surrogate pairs, U+FFFD for invalid UTF-8 and
// lone surrogates. It returns the rune and the bytes it took.
func nextRune(s []byte, i int) (rune, int) {
	c := s[i]
	if c >= utf8.RuneSelf {
		return utf8.DecodeRune(s[i:]) // RuneError for invalid bytes, as encoding/json
	}
	if c != '\\' {
		return rune(c), 1
	}
	switch s[i+1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r := hex4(s[i+2:])
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
			if d := utf16.DecodeRune(r, hex4(s[i+8:])); d != utf8.RuneError {
				return d, 12
			}
		}
		return utf8.RuneError, 6
	}
	return rune(s[i+1]), 2 // " \ /
}

// equalDecoded reports whether the string contents raw decode to want.
func equalDecoded(raw, want []byte) bool {
	var enc [utf8.UTFMax]byte
	j := 0
	for i := 0; i < len(raw); {
		r, n := nextRune(raw, i)
		i += n
		m := utf8.EncodeRune(enc[:], r)
		if j+m > len(want) || !bytes.Equal(enc[:m], want[j:j+m]) {
			return false
		}
		j += m
	}
	return j == len(want)
}

// valueText is the value at sp as a string: a JSON string's contents, any other
// value's JSON text; "" when absent or null.
func valueText(body []byte, sp span) string {
	raw := body[sp.start:sp.end]
	switch {
	case sp.end == 0 || string(raw) == "null":
		return ""
	case raw[0] != '"':
		return string(raw)
	}
	raw = raw[1 : len(raw)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		r, n := nextRune(raw, i)
		out = utf8.AppendRune(out, r)
		i += n
	}
	return string(out)
}
