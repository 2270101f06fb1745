package render

import (
	"fmt"
	"os"
	"strings"
)

// lineDiff shows the first differing line of two texts.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("line %d:\nwant %q\n got %q\n(want %d lines, got %d)", i+1, a, b, len(w), len(g))
		}
	}
	return "same lines"
}

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }
