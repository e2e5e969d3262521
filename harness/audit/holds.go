package audit

import (
	"fmt"
	"maps"
	"slices"
)

// holds checks the hold invariants over the ledger alone:
//
//	I9   each hold resolved (captured or voided) at most once
//	I10  captured at most the authorised amount
//	I11  no open hold after a voided or reversed payment
//	I12  per account, held + posted within the limit (at the end of the run)
func (a *auditor) holds(l *Snapshot) {
	keys := slices.Sorted(maps.Keys(l.ByKey))
	holdsBy := map[string]int64{}
	for _, k := range keys {
		for _, r := range l.ByKey[k] { // the account's holds, the run's or not
			holdsBy[r.AccountID] += r.HoldMinor
		}
		recs := ofRun(l.ByKey[k])
		if len(recs) == 0 {
			continue
		}
		ex := Example{Key: k, Account: recs[0].AccountID, Amount: recs[0].AmountMinor, Told: a.toldText(k), Ledger: ledgerText(recs)}
		var resolved int
		var captured, authorised int64
		for _, r := range recs {
			resolved += r.resolutions()
			captured += r.CapturedMinor
			authorised = max(authorised, r.AmountMinor)
		}
		if resolved > 1 {
			a.flag("I9", ex)
		}
		if captured > authorised {
			a.flag("I10", ex)
		}
		for _, r := range recs {
			if (r.Status == Voided || r.Status == Reversed) && r.HoldMinor > 0 {
				a.flag("I11", ex)
				break
			}
		}
	}
	ids := slices.Sorted(maps.Keys(l.Accounts))
	for _, id := range ids {
		acct := l.Accounts[id]
		held := holdsBy[id]
		if l.Has(FieldHeld) {
			held = acct.HeldMinor
		}
		if held+acct.PostedMinor > acct.LimitMinor {
			a.flag("I12", Example{Account: id, Told: fmt.Sprintf("limit %d", acct.LimitMinor),
				Ledger: fmt.Sprintf("held %d + posted %d = %d", held, acct.PostedMinor, held+acct.PostedMinor)})
		}
	}
}

// toldText is what the client heard for a key, or "never sent".
func (a *auditor) toldText(key string) string {
	if t := a.keys[key]; t != nil {
		return toldText(t)
	}
	return "never sent"
}
