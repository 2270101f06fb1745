package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Git runs git in a workspace. Paths are given as the workspace's files
// (absolute or relative to its root) and passed to git relative to the root.
type Git struct {
	// Root is the folder git runs in: the workspace root.
	Root string
	// Command is the git binary; "" is "git" from PATH.
	Command string
}

// Repo reports whether Root is inside a git work tree. Without git
// installed it is false.
func (g Git) Repo(ctx context.Context) bool {
	out, err := g.run(ctx, "rev-parse", "--is-inside-work-tree")
	return err == nil && strings.TrimSpace(out) == "true"
}

// Stage adds paths to git's index.
func (g Git) Stage(ctx context.Context, paths ...string) error {
	rel, err := g.rel(paths)
	if err != nil {
		return err
	}
	_, err = g.run(ctx, append([]string{"add", "--"}, rel...)...)
	return err
}

// Commit stages paths and commits them alone with message: other changes
// the user has staged stay staged and out of the commit. It returns false,
// committing nothing, when the paths are already committed as they are.
func (g Git) Commit(ctx context.Context, message string, paths ...string) (bool, error) {
	rel, err := g.rel(paths)
	if err != nil {
		return false, err
	}
	if _, err := g.run(ctx, append([]string{"add", "--"}, rel...)...); err != nil {
		return false, err
	}
	// Exit 0: nothing staged for these paths differs from HEAD (or, in a
	// repository without commits, there is nothing to compare and the
	// command fails, which means there is something to commit).
	if _, err := g.run(ctx, append([]string{"diff", "--cached", "--quiet", "HEAD", "--"}, rel...)...); err == nil {
		return false, nil
	}
	args := append([]string{"commit", "--quiet", "--only", "-m", message, "--"}, rel...)
	if _, err := g.run(ctx, args...); err != nil {
		return false, err
	}
	return true, nil
}

// rel makes paths relative to Root, refusing those outside it.
func (g Git) rel(paths []string) ([]string, error) {
	root, err := filepath.Abs(g.Root)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		r, err := filepath.Rel(root, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("git: %s is outside the workspace %s", p, g.Root)
		}
		out[i] = filepath.ToSlash(r)
	}
	return out, nil
}

// run runs git with args in Root; the error holds git's own message.
func (g Git) run(ctx context.Context, args ...string) (string, error) {
	bin := g.Command
	if bin == "" {
		bin = "git"
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = g.Root
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.Join(strings.Fields(errb.String()), " ")
		var ee *exec.ExitError
		if msg == "" || !errors.As(err, &ee) {
			msg = err.Error()
		}
		return out.String(), fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out.String(), nil
}
