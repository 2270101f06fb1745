package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

func newIndexCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "index",
		Short: "Rebuild the closest-entries index of the archive",
		Long: `Read every entry of the archive into .digest/index. Unchanged entries cost
nothing; with the embeddings engine only new or changed entries are sent to
the model server. digest new and digest accept keep the index up to date, so
this is needed only after the archive changed by other means (it is also
rebuilt on its own when its file is missing, old or corrupt).`,
		Args: argsN(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			ar, err := a.archive(c)
			if err != nil {
				return err
			}
			st, err := ar.Rebuild(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s index: %d entries (%d added, %d updated, %d unchanged, %d removed, %d encoded)\n",
				ar.eng.Name(), st.Added+st.Updated+st.Unchanged, st.Added, st.Updated, st.Unchanged, st.Removed, st.Encoded)
			return nil
		},
	}
}

type closestOptions struct {
	k    int
	json bool
}

func newClosestCmd(a *app) *cobra.Command {
	var o closestOptions
	cmd := &cobra.Command{
		Use:   "closest ID|URL|FILE",
		Short: "List the archive entries closest to an entry",
		Long: `List the archive entries most similar to a draft or entry (by id or a unique
id prefix of 6+ hex digits, by its article URL, or an entry file), most
similar first, with their scores. Never the entry itself, never an entry of
the same canonical URL, never one id twice.`,
		Args: argsN(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runClosest(cmd.Context(), a, o, args[0]) },
	}
	cmd.Flags().IntVarP(&o.k, "k", "k", closest.MaxClosest, "list at most `N` entries")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON: [{id, title, score}]")
	return cmd
}

func runClosest(ctx context.Context, a *app, o closestOptions, arg string) error {
	if o.k < 1 {
		return usageError{fmt.Errorf("-k %d: give a number of entries of 1 or more", o.k)}
	}
	c, ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	doc, err := closestDoc(ws, arg)
	if err != nil {
		return err
	}
	ar, err := a.archive(c)
	if err != nil {
		return err
	}
	ms, err := ar.Matches(ctx, doc, o.k)
	if err != nil {
		return err
	}
	if o.json {
		type match struct {
			ID    string  `json:"id"`
			Title string  `json:"title"`
			Score float64 `json:"score"`
		}
		out := make([]match, 0, len(ms))
		for _, m := range ms {
			out = append(out, match{m.ID, m.Title, m.Score})
		}
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(ms) == 0 {
		fmt.Fprintln(a.Stderr, "no related entries in the archive")
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	for _, m := range ms {
		fmt.Fprintf(tw, "%.3f\t%s\t%s\n", m.Score, m.ID, m.Title)
	}
	return tw.Flush()
}

// closestDoc finds what `digest closest` was asked about: an entry file, a
// URL, or a draft or entry id (prefix).
func closestDoc(ws *store.Workspace, arg string) (closest.Doc, error) {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		canon, err := extract.Canonicalize(arg)
		if err != nil {
			return closest.Doc{}, usageError{err}
		}
		return docByID(ws, extract.ID(canon), arg)
	}
	if b, err := os.ReadFile(arg); err == nil {
		e, err := render.Parse(b)
		if err != nil {
			return closest.Doc{}, fmt.Errorf("%s: %w", arg, err)
		}
		id, canon := importedID(arg, e)
		return closest.Doc{ID: id, CanonicalURL: canon, Entry: e}, nil
	}
	if !store.ValidPrefix(strings.ToLower(arg)) {
		return closest.Doc{}, usageError{fmt.Errorf("%q is not an entry id (6+ hex digits), a URL or a file", arg)}
	}
	return docByID(ws, strings.ToLower(arg), arg)
}

func docByID(ws *store.Workspace, prefix, arg string) (closest.Doc, error) {
	id := prefix
	if !store.ValidID(id) {
		var err error
		if id, err = resolveAny(ws, prefix); err != nil {
			return closest.Doc{}, err
		}
	}
	if ws.HasDraft(id) {
		d, err := ws.LoadDraft(id)
		if err != nil {
			return closest.Doc{}, err
		}
		return closest.Doc{ID: id, CanonicalURL: d.Article.CanonicalURL, Entry: d.Entry}, nil
	}
	e, canon, err := ws.ReadEntry(id)
	if err != nil {
		return closest.Doc{}, fmt.Errorf("no draft or entry for %s: see 'digest drafts'", arg)
	}
	return closest.Doc{ID: id, CanonicalURL: canon, Entry: e}, nil
}

// resolveAny resolves an id prefix among drafts, then entries.
func resolveAny(ws *store.Workspace, prefix string) (string, error) {
	id, err := ws.ResolveDraft(prefix)
	if err == nil || !errors.Is(err, store.ErrNoDraft) {
		return id, err
	}
	ids, lerr := ws.EntryIDs()
	if lerr != nil {
		return "", lerr
	}
	var found []string
	for _, e := range ids {
		if strings.HasPrefix(e, prefix) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("no draft or entry with id %s: see 'digest drafts'", prefix)
	}
	return "", fmt.Errorf("id prefix %s matches %d entries (%s): give more digits", prefix, len(found), strings.Join(found, ", "))
}

// importedID is an entry file's id: its file name when that is an id, else
// the id of its article's canonical URL.
func importedID(file string, e render.Entry) (id, canonicalURL string) {
	canon, err := extract.Canonicalize(e.URL)
	if err != nil {
		canon = ""
	}
	if base := strings.TrimSuffix(filepath.Base(file), ".md"); store.ValidID(strings.ToLower(base)) {
		return strings.ToLower(base), canon
	}
	if canon == "" {
		return "", ""
	}
	return extract.ID(canon), canon
}
