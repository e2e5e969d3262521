package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/authquake/authquake/harness/analysis"
)

// ShrinkLinkFile is what `authquake shrink` leaves in the run directory it
// shrank: where the shrunk scenario is (harness/shrink.Link).
const ShrinkLinkFile = "shrink.json"

// ShrinkLink is shrink.json: where the shrink of a run is, and how far it
// got. harness/shrink writes it; the reports link the shrunk scenario.
type ShrinkLink struct {
	// Shrunk and Report are paths relative to the run directory (absolute
	// when the shrink's directory is elsewhere).
	Shrunk    string `json:"shrunk"`
	Report    string `json:"report"`
	Invariant string `json:"invariant"`
	Status    string `json:"status"`
	// Payments and Faults, of the original and of the shrunk scenario.
	Payments [2]uint64 `json:"payments"`
	Faults   [2]int    `json:"faults"`
	// Reproduced of Runs of the shrunk scenario broke the invariant.
	Reproduced int `json:"reproduced"`
	Runs       int `json:"runs"`
	// WallS is how long the shrink took, in seconds.
	WallS float64 `json:"wall_s"`
}

// ReplayCommand is the command that replays the run in dir five times.
func ReplayCommand(dir string) string { return "authquake replay " + ShellQuote(dir) + " --times 5" }

// ShrinkCommand is the command that shrinks the run in dir.
func ShrinkCommand(dir string) string { return "authquake shrink " + ShellQuote(dir) }

// ShellQuote quotes a path for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=@+", c))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// replayLines say, for a run that broke an invariant, how to replay and
// shrink it, and where its shrunk scenario is once it was shrunk; nothing
// for a run that broke none.
func replayLines(dir string, s *analysis.Summary) []string {
	if dir == "" || s.Audit == nil || len(s.Audit.Violations) == 0 {
		return nil
	}
	lines := []string{"replay it: " + ReplayCommand(dir), "shrink it: " + ShrinkCommand(dir)}
	if l := readShrinkLink(dir); l != nil {
		lines = append(lines, fmt.Sprintf("shrunk (%s): %s: %d -> %d payments, %d -> %d faults, %s broke in %d of %d runs of it; see %s",
			l.Status, under(dir, l.Shrunk), l.Payments[0], l.Payments[1], l.Faults[0], l.Faults[1], l.Invariant, l.Reproduced, l.Runs, under(dir, l.Report)))
	}
	return lines
}

func readShrinkLink(dir string) *ShrinkLink {
	b, err := os.ReadFile(filepath.Join(dir, ShrinkLinkFile))
	if err != nil {
		return nil
	}
	var l ShrinkLink
	if json.Unmarshal(b, &l) != nil || l.Shrunk == "" {
		return nil
	}
	return &l
}

// under is path p of shrink.json as seen from where dir was named: p is
// relative to dir, or absolute when the shrink's directory was elsewhere.
func under(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// replayMarkdown adds report.md's section on replaying the run.
func replayMarkdown(w io.Writer, dir string, s *analysis.Summary) {
	lines := replayLines(dir, s)
	if len(lines) == 0 {
		return
	}
	mdf(w, "\n## Replay and shrink\n\n%s\n", mdCode("sh", ReplayCommand(dir)+"\n"+ShrinkCommand(dir)))
	if l := readShrinkLink(dir); l != nil {
		mdf(w, "\nShrunk (%s): %s, %d -> %d payments, %d -> %d faults; %s broke in %d of %d runs of it (%s).\n",
			l.Status, mdLink(l.Shrunk, l.Shrunk), l.Payments[0], l.Payments[1], l.Faults[0], l.Faults[1], l.Invariant, l.Reproduced, l.Runs, mdLink(l.Report, l.Report))
	}
}

// replayHTML is report.html's part on replaying the run.
type replayHTML struct {
	Replay, Shrink string
	Link           *ShrinkLink
}

func replaySection(dir string, s *analysis.Summary) *replayHTML {
	if len(replayLines(dir, s)) == 0 {
		return nil
	}
	return &replayHTML{Replay: ReplayCommand(dir), Shrink: ShrinkCommand(dir), Link: readShrinkLink(dir)}
}
