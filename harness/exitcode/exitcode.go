// Package exitcode holds authquake's documented process exit codes and an error
// type that carries one, with a hint telling the user what to do about it.
//
//	0 pass                      every SLO held and the audit was clean
//	1 SLO breached              an SLO failed, or the money audit was inconclusive
//	2 invalid usage or scenario bad flags, arguments or scenario files
//	3 money invariant broken    the audit found lost, doubled or over-limit money
//	4 aborted                   a stop condition fired, or the run was interrupted
//	5 environment or harness    Docker unreachable, an image build failed, a bug in authquake
//	6 new finding               authquake replay: a replay broke an invariant the replayed run did not
package exitcode

import (
	"errors"
	"fmt"
)

// The documented exit codes. Every subcommand maps its outcome to one of these.
const (
	Pass            = 0
	SLOBreached     = 1
	Invalid         = 2
	InvariantBroken = 3
	Aborted         = 4
	Environment     = 5
	// NewFinding is authquake replay's: no replay broke what the replayed
	// run broke, but one broke an invariant it did not (never a reproduction).
	NewFinding = 6
)

// Error is an error that decides the exit code of the process.
type Error struct {
	Code int
	Err  error
	// Hint says what the user can do about it, in one sentence; may be empty.
	Hint string
}

// Error returns the message followed by the hint, if any.
func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (hint: %s)", e.Err, e.Hint)
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// New wraps err with an exit code and a hint.
func New(code int, err error, hint string) *Error {
	return &Error{Code: code, Err: err, Hint: hint}
}

// Invalidf builds an exit-code-2 error for bad usage or input.
func Invalidf(hint, format string, args ...any) *Error {
	return New(Invalid, fmt.Errorf(format, args...), hint)
}

// Of returns the exit code for err: 0 for nil, the code of the first *Error in
// its chain, and Environment for any other error (a harness problem).
func Of(err error) int {
	if err == nil {
		return Pass
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Environment
}
