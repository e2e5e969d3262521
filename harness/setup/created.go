package setup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// CreatedFile lists the ledger entries setup made (steps with creates), for
// the ledger source to mark them not the run's: a JSON array of Created.
const CreatedFile = "created.json"

// Created is a ledger entry a setup step made: the payments field that
// names it in the ledger (key or id) and its value there, read from the
// step's answer.
type Created struct {
	Step    string `json:"step"`
	Account string `json:"account,omitempty"`
	Field   string `json:"field"`
	Value   string `json:"value"`
}

// creations collects what the runs of steps made, from any goroutine.
type creations struct {
	mu   sync.Mutex
	list []Created
}

func (c *creations) add(e Created) {
	c.mu.Lock()
	c.list = append(c.list, e)
	c.mu.Unlock()
}

// sorted returns what was made, in a stable order.
func (c *creations) sorted() []Created {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]Created(nil), c.list...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		return a.Field+a.Value < b.Field+b.Value
	})
	return out
}

// SaveCreated writes created.json into dir, when setup made any entry.
func SaveCreated(dir string, created []Created) error {
	if len(created) == 0 {
		return nil
	}
	b, err := json.MarshalIndent(created, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CreatedFile), append(b, '\n'), 0o644)
}

// ReadCreated reads created.json of a run directory; none is nil.
func ReadCreated(dir string) ([]Created, error) {
	data, err := os.ReadFile(filepath.Join(dir, CreatedFile))
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
