package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShow(t *testing.T) {
	ta := newTestApp(t)
	id := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	file, _ := os.ReadFile(filepath.Join(ta.dir, "drafts", id+".md"))

	// Piped: the markdown as it is, by full id or a prefix.
	for _, arg := range []string{id, id[:6], strings.ToUpper(id[:10])} {
		if code := ta.run("show", arg); code != 0 || ta.out.String() != string(file) {
			t.Fatalf("show %s: exit %d, %d bytes (%s)", arg, code, ta.out.Len(), ta.err)
		}
	}
	// A terminal gets it rendered.
	ta.StdoutTTY = true
	if code := ta.run("show", id[:8]); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	out := ta.out.String()
	if out == string(file) || !strings.Contains(out, "\x1b[") || !strings.Contains(out, "Summary") || strings.Contains(out, "|:---") {
		t.Fatalf("not rendered for a terminal:\n%s", out)
	}
	// NO_COLOR: the markdown as it is.
	ta.env["NO_COLOR"] = "1"
	if code := ta.run("show", id[:8]); code != 0 || ta.out.String() != string(file) {
		t.Fatalf("NO_COLOR: exit %d", code)
	}
}

func TestShowBadIDs(t *testing.T) {
	ta := newTestApp(t)
	a, b := "abcdef1"+strings.Repeat("0", 25), "abcdef2"+strings.Repeat("0", 25)
	ta.saveDraft(t, a, cleanEntry("First"))
	ta.saveDraft(t, b, cleanEntry("Second"))
	cases := []struct {
		arg  string
		code int
		msg  string
	}{
		{"1234ab", exitFailure, "digest: no draft with id 1234ab: see 'digest drafts'\n"},
		{"abcdef", exitUsage, "digest: id abcdef matches 2 drafts: abcdef1000, abcdef2000: give more digits\n"},
		{"abc", exitUsage, "want 6 to 32 hex digits"},
		{"not-hex", exitUsage, "is not a draft id"},
	}
	for _, tc := range cases {
		code := ta.run("show", tc.arg)
		if code != tc.code || !strings.Contains(ta.err.String(), tc.msg) || strings.Count(ta.err.String(), "\n") != 1 {
			t.Errorf("show %s: exit %d (want %d), stderr %q (want %q)", tc.arg, code, tc.code, ta.err, tc.msg)
		}
	}
}
