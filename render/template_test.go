package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digest-tool/digest/templates"
)

// A workspace copy of entry.md.tmpl replaces the embedded one, and sees
// the fields already escaped.
func TestTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "entry.md.tmpl"), []byte("{{.Title}} {{.Signals.Separator}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, from, err := templates.Read(dir, "entry.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if from == "embedded:entry.md.tmpl" {
		t.Fatalf("the workspace template was not read")
	}
	r, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	e := base()
	e.Title = "a_b"
	out, err := r.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `a\_b |:-------|:-------|:------------|:--------------|`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A broken template fails in New, naming what is wrong.
func TestNewBrokenTemplate(t *testing.T) {
	for tmpl, want := range map[string]string{
		"{{.Title":       "parse entry template",
		"{{.Headline}}":  "Headline",
		"{{.Signals.X}}": "X",
	} {
		_, err := New([]byte(tmpl))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error about %q", tmpl, err, want)
		}
	}
}

func TestErrorText(t *testing.T) {
	if got := (&ParseError{Line: 12, Msg: `expected "## Summary"`}).Error(); got != `line 12: expected "## Summary"` {
		t.Errorf("ParseError: %q", got)
	}
	if got := (Problem{Line: 3, Msg: "x"}).String(); got != "line 3: x" {
		t.Errorf("Problem: %q", got)
	}
}
