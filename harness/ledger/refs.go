package ledger

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// AccountsFile is where provisioning saves, per authquake account id, the
// service's own ref: {"acct-000001": {"ref": "bal_x", ...}}.
const AccountsFile = "accounts.json"

// ReadRefs reads the run directory's accounts file as service ref ->
// authquake id, for sources to map the service's account ids back. No file
// (the service uses authquake's ids) is a nil map.
func ReadRefs(dir string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, AccountsFile))
	if os.IsNotExist(err) {
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
			return nil, fmt.Errorf("%s: accounts %s and %s share the ref %q", AccountsFile, other, id, a.Ref)
		}
		refs[a.Ref] = id
	}
	return refs, nil
}
