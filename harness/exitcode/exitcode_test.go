package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, Pass},
		{errors.New("boom"), Environment}, // a plain error is a harness problem
		{New(Invalid, errors.New("bad flag"), "see --help"), Invalid},
		{fmt.Errorf("wrapped: %w", New(InvariantBroken, errors.New("I1"), "")), InvariantBroken},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	if e := New(Invalid, errors.New("x"), "do y"); e.Error() != "x (hint: do y)" {
		t.Errorf("Error() = %q", e.Error())
	}
}
