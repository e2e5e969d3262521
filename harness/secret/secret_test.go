package secret

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

// TestRedact: every registered value goes, the longest first; short values
// are not registered (they would redact ordinary words).
func TestRedact(t *testing.T) {
	t.Cleanup(reset)
	reset()
	Register("s3cr3t-key", "s3cr3t-key-and-more", "abc")
	got := String("a s3cr3t-key-and-more b s3cr3t-key c abc")
	if got != "a REDACTED b REDACTED c abc" {
		t.Errorf("redacted: %q", got)
	}
}

// TestEnvFunc: {{env "NAME"}} renders the variable and registers it; an
// unset variable fails naming it; the check functions need no variable.
func TestEnvFunc(t *testing.T) {
	t.Cleanup(reset)
	reset()
	t.Setenv("AQ_SECRET_TEST", "hunter2-hunter2")
	tmpl := template.Must(template.New("h").Funcs(Funcs).Parse(`Bearer {{env "AQ_SECRET_TEST"}}`))
	var b bytes.Buffer
	if err := tmpl.Execute(&b, nil); err != nil || b.String() != "Bearer hunter2-hunter2" {
		t.Fatalf("rendered %q, %v", b.String(), err)
	}
	if String(b.String()) != "Bearer REDACTED" {
		t.Errorf("the value looked up is not registered")
	}
	unset := template.Must(template.New("h").Funcs(Funcs).Parse(`{{env "AQ_SECRET_UNSET"}}`))
	if err := unset.Execute(&b, nil); err == nil || !strings.Contains(err.Error(), "AQ_SECRET_UNSET is not set") {
		t.Errorf("unset variable: %v", err)
	}
	b.Reset()
	if err := unset.Funcs(CheckFuncs).Execute(&b, nil); err != nil || b.String() != "ENV-AQ_SECRET_UNSET" {
		t.Errorf("check mode: %q, %v", b.String(), err)
	}
	if n := EnvNames(`{{env "A"}}-{{ env "B_2" }}`); len(n) != 2 || n[0] != "A" || n[1] != "B_2" {
		t.Errorf("EnvNames: %v", n)
	}
}

// TestScrubDir rewrites the files that hold a secret, gzip ones too, and
// leaves the others untouched.
func TestScrubDir(t *testing.T) {
	t.Cleanup(reset)
	reset()
	Register("tok-0123456789")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run.json"), []byte(`{"dsn":"postgres://u:tok-0123456789@h/db"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "clean.txt"), []byte("nothing here\n"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("seq,error\n1,401 for tok-0123456789\n2,ok\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "attempts.csv.gz"), gz.Bytes(), 0o644)
	changed, err := ScrubDir(dir)
	if err != nil || len(changed) != 2 {
		t.Fatalf("changed %v, %v", changed, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
	if string(b) != `{"dsn":"postgres://u:REDACTED@h/db"}` {
		t.Errorf("run.json: %s", b)
	}
	f, _ := os.Open(filepath.Join(dir, "attempts.csv.gz"))
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(zr)
	if out.String() != "seq,error\n1,401 for REDACTED\n2,ok\n" {
		t.Errorf("attempts: %q", out.String())
	}
}
