package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testApp is an app wired to buffers and a fixed clock, in a temporary
// workspace, with no API key unless the test sets one.
type testApp struct {
	*app
	dir      string
	env      map[string]string
	out, err *bytes.Buffer
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	dir := t.TempDir()
	ta := &testApp{dir: dir, env: map[string]string{"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, "xdg")}, out: &bytes.Buffer{}, err: &bytes.Buffer{}}
	ta.app = &app{
		Stdin:      strings.NewReader(""),
		Stdout:     ta.out,
		Stderr:     ta.err,
		Getenv:     func(k string) string { return ta.env[k] },
		ReadFile:   os.ReadFile,
		Now:        func() time.Time { return time.Date(2023, 8, 27, 9, 0, 0, 0, time.UTC) },
		RunCommand: func(string) (string, error) { return "", nil },
		Sleep:      func(context.Context, time.Duration) error { return nil },
	}
	return ta
}

// run runs digest with args in the test workspace and returns the exit code.
func (ta *testApp) run(args ...string) int {
	ta.out.Reset()
	ta.err.Reset()
	return Main(ta.app, append([]string{"-C", ta.dir}, args...))
}

func (ta *testApp) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(ta.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersionAndHelp(t *testing.T) {
	ta := newTestApp(t)
	if code := ta.run("--version"); code != 0 || !strings.Contains(ta.out.String(), "digest version") {
		t.Fatalf("--version: code %d, out %q", code, ta.out)
	}
	if code := ta.run("--help"); code != 0 || !strings.Contains(ta.out.String(), "Exit codes:") {
		t.Fatalf("--help lacks exit codes: %q", ta.out)
	}
	if code := ta.run("completion", "bash"); code != 0 || !strings.Contains(ta.out.String(), "bash completion") {
		t.Fatalf("completion: code %d", code)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	ta := newTestApp(t)
	for _, args := range [][]string{{"--nope"}, {"frobnicate"}, {"check"}, {"new", "a", "b"}, {"new", "--issue", "2023-08-27", "--html", "x.html", "--url", "https://e.com/"}} {
		code := ta.run(args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, ta.err)
		}
		if n := strings.Count(strings.TrimSpace(ta.err.String()), "\n"); n != 0 {
			t.Errorf("%v: error is %d lines: %q", args, n+1, ta.err)
		}
	}
}

func TestConfigCommand(t *testing.T) {
	ta := newTestApp(t)
	ta.env["OPENAI_API_KEY"] = "sk-SENTINEL-config-123"
	ta.env["DIGEST_BATCH_CONCURRENCY"] = "3"
	ta.write(t, "config.toml", "[model]\nname = \"gpt-4o\"\n")
	if code := ta.run("config"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	out := ta.out.String()
	for _, want := range []string{`model.name`, `"gpt-4o"`, filepath.Join(ta.dir, "config.toml"), "env DIGEST_BATCH_CONCURRENCY", "set, from env OPENAI_API_KEY", "engine in use: openai"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+ta.err.String(), "SENTINEL") {
		t.Fatal("config printed the API key")
	}
}

func TestConfigErrorNamesKey(t *testing.T) {
	ta := newTestApp(t)
	ta.write(t, "config.toml", "[model]\nnmae = \"x\"\n")
	if code := ta.run("config"); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ta.err.String(), `config.toml: unknown key "model.nmae"`) {
		t.Fatalf("stderr %q", ta.err)
	}
}

func TestVerboseShowsCauses(t *testing.T) {
	ta := newTestApp(t)
	ta.write(t, "config.toml", "[model]\nnmae = 1\n")
	ta.run("config")
	if strings.Contains(ta.err.String(), "cause (") {
		t.Fatalf("causes shown without -v: %q", ta.err)
	}
	ta.run("-v", "config")
	if !strings.Contains(ta.err.String(), "cause (") {
		t.Fatalf("-v shows no causes: %q", ta.err)
	}
}
