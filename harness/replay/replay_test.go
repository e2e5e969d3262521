package replay

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/authquake/authquake/harness/audit"
)

// scripted is a Runner that answers with the next of its results.
type scripted struct {
	results []Result
	trials  []Trial
}

func (s *scripted) Run(_ context.Context, t Trial) (Result, error) {
	s.trials = append(s.trials, t)
	if len(s.results) == 0 {
		return Result{}, errors.New("interrupted")
	}
	r := s.results[0]
	s.results = s.results[1:]
	return r, nil
}

func broke(prefix string, invs ...string) Result {
	r := Result{KeyPrefix: prefix}
	for _, inv := range invs {
		r.Broken = append(r.Broken, audit.Violation{Invariant: inv, Count: 2,
			Examples: []audit.Example{{Key: prefix + "-103-114"}, {Key: prefix + "-103-999"}}})
	}
	return r
}

func TestReplay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dir        string
		results    []Result
		reproduced int
		new        int
		lines      []string // in the progress, in order
		err        bool
	}{
		{ // I1 again twice, once not; a replay that also broke I3 counts as both
			name: "reproduced", dir: "testdata/broken",
			results:    []Result{broke("aq-x", "I1"), broke("aq-y"), broke("aq-z", "I1", "I3")},
			reproduced: 2, new: 1,
			lines: []string{"replay 1/3: reproduced     I1 broke again (x2; 1 of its 2 example payments as in the original)",
				"replay 2/3: not reproduced I1 held", "replay 3/3: reproduced", "NEW FINDING: I3 broke (not in the original)"},
		},
		{ // the original broke nothing: a replay that breaks something is a new finding, never a reproduction
			name: "clean original", dir: "../../reports/testdata/run",
			results: []Result{broke("aq-x", "I6"), broke("aq-y")},
			new:     1,
			lines:   []string{"replay 1/2: clean original NEW FINDING: I6 broke", "replay 2/2: clean original no invariant broken"},
		},
		{ // interrupted after one: the outcome keeps it
			name: "interrupted", dir: "testdata/broken",
			results:    []Result{broke("aq-x", "I1")},
			reproduced: 1, err: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			fake := &scripted{results: tc.results}
			var progress strings.Builder
			out, err := Replay(context.Background(), fake, r, Options{Out: t.TempDir(), Times: len(tc.results) + map[bool]int{true: 1}[tc.err], Progress: &progress})
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want one: %v", err, tc.err)
			}
			if out.Reproduced != tc.reproduced || out.New != tc.new {
				t.Errorf("reproduced %d new %d, want %d %d", out.Reproduced, out.New, tc.reproduced, tc.new)
			}
			rest := progress.String()
			for _, l := range tc.lines {
				i := strings.Index(rest, l)
				if i < 0 {
					t.Fatalf("progress lacks %q (in order):\n%s", l, progress.String())
				}
				rest = rest[i+len(l):]
			}
			for _, tr := range fake.trials {
				if tr.File != out.File || tr.DurationScale != 1 || tr.Shards != 1 {
					t.Errorf("trial %+v, want file %s at scale 1, one shard", tr, out.File)
				}
			}
		})
	}
}
