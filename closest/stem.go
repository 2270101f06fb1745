package closest

import "github.com/kljensen/snowball/english"

// stem returns the Snowball (Porter2) English stem of a lower-case word.
// Words holding anything but a-z are returned unchanged: the algorithm knows
// only English.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	return english.Stem(w, false)
}
