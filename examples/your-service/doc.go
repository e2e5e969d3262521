// Package yourservice is the walk-through of README's "Testing your own
// service": authsim run as if it were your image (a containers target with
// no preset), provisioned through its HTTP API, its answers classified by
// response rules written out in the scenario, its ledger read by SQL from
// its own tables. Its test proves that each of authsim's known bugs is
// caught on this generic path by the same invariant as with the preset, and
// that the same scenarios are clean with the bugs off.
package yourservice
