package analysis

// VerdictDamaged: a file of the run directory (attempts, timeline,
// samples) was cut short or corrupt, so the numbers are partial and the
// run can neither pass nor fail (exit 1). Summary.Damaged says which file
// and how far it was read.
const VerdictDamaged = "record_damaged"

// judgeDamage makes a run whose record is damaged inconclusive: whatever
// the partial numbers say, they are not a verdict. An aborted run stays
// aborted (exit 4), and a broken invariant stays broken (exit 3).
func judgeDamage(s *Summary, damaged []string) {
	s.Damaged = damaged
	// A violation found in what could be read is real: it stays exit 3.
	if len(damaged) > 0 && s.Verdict != VerdictAborted && s.Verdict != VerdictInvariant {
		s.Verdict, s.ExitCode = VerdictDamaged, 1
	}
}

// damaged lists the damage of the run directory and of its attempts file.
func damaged(r *Run, p *pass) []string {
	out := append([]string(nil), r.Damaged...)
	if p.damage != "" {
		out = append(out, p.damage)
	}
	return out
}
