package rundir

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Account is an account of the run as setup provisioned it: its limit, the
// id the service gave it (Ref) and what else setup captured. accounts.json
// maps each account id to its Account.
type Account struct {
	Index int               `json:"-"`
	ID    string            `json:"-"`
	Limit int64             `json:"limit"`
	Ref   string            `json:"ref,omitempty"`
	Vars  map[string]string `json:"vars,omitempty"`
}

// WriteAccounts writes accounts.json into dir: per account setup provisioned
// one by one (a step for_each: account), its limit and what setup captured
// for it; nothing when there are none. It is written as it goes, one
// account a line.
func WriteAccounts(dir string, accounts []*Account) (err error) {
	if len(accounts) == 0 {
		return nil
	}
	f, err := os.Create(Path(dir, AccountsFile))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	w.WriteString("{\n")
	for i, a := range accounts {
		id, _ := json.Marshal(a.ID)
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(accounts)-1 {
			sep = "\n"
		}
		fmt.Fprintf(w, " %s: %s%s", id, v, sep)
	}
	w.WriteString("}\n")
	return w.Flush()
}

// ReadAccountRefs reads accounts.json as service ref -> authquake id, for
// ledger sources to map the service's account ids back. An account without
// a ref is its own ref; no file (the service uses authquake's ids) is a nil
// map. Two accounts sharing a ref is an error.
func ReadAccountRefs(dir string) (map[string]string, error) {
	data, err := os.ReadFile(Path(dir, AccountsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var byID map[string]struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(data, &byID); err != nil {
		return nil, fmt.Errorf("%s: %w", AccountsFile, err)
	}
	refs := make(map[string]string, len(byID))
	for id, a := range byID {
		if a.Ref == "" {
			a.Ref = id
		}
		if other, dup := refs[a.Ref]; dup {
			return nil, fmt.Errorf("%s: accounts %s and %s share the ref %q", AccountsFile, min(other, id), max(other, id), a.Ref)
		}
		refs[a.Ref] = id
	}
	return refs, nil
}
