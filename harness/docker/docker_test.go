package docker

import (
	"os"
	"testing"
	"time"
)

func TestLocalSocket(t *testing.T) {
	for host, want := range map[string]bool{"": true, "unix:///var/run/docker.sock": true, "npipe:////./pipe/docker": true,
		"tcp://10.0.0.5:2376": false, "ssh://me@box": false} {
		if got := LocalSocket(host); got != want {
			t.Errorf("LocalSocket(%q) = %v", host, got)
		}
	}
}

func TestOwnerRoundTripAndLiveness(t *testing.T) {
	me := Self()
	o, err := ParseOwner(me.String())
	if err != nil || o != me {
		t.Fatalf("ParseOwner(%q) = %+v, %v", me.String(), o, err)
	}
	if !me.Alive() {
		t.Error("this process is not alive")
	}
	dead := me
	dead.Started++ // the same pid, started at another time: a reused pid
	if dead.Alive() {
		t.Error("a reused pid counts as the owner")
	}
	far := me
	far.Host = "another-host"
	far.PID = 1 << 30
	if !far.Alive() {
		t.Error("an owner on another host must be assumed alive")
	}
	for _, bad := range []string{"", "host/1", "host/x/1", "host/1/y"} {
		if _, err := ParseOwner(bad); err == nil {
			t.Errorf("ParseOwner(%q) accepted", bad)
		}
	}
}

func TestSelectorWants(t *testing.T) {
	host, _ := os.Hostname()
	live := map[string]string{LabelRun: "r1", LabelOwner: Self().String()}
	dead := map[string]string{LabelRun: "r2", LabelOwner: host + "/999999999/1"}
	foreign := map[string]string{"org.testcontainers": "true"}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	kept := Keep(map[string]string{LabelRun: "r4", LabelOwner: host + "/999999999/1"}, now.Add(time.Hour))
	expired := Keep(map[string]string{LabelRun: "r5", LabelOwner: host + "/999999999/1"}, now.Add(-time.Second))
	keptLive := Keep(map[string]string{LabelRun: "r6", LabelOwner: Self().String()}, now.Add(-time.Hour))
	garbled := map[string]string{LabelRun: "r7", LabelOwner: host + "/999999999/1", LabelKept: "tomorrow"}
	tests := []struct {
		name   string
		sel    Selector
		labels map[string]string
		want   bool
		kept   bool // left alone because it is kept
	}{
		// By default only resources of dead owners are reaped.
		{"dead run", Selector{}, dead, true, false},
		{"live run", Selector{}, live, false, false},
		// Resources without authquake's labels are never touched.
		{"not ours", Selector{All: true}, foreign, false, false},
		// --all takes live runs too.
		{"all live", Selector{All: true}, live, true, false},
		// --run takes that run, alive or not.
		{"run live", Selector{RunID: "r1"}, live, true, false},
		{"other run", Selector{RunID: "r1"}, dead, false, false},
		// A forced stop reaps its own owner's resources.
		{"own owner", Selector{Owner: Self().String()}, live, true, false},
		// An unreadable owner label counts as dead.
		{"bad owner", Selector{}, map[string]string{LabelRun: "r3", LabelOwner: "garbage"}, true, false},
		// A kept run whose owner has exited stays until its time is up...
		{"kept", Selector{Now: now}, kept, false, true},
		{"kept expired", Selector{Now: now}, expired, true, false},
		// ...unless asked for by --kept, by its run id, or by --all.
		{"--kept", Selector{Now: now, Kept: true}, kept, true, false},
		{"--run kept", Selector{Now: now, RunID: "r4"}, kept, true, false},
		{"--all kept", Selector{Now: now, All: true}, kept, true, false},
		// A live run is never reaped by --kept, its time up or not.
		{"--kept live", Selector{Now: now, Kept: true}, keptLive, false, false},
		// An unreadable time counts as expired.
		{"garbled", Selector{Now: now}, garbled, true, false},
	}
	for _, tt := range tests {
		got, kept := tt.sel.wants(tt.labels)
		if got != tt.want || kept != tt.kept {
			t.Errorf("%s: wants = %v, kept %v", tt.name, got, kept)
		}
	}
}
