package audit

import (
	"maps"
	"slices"
	"strings"

	"github.com/authquake/authquake/harness/record"
)

// followUp adds what the client was told about a payment's follow-up calls
// (capture, void, reversal): only an acknowledged one is a promise the
// ledger must keep (record.Attempt.Done). A follow-up never counts as an
// answer to the authorisation itself.
func (t *told) followUp(at *record.Attempt) {
	if !at.Final || !at.Done() {
		return
	}
	switch at.Call {
	case record.Capture:
		t.captured, t.captureAmount = true, at.Amount
	case record.Void:
		t.voided = true
	case record.Reverse:
		t.reversed = true
	}
}

// flows checks the follow-ups the client saw acknowledged against the
// ledger:
//
//	I13  an acknowledged capture whose ledger entry is not captured (lost capture)
//	I14  an acknowledged void or reversal whose ledger entry still holds, or took, the money
//	I15  a captured amount different from the amount the capture asked for
//
// A capture asks for the payment's amount ({{.AmountMinor}} in the default
// capture body).
func (a *auditor) flows(l *Snapshot) {
	for _, k := range slices.Sorted(maps.Keys(a.keys)) {
		t := a.keys[k]
		if !t.captured && !t.voided && !t.reversed {
			continue
		}
		recs := ofRun(l.ByKey[k])
		ex := Example{Key: k, Account: t.account, Amount: t.amount, Told: toldText(t), Ledger: ledgerText(recs)}
		var captured bool
		var capturedMinor int64
		holds := false
		for _, r := range recs {
			captured = captured || r.Status == Captured
			capturedMinor += r.CapturedMinor
			holds = holds || r.Status == Held || r.Status == Captured || r.HoldMinor > 0
		}
		if t.captured && !captured {
			a.flag("I13", ex)
		}
		if (t.voided || t.reversed) && holds {
			a.flag("I14", ex)
		}
		if t.captured && captured && capturedMinor != t.captureAmount {
			a.flag("I15", ex)
		}
	}
}

// finalState adds a final state the service told later, by notification or
// status poll, of a payment it answered pending (or confirmed): the audit
// holds the ledger to it as to a first answer (committed when approved,
// absent when declined). An intermediate state says nothing.
func (t *told) finalState(at *record.Attempt) {
	if at.Outcome != record.Approved && at.Outcome != record.Declined {
		return
	}
	if t.finals == nil {
		t.finals = map[record.Outcome]bool{}
	}
	t.finals[at.Outcome] = true
	t.approved = t.approved || at.Outcome == record.Approved
	t.declined = t.declined || at.Outcome == record.Declined
}

// contradicted says whether the final states told contradict each other or
// the first answer: approved, then declined.
func (t *told) contradicted() bool {
	return len(t.finals) > 1 || t.finals[record.Approved] && hasAnswer(t, "declined") || t.finals[record.Declined] && hasAnswer(t, "approved")
}

func hasAnswer(t *told, outcome string) bool {
	for a := range t.answers {
		if strings.HasPrefix(a, outcome+" ") {
			return true
		}
	}
	return false
}
