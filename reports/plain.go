package reports

import (
	"io"
	"strings"
	"unicode"
)

// plain writes text with every control character but the newline and the
// tab shown as a question mark: the terminal summary prints codes, reasons
// and names that come from the service and the scenario, and an escape
// sequence among them would otherwise move the cursor, recolour or retitle
// the terminal of whoever reads the run (a CI log too).
type plain struct{ w io.Writer }

func (p plain) Write(b []byte) (int, error) {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) && r != '\u2028' && r != '\u2029' {
			return r
		}
		return '?'
	}, string(b))
	if _, err := io.WriteString(p.w, s); err != nil {
		return 0, err
	}
	return len(b), nil
}
