package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

func newCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate entries against the digest format",
		Long: `Check each entry file against the format: sections and their order, blank
lines, table alignment, bullets, ids, no repeated or self Closest line. Each
problem is printed as FILE:LINE: message. Exit 1 if any problem is found.`,
		Args: argsN(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(a, args) },
	}
}

func runCheck(a *app, files []string) error {
	bad := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(a.Stderr, "%s: %v\n", f, unwrapPath(err))
			bad++
			continue
		}
		probs := render.Check(b, selfID(f))
		for _, p := range probs {
			fmt.Fprintf(a.Stdout, "%s:%d: %s\n", f, p.Line, p.Msg)
		}
		if len(probs) > 0 {
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(a.Stderr, "digest: %d of %d file(s) have problems\n", bad, len(files))
		return silentError{exitFailure}
	}
	return nil
}

// selfID is the entry's own id when its file is named by it (drafts/<id>.md).
// Otherwise Check recognises the entry in its Closest list by its title.
func selfID(file string) string {
	if base := strings.TrimSuffix(filepath.Base(file), ".md"); store.ValidID(base) {
		return base
	}
	return ""
}
