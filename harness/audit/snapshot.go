package audit

import (
	"bufio"
	"errors"
	"maps"
	"os"
	"slices"

	"compress/gzip"
	"encoding/json"
)

// WriteSnapshot writes l as a snapshot file (see ReadLedger), in a stable
// order: source, accounts by id, authorisations by key. On error the file
// is removed, so a snapshot on disk is always whole.
func WriteSnapshot(path string, l *Snapshot) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(f)
	buf := bufio.NewWriter(gz)
	enc := json.NewEncoder(buf)
	defer func() {
		err = errors.Join(err, buf.Flush(), gz.Close(), f.Close())
		if err != nil {
			os.Remove(path)
		}
	}()
	if err := enc.Encode(map[string]any{"source": l.Source}); err != nil {
		return err
	}
	ids := slices.Sorted(maps.Keys(l.Accounts))
	for _, id := range ids {
		if err := enc.Encode(map[string]any{"account": l.Accounts[id]}); err != nil {
			return err
		}
	}
	keys := slices.Sorted(maps.Keys(l.ByKey))
	for _, k := range keys {
		for _, r := range l.ByKey[k] {
			if err := enc.Encode(map[string]any{"authorization": r}); err != nil {
				return err
			}
		}
	}
	return nil
}
