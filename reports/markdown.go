package reports

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Text in the Markdown reports comes from scenario files, from the
// service's answers (codes, reasons) and from files in a run directory, and
// report.md, `compare` and `trend` end up in GITHUB_STEP_SUMMARY. So every
// string that is not authquake's own markup is escaped where it is printed:
// mdf escapes its string arguments, and markup marks what is printed as is.

// markup is Markdown written by authquake itself, printed by mdf as it is.
type markup string

// mdf is fmt.Fprintf for Markdown: every string argument is escaped with
// mdText; a markup argument is printed as it is.
func mdf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = mdText(v)
		case markup:
			args[i] = string(v)
		}
	}
	fmt.Fprintf(w, format, args...)
}

// mdText makes s one line of plain Markdown text that reads as s and
// changes nothing around it: control characters and line breaks become
// spaces, and every character that could start inline markup (emphasis,
// code, links, images, HTML, entities, strikethrough) or end a table cell
// is backslash-escaped; an underscore inside a word (conn_error) starts
// nothing and is left as it is.
func mdText(s string) string {
	var b strings.Builder
	word := func(i int) bool {
		return i >= 0 && i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9')
	}
	for i, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == '_' && word(i-1) && word(i+1):
			b.WriteByte('_')
		case strings.ContainsRune("\\`*_[]<>&|!~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blockStart is what makes a line a heading, quote, list or rule.
var blockStart = regexp.MustCompile(`^(?:[#=+-]|\d{1,9}[.)])`)

// mdLine is mdText for text that starts a line: leading spaces (four make
// a code block) are dropped, and a start that would make a heading, a list
// or a rule is escaped.
func mdLine(s string) markup {
	t := mdText(strings.TrimLeft(s, " \t"))
	if m := blockStart.FindString(t); m != "" {
		t = m[:len(m)-1] + `\` + t[len(m)-1:]
	}
	return markup(t)
}

// mdCode is a fenced code block holding s, its fence longer than any run
// of backticks in s so that nothing in s can close it.
func mdCode(lang, s string) markup {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return markup(fence + lang + "\n" + s + "\n" + fence)
}

// mdLink is a Markdown link to a relative or absolute path. Every byte of
// the path but letters, digits and ._/- is percent-encoded, so nothing in
// it ends the link or names a scheme (javascript:).
func mdLink(text, path string) markup {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._/-", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return markup("[" + mdText(text) + "](" + b.String() + ")")
}
