//go:build unix

package batch

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, failing at once if another
// process holds it. The kernel drops the lock when the process dies, so a
// killed batch never leaves its list locked.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
