package ledger

import "testing"

func TestParseBugsRoundTrip(t *testing.T) {
	for _, name := range BugNames() {
		b, err := ParseBugs(" " + name + " ")
		if err != nil {
			t.Fatalf("ParseBugs(%q): %v", name, err)
		}
		if b.String() != name {
			t.Errorf("ParseBugs(%q).String() = %q", name, b.String())
		}
	}
	all, err := ParseBugs("limit-race,idempotency-race")
	if err != nil || all.String() != "idempotency-race,limit-race" || !all.LimitRace || !all.IdempotencyRace {
		t.Errorf("two bugs: %+v %v", all, err)
	}
	if _, err := ParseBugs("limit-race,nope"); err == nil {
		t.Error("unknown bug accepted")
	}
	if b, err := ParseBugs(""); err != nil || b != (Bugs{}) {
		t.Errorf("empty: %+v %v", b, err)
	}
}
