// Package scenarios holds authquake's scenario library: one YAML file per
// failure mode of ../shared/FAILURE-MODES.md, and one per known bug of
// authsim. Its tests run every scenario against authsim.
package scenarios
