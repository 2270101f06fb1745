// Package digest holds what belongs to the repository as a whole: the
// commented default configuration, embedded so the binary carries it.
package digest

import _ "embed"

// DefaultConfig is config.toml at the repository root: the built-in defaults.
//
//go:embed config.toml
var DefaultConfig []byte
