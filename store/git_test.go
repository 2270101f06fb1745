package store

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a git repository in a temporary folder with an identity.
func gitRepo(t *testing.T) (string, func(args ...string) string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	git("config", "user.name", "Test")
	git("config", "user.email", "test@example.com")
	git("config", "commit.gpgsign", "false")
	return dir, git
}

func TestGitCommitOnlyThePaths(t *testing.T) {
	dir, git := gitRepo(t)
	g := Git{Root: dir}
	ctx := context.Background()
	if !g.Repo(ctx) || (Git{Root: t.TempDir()}).Repo(ctx) {
		t.Fatal("Repo is wrong")
	}
	os.WriteFile(filepath.Join(dir, "mine.txt"), []byte("user's work"), 0o644)
	git("add", "mine.txt")
	os.MkdirAll(filepath.Join(dir, "entries"), 0o755)
	a, b := filepath.Join(dir, "entries", "a.md"), filepath.Join("entries", "a.json")
	os.WriteFile(a, []byte("a"), 0o644)
	os.WriteFile(filepath.Join(dir, b), []byte("{}"), 0o644)

	ok, err := g.Commit(ctx, "digest: add A", a, b)
	if err != nil || !ok {
		t.Fatalf("commit: %v %v", ok, err)
	}
	if files := strings.Fields(git("show", "--name-only", "--format=", "HEAD")); strings.Join(files, " ") != "entries/a.json entries/a.md" {
		t.Fatalf("commit holds %v", files)
	}
	if msg := strings.TrimSpace(git("log", "-1", "--format=%s")); msg != "digest: add A" {
		t.Fatalf("message %q", msg)
	}
	if st := git("status", "--porcelain"); !strings.Contains(st, "A  mine.txt") {
		t.Fatalf("the user's staged file was touched: %q", st)
	}
	// Nothing new: no commit.
	if ok, err := g.Commit(ctx, "digest: add A", a, b); err != nil || ok {
		t.Fatalf("recommit: %v %v", ok, err)
	}
	if n := strings.Count(git("log", "--format=%H"), "\n"); n != 1 {
		t.Fatalf("%d commits", n)
	}
	if _, err := g.Commit(ctx, "x", filepath.Join(t.TempDir(), "out.md")); err == nil {
		t.Fatal("a path outside the workspace was committed")
	}
}
