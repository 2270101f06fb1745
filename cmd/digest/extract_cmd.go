package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/extract"
)

type extractOptions struct {
	json bool
	html string
	url  string
}

func newExtractCmd(a *app) *cobra.Command {
	var o extractOptions
	cmd := &cobra.Command{
		Use:   "extract [URL]",
		Short: "Print the readable article of a page",
		Long: `Fetch a page (or read a saved one with --html) and print its readable article
text, or with --json its metadata and text: url, canonical_url, id, title,
byline, site, published, language, text, words.`,
		Example: `  digest extract https://example.com/story
  digest extract --html saved.html --url https://example.com/story --json`,
		Args: argsN(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.url = args[0]
			}
			return runExtract(cmd.Context(), a, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	addPageFlags(cmd, &o.html, &o.url)
	return cmd
}

// addPageFlags adds --html and --url, shared by the commands that read a page.
func addPageFlags(cmd *cobra.Command, html, url *string) {
	cmd.Flags().StringVar(html, "html", "", "read a saved page from `FILE` (- for stdin) instead of fetching")
	cmd.Flags().StringVar(url, "url", "", "with --html: the `URL` the page came from")
}

// readPage extracts the article of a URL or of a saved page.
func readPage(ctx context.Context, a *app, x *extract.Extractor, htmlFile, url string) (extract.Article, error) {
	if htmlFile == "" {
		if url == "" {
			return extract.Article{}, usageError{fmt.Errorf("no URL given: pass a URL, or --html FILE --url URL")}
		}
		return x.FromURL(ctx, url)
	}
	if url == "" {
		return extract.Article{}, usageError{fmt.Errorf("--html %s needs --url URL to say where the page came from", htmlFile)}
	}
	r, closeFn, err := openInput(a, htmlFile)
	if err != nil {
		return extract.Article{}, err
	}
	defer closeFn()
	return x.FromHTML(r, url)
}

// openInput opens a file argument, "-" meaning stdin.
func openInput(a *app, name string) (io.Reader, func(), error) {
	if name == "-" {
		return a.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("open %s: %w", name, unwrapPath(err))}
	}
	return f, func() { f.Close() }, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func runExtract(ctx context.Context, a *app, o extractOptions) error {
	c, err := a.config()
	if err != nil {
		return err
	}
	art, err := readPage(ctx, a, a.extractor(c), o.html, o.url)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(extractJSON(art))
	}
	if art.Title != "" {
		fmt.Fprintf(a.Stdout, "%s\n\n", art.Title)
	}
	_, err = fmt.Fprintln(a.Stdout, art.Text)
	return err
}

// extractJSON is the documented shape of `digest extract --json`.
func extractJSON(art extract.Article) any {
	return struct {
		URL          string `json:"url"`
		CanonicalURL string `json:"canonical_url"`
		ID           string `json:"id"`
		Title        string `json:"title"`
		Byline       string `json:"byline"`
		Site         string `json:"site"`
		Published    string `json:"published"`
		Language     string `json:"language"`
		Text         string `json:"text"`
		Words        int    `json:"words"`
	}{extract.Redact(art.URL), art.CanonicalURL, art.ID, art.Title, art.Byline, art.Site, art.Published, art.Language, art.Text, art.Words}
}
