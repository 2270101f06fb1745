// Package templates holds the embedded entry template and prompt texts, and
// lets a workspace folder override any of them by file name.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed *.tmpl prompts
var embedded embed.FS

// Read returns the template called name (for example "entry.md.tmpl" or
// "prompts/summary.txt"): the file dir/name when dir is set and the file
// exists, else the embedded copy. The second result says where it came from.
func Read(dir, name string) ([]byte, string, error) {
	if dir != "" {
		p := filepath.Join(dir, filepath.FromSlash(name))
		b, err := os.ReadFile(p)
		if err == nil {
			return b, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("read template %s: %w", p, err)
		}
	}
	b, err := embedded.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("no template %q: %w", name, err)
	}
	return b, "embedded:" + name, nil
}

// FS returns the embedded templates, for listing.
func FS() fs.FS { return embedded }
