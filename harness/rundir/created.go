package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Created is a ledger entry a setup step made (created.json): the payments
// field that names it in the ledger (key or id) and its value there, read
// from the step's answer. The ledger source marks these not the run's.
type Created struct {
	Step    string `json:"step"`
	Account string `json:"account,omitempty"`
	Field   string `json:"field"`
	Value   string `json:"value"`
}

// WriteCreated writes created.json into dir, when setup made any entry.
func WriteCreated(dir string, created []Created) error {
	if len(created) == 0 {
		return nil
	}
	b, err := json.MarshalIndent(created, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(Path(dir, CreatedFile), append(b, '\n'), 0o644)
}

// ReadCreated reads created.json of a run directory; none is nil.
func ReadCreated(dir string) ([]Created, error) {
	data, err := os.ReadFile(Path(dir, CreatedFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Created
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", CreatedFile, err)
	}
	return out, nil
}
