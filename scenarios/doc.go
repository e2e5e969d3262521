// Package scenarios holds authquake's scenario library: one YAML file per
// failure mode of docs/FAILURE-MODES.md (S1-S10), and one per known bug of
// authsim. Its tests run every scenario against authsim.
package scenarios
