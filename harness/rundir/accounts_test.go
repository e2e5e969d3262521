package rundir

import (
	"os"
	"testing"
)

func TestReadAccountRefsWithoutFile(t *testing.T) {
	refs, err := ReadAccountRefs(t.TempDir())
	if err != nil || refs != nil {
		t.Errorf("refs %v, err %v; want none and no error", refs, err)
	}
	dir := t.TempDir()
	os.WriteFile(Path(dir, AccountsFile), []byte("{"), 0o644)
	if _, err := ReadAccountRefs(dir); err == nil {
		t.Error("a damaged accounts.json must be an error")
	}
}

// TestReadAccountRefs: accounts.json read as ref -> id; none is nil; a shared ref is an error.
func TestReadAccountRefs(t *testing.T) {
	dir := t.TempDir()
	if refs, err := ReadAccountRefs(dir); refs != nil || err != nil {
		t.Errorf("no file: %v %v", refs, err)
	}
	os.WriteFile(Path(dir, AccountsFile), []byte(`{"acct-000001": {"ref": "bal_x"}, "acct-000002": {"ref": "bal_y", "extra": 1}}`), 0o644)
	if refs, err := ReadAccountRefs(dir); err != nil || refs["bal_x"] != "acct-000001" || refs["bal_y"] != "acct-000002" {
		t.Errorf("refs %v %v", refs, err)
	}
	os.WriteFile(Path(dir, AccountsFile), []byte(`{"acct-000001": {"ref": "bal_x"}, "acct-000002": {"ref": "bal_x"}}`), 0o644)
	if _, err := ReadAccountRefs(dir); err == nil {
		t.Error("shared ref accepted")
	}
}
