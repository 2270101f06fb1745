// Package atomicfile names, creates and cleans up the temporary files of
// atomic writes (write a temporary file beside the target, then rename it
// over the target), so that a process killed mid-write leaves no file half
// written and the next process to write in the same folder removes what it
// left.
//
// A temporary file is named ".<target>.tmp-<pid>-<random>": hidden, tied to
// its target, and carrying the writer's process id, so that a sweep removes
// only the files of processes that are gone, never those of a live writer.
package atomicfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
)

// CreateTemp creates the temporary file for an atomic write of path, in
// path's folder. The first call for a folder in a process first removes
// the temporary files that dead processes left there (see Sweep).
func CreateTemp(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	SweepOnce(dir)
	return os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-"+strconv.Itoa(os.Getpid())+"-*")
}

// tempRE matches the names CreateTemp makes; the group is the process id.
var tempRE = regexp.MustCompile(`^\..+\.tmp-([0-9]+)-[0-9]+$`)

// IsTemp reports whether name (a base name) is one of CreateTemp's files.
func IsTemp(name string) bool { return tempRE.MatchString(name) }

// Sweep removes from dir the temporary files whose writer is no longer
// running, and returns how many it removed. Errors are ignored: a file left
// costs nothing but space, and the next sweep tries again.
func Sweep(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		m := tempRE.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

var swept sync.Map // cleaned folder → struct{}

// SweepOnce sweeps dir unless this process has already swept it.
func SweepOnce(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if _, done := swept.LoadOrStore(dir, struct{}{}); !done {
		Sweep(dir)
	}
}
