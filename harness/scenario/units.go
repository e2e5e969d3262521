package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// Duration is a time span written with a unit: "30s", "1m30s", "250ms".
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a duration with a unit.
func (d *Duration) UnmarshalYAML(b []byte) error {
	v, err := parseDuration(unquote(b))
	*d = Duration(v)
	return err
}

// MarshalYAML writes the duration as Go formats it ("1m30s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func parseDuration(s string) (time.Duration, error) {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Errorf("duration %q has no unit: write e.g. %ss or %sms", s, s, s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write e.g. 30s, 1m30s or 250ms", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}

// JSONSchema describes Duration for editors.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		Description: "a duration with a unit, e.g. 30s, 1m30s, 250ms"}
}

// Rate is a request rate written with a unit: "500/s", "30000/m", "1/h".
type Rate float64

// PerSecond returns the rate in requests per second.
func (r Rate) PerSecond() float64 { return float64(r) }

// UnmarshalYAML reads a rate with a unit.
func (r *Rate) UnmarshalYAML(b []byte) error {
	v, err := parseRate(unquote(b))
	*r = Rate(v)
	return err
}

// MarshalYAML writes the rate per second.
func (r Rate) MarshalYAML() (any, error) {
	return strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s", nil
}

// ParseRate reads a rate with a unit ("500/s", "30000/m") in requests per second.
func ParseRate(s string) (float64, error) { return parseRate(s) }

func parseRate(s string) (float64, error) {
	num, unit, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("%q is not a rate: write requests per unit of time, e.g. 500/s or 30000/m", s)
	}
	per := map[string]float64{"s": 1, "m": 60, "min": 60, "h": 3600}[strings.TrimSpace(unit)]
	if per == 0 {
		return 0, fmt.Errorf("rate %q: unit must be /s, /m or /h", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("rate %q is negative", s)
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("rate %q is not a number of requests: write e.g. 500/s", s)
	}
	return n / per, nil
}

// JSONSchema describes Rate for editors.
func (Rate) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^[0-9]+(\.[0-9]+)?/(s|m|min|h)$`,
		Description: "requests per unit of time, e.g. 500/s or 30000/m"}
}

// Size is a byte count written with a unit: "512MiB", "1GiB", "64MB".
type Size int64

// UnmarshalYAML reads a size with a unit.
func (s *Size) UnmarshalYAML(b []byte) error {
	v, err := parseSize(unquote(b))
	*s = Size(v)
	return err
}

// MarshalYAML writes the size with the largest binary unit that divides it
// ("64KiB", "512MiB"), so that it reads back as the same size.
func (s Size) MarshalYAML() (any, error) {
	for _, u := range sizeUnits[:3] {
		if s != 0 && int64(s)%u.mult == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.mult, u.suffix), nil
		}
	}
	return fmt.Sprintf("%dB", int64(s)), nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func parseSize(s string) (int64, error) {
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || !(n >= 0 && n*float64(u.mult) < 1<<62) { // NaN and Inf fail too
				break
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	return 0, fmt.Errorf("%q is not a size: write e.g. 512MiB, 1GiB or 64MB", s)
}

// JSONSchema describes Size for editors.
func (Size) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^[0-9]+(\.[0-9]+)?(B|KB|MB|GB|KiB|MiB|GiB)$`,
		Description: "a size with a unit, e.g. 512MiB"}
}

func unquote(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
