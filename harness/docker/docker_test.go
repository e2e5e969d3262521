package docker

import (
	"os"
	"testing"
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
	tests := []struct {
		name   string
		sel    Selector
		labels map[string]string
		want   bool
	}{
		// By default only resources of dead owners are reaped.
		{"dead run", Selector{}, dead, true},
		{"live run", Selector{}, live, false},
		// Resources without authquake's labels are never touched.
		{"not ours", Selector{All: true}, foreign, false},
		// --all takes live runs too.
		{"all live", Selector{All: true}, live, true},
		// --run takes that run, alive or not.
		{"run live", Selector{RunID: "r1"}, live, true},
		{"other run", Selector{RunID: "r1"}, dead, false},
		// A forced stop reaps its own owner's resources.
		{"own owner", Selector{Owner: Self().String()}, live, true},
		// An unreadable owner label counts as dead.
		{"bad owner", Selector{}, map[string]string{LabelRun: "r3", LabelOwner: "garbage"}, true},
	}
	for _, tt := range tests {
		if got := tt.sel.wants(tt.labels); got != tt.want {
			t.Errorf("%s: wants = %v", tt.name, got)
		}
	}
}
