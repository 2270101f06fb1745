package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/store"
)

func newShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print a draft",
		Long: `Print the draft's markdown: rendered for reading on a terminal, as it is in
drafts/<id>.md when piped or with NO_COLOR set. ID is the draft's id, or its
first 6 or more hex digits when they name one draft (see 'digest drafts').
GLAMOUR_STYLE picks the terminal style (dark, light, notty, or a JSON file).`,
		Example: `  digest show 3b96c7
  digest show 3b96c7 > entry.md`,
		Args: argsN(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error { return runShow(a, args[0]) },
	}
}

func runShow(a *app, arg string) error {
	c, ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	id, err := resolveDraft(ws, arg)
	if err != nil {
		return err
	}
	d, md, err := draftMarkdown(a, c, ws, id)
	if err != nil {
		return err
	}
	if !a.StdoutTTY || a.noColor {
		_, err := a.Stdout.Write(md)
		return err
	}
	out, err := renderMarkdown(string(md), a.termWidth(), a.glamourStyle())
	if err != nil {
		return fmt.Errorf("show %s: %w", id, err)
	}
	_, err = fmt.Fprint(a.Stdout, out)
	if err == nil && a.verbose {
		for _, f := range ws.Flags(d, md) {
			fmt.Fprintf(a.Stderr, "! %s\n", f.Label())
		}
	}
	return err
}

// draftMarkdown reads draft id and its markdown, rendering the markdown
// from the sidecar when the file is missing.
func draftMarkdown(a *app, c *config.Config, ws *store.Workspace, id string) (store.Draft, []byte, error) {
	d, md, err := ws.ReadDraft(id)
	if err != nil {
		return store.Draft{}, nil, err
	}
	if md == nil {
		r, err := a.entryRenderer(c)
		if err != nil {
			return store.Draft{}, nil, err
		}
		if md, err = r.Render(d.Entry); err != nil {
			return store.Draft{}, nil, fmt.Errorf("render draft %s: %w", id, err)
		}
	}
	return d, md, nil
}

// renderMarkdown renders md for a terminal width columns wide with a
// glamour style name or style file.
func renderMarkdown(md string, width int, style string) (string, error) {
	r, err := glamour.NewTermRenderer(glamour.WithStylePath(style), glamour.WithWordWrap(max(width-4, 20)))
	if err != nil {
		return "", err
	}
	return r.Render(md)
}

// glamourStyle is GLAMOUR_STYLE, else the dark or light style after the
// terminal's background, or notty without colour.
func (a *app) glamourStyle() string {
	if a.noColor {
		return styles.NoTTYStyle
	}
	if s := a.Getenv("GLAMOUR_STYLE"); s != "" && s != styles.AutoStyle {
		return s
	}
	if f, ok := a.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !termenv.NewOutput(f).HasDarkBackground() {
		return styles.LightStyle
	}
	return styles.DarkStyle
}

// termWidth is stdout's width on a terminal, else $COLUMNS, else 80.
func (a *app) termWidth() int {
	if f, ok := a.Stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(a.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}
