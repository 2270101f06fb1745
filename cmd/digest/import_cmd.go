package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

func newImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import DIR",
		Short: "Import existing entries into the archive and index them",
		Long: `Read every .md entry under DIR, validate it against the format, and copy it
byte for byte into entries/ with a sidecar, keeping its id (the file name when
it is <id>.md, else the id of its article URL). Files that do not parse are
reported and skipped, never half-imported; entries already in the archive are
left alone. Format problems that do not stop parsing (such as repeated Closest
lines) are reported as warnings. Exit 3 when some files were skipped as bad.`,
		Args: argsN(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd.Context(), a, args[0]) },
	}
}

func runImport(ctx context.Context, a *app, dir string) error {
	c, err := a.config()
	if err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Errorf("import %s: not a folder: give the folder holding the entries' .md files", dir)}
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import %s: %w", dir, err)
	}
	sort.Strings(files)
	ws := a.workspace(c)
	if err := os.MkdirAll(ws.Entries, 0o755); err != nil {
		return err
	}
	lock, err := ws.Lock(ctx)
	if err != nil {
		return err
	}
	var docs []closest.Doc
	bad, present, warned := 0, 0, 0
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(a.Stderr, "%s: skipped: %v\n", f, unwrapPath(err))
			bad++
			continue
		}
		e, err := render.Parse(b)
		if err != nil {
			fmt.Fprintf(a.Stderr, "%s: skipped: %v\n", f, err)
			bad++
			continue
		}
		id, canon := importedID(f, e)
		if id == "" {
			fmt.Fprintf(a.Stderr, "%s: skipped: no id: name the file <32-hex-id>.md or give the entry an http(s) link\n", f)
			bad++
			continue
		}
		if prev, ok := seen[id]; ok {
			fmt.Fprintf(a.Stderr, "%s: skipped: same id %s as %s\n", f, id, prev)
			bad++
			continue
		}
		seen[id] = f
		if _, ok := ws.Where(id); ok {
			present++
			continue
		}
		for _, p := range render.Check(b, id) {
			fmt.Fprintf(a.Stderr, "%s:%d: warning: %s\n", f, p.Line, p.Msg)
			warned++
		}
		d := store.Draft{
			Version: store.SidecarVersion,
			ID:      id,
			Entry:   e,
			Article: extract.Article{URL: e.URL, CanonicalURL: canon, ID: id, Title: e.Title},
			Engine:  "import",
			Created: a.Now().UTC(),
			Tool:    "digest " + digestVersion(),
		}
		js, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			lock.Unlock()
			return err
		}
		md, side := ws.EntryPaths(id)
		if err := store.WriteFileAtomic(md, b, 0o644); err != nil {
			lock.Unlock()
			return err
		}
		if err := store.WriteFileAtomic(side, append(js, '\n'), 0o644); err != nil {
			lock.Unlock()
			return err
		}
		docs = append(docs, closest.Doc{ID: id, CanonicalURL: canon, Entry: e})
	}
	lock.Unlock()
	if len(docs) > 0 {
		ar, err := a.archive(c)
		if err != nil {
			return err
		}
		if err := ar.Add(ctx, docs...); err != nil {
			return fmt.Errorf("imported %d entries but could not index them (run 'digest index'): %w", len(docs), err)
		}
	}
	fmt.Fprintf(a.Stdout, "imported %d, already in the archive %d, skipped as bad %d, format warnings %d\n", len(docs), present, bad, warned)
	if bad > 0 {
		return silentError{exitPartial}
	}
	return nil
}
