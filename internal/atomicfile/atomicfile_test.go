package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSweep removes the temporary files of a process that has ended and
// keeps those of live processes (this one, and a running child) and every
// other file.
func TestSweep(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	live := exec.Command("sleep", "60")
	if err := live.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()

	dir := t.TempDir()
	name := func(pid int) string { return ".x.md.tmp-" + strconv.Itoa(pid) + "-123" }
	files := map[string]bool{ // name → kept
		name(dead.Process.Pid): false,
		name(live.Process.Pid): true,
		name(os.Getpid()):      true,
		"x.md":                 true,
		".x.md.tmp-123":        true, // not ours: no process id
		"notes.tmp-1-2":        true, // not hidden
	}
	for f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("part"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := Sweep(dir); n != 1 {
		t.Errorf("removed %d files, want 1", n)
	}
	for f, kept := range files {
		_, err := os.Stat(filepath.Join(dir, f))
		if (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", f, err == nil, kept)
		}
	}
}

func TestCreateTempNameAndSweepOnce(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "entry.json")
	f, err := CreateTemp(target)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	base := filepath.Base(f.Name())
	if !IsTemp(base) || filepath.Dir(f.Name()) != dir {
		t.Fatalf("temporary file %s", f.Name())
	}
	// This process is alive: its own file survives a sweep.
	if n := Sweep(dir); n != 0 {
		t.Errorf("swept %d of this process's files", n)
	}
}
