package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/batch"
	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
)

type batchOptions struct {
	list      string // FILE, or - for stdin
	linksFrom string
	issue     string
	jobs      int
	force     bool
	json      bool
	model     modelFlags
}

func newBatchCmd(a *app) *cobra.Command {
	var o batchOptions
	cmd := &cobra.Command{
		Use:   "batch [FILE | -]",
		Short: "Turn a list of links into draft entries",
		Long: `Read links, one per line, from FILE (or stdin with -) and write a draft for
each, as 'digest new' does, several at a time. Blank lines and # comments are
skipped; a line may carry the issue date after the URL ("URL 20230827").
--links-from URL takes the external article links of a page instead (a
newsletter issue, say), dropping navigation, social and same-site links.

Links are canonicalised and deduplicated first; those already in drafts or
entries are skipped (--force redoes them). At most 2 pages are fetched at a
time from one host; model requests share one rate limit and one back-off, and
a link whose model request still fails with a rate limit or a server error
after its retries gets one more try after the rest of the list.
Each draft is written as soon as it is made, and a journal in .digest/batch
records each link, so running the same command again after Ctrl-C or a crash
resumes: links already drafted are not asked of the model again. Ctrl-C stops
taking new links and lets those in flight finish; a second Ctrl-C cancels them.

Progress goes to stderr: a bar on a terminal, else a line per link; --json
prints a JSON line per link on stdout instead: {line, url, id, status (done |
failed | skipped | canceled), error, reason, draft, tokens, cost, seconds}.
At the end a summary goes to stderr and a report to .digest/batch-<time>.json.
Exit 0 when every link succeeded or was skipped, 3 when some failed.`,
		Example: `  digest batch links.txt --issue 20230827 -j 16
  grep -o 'https://[^ ]*' notes.md | digest batch - --json > results.jsonl
  digest batch --links-from https://kghosh.substack.com/p/20230827`,
		Args: argsN(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.list = args[0]
			}
			return runBatch(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.linksFrom, "links-from", "", "take the article links of the page at `URL` instead of a list")
	f.StringVar(&o.issue, "issue", "", "`YYYYMMDD` issue date for every link, over dates in the list (default newsletter.date, else today)")
	f.IntVarP(&o.jobs, "jobs", "j", 0, "links in flight at once (default batch.concurrency)")
	f.BoolVar(&o.force, "force", false, "redo links whose id is already in drafts or entries")
	f.BoolVar(&o.json, "json", false, "print a JSON line per link on stdout, and no progress bar")
	o.model.add(cmd)
	return cmd
}

func runBatch(cmd *cobra.Command, a *app, o batchOptions) error {
	ctx := cmd.Context()
	c, err := o.model.config(cmd, a)
	if err != nil {
		return err
	}
	if (o.list == "") == (o.linksFrom == "") {
		return usageError{errors.New("give a list FILE (or - for stdin), or --links-from URL, not both")}
	}
	if cmd.Flags().Changed("jobs") {
		if err := c.Set("batch.concurrency", fmt.Sprint(o.jobs), "flag -j"); err != nil {
			return usageError{err}
		}
	}
	issue, err := issueDate(a, c, o.issue)
	if err != nil {
		return err
	}
	if o.issue == "" && o.linksFrom != "" {
		if d := issueFromURL(c.Newsletter.IssueURL, o.linksFrom); d != "" {
			issue = d
		}
	}
	p, err := a.pipeline(c, o.model.noCache)
	if err != nil {
		return err
	}
	p.Stage = nil // the batch's own progress says what happens
	ws := a.workspace(c)

	src, listName, total, closeList, err := openLinks(ctx, a, c, o)
	if err != nil {
		return err
	}
	defer closeList()

	var progress batch.Progress
	var bar *batch.Bar
	switch {
	case o.json:
		progress = batch.Lines{W: a.Stdout, JSON: true}
	case a.StderrTTY && !a.noColor:
		bar = batch.NewBar(a.Stderr, total(), a.Now)
		progress = bar
	default:
		progress = batch.Lines{W: a.Stderr}
	}

	pr := prices(c)
	r := &batch.Runner{
		Workers:        c.Batch.Concurrency,
		Force:          o.force,
		Issue:          issue,
		IssueOverrides: o.issue != "",
		StateDir:       ws.StateDir(),
		List:           listName,
		Drafts:         ws.Drafts,
		Fetch:          p.Extractor.FromURL,
		Draft: func(ctx context.Context, art extract.Article, issue string) (func() (batch.Made, error), error) {
			d, md, err := p.Draft(ctx, art, issue)
			if err != nil {
				return nil, err
			}
			return func() (batch.Made, error) {
				// Not ctx: a draft made is saved even when Ctrl-C came meanwhile.
				path, err := saveDraft(context.Background(), ws, d, md)
				if err != nil {
					return batch.Made{}, err
				}
				m := batch.Made{Path: relPath(a.workdir, path), Tokens: d.Usage.PromptTokens + d.Usage.CompletionTokens}
				if pr != nil {
					m.Cost, _ = d.Usage.Cost(*pr)
				}
				return m, nil
			}, nil
		},
		Exists: func(id string) (string, bool) {
			where, ok := ws.Where(id)
			return relPath(a.workdir, where), ok
		},
		// A rejected key or an empty account fails every link alike.
		Fatal: func(err error) bool {
			var pe *prompt.Error
			return errors.As(err, &pe) && (pe.Kind == prompt.KindAuth || pe.Kind == prompt.KindQuota)
		},
		// A model that stayed busy or failing through its retries gets
		// one more try after the rest of the list.
		Again: func(err error) bool {
			var pe *prompt.Error
			return errors.As(err, &pe) && (pe.Kind == prompt.KindRateLimit || pe.Kind == prompt.KindServer)
		},
		Priced:   pr != nil,
		Now:      a.Now,
		Progress: progress,
	}

	var notes io.Writer = a.Stderr
	if bar != nil {
		notes = bar
	}
	stop, work, cancelWork := interrupts(ctx, notes)
	defer cancelWork()
	sum, err := r.Run(work, stop, src)
	if bar != nil {
		bar.Close()
	}
	if sum.Report != "" || sum.Read > 0 {
		sum.WriteText(a.Stderr, a.workdir)
	}
	switch {
	case err != nil:
		return err
	case sum.Interrupted:
		return silentError{exitInterrupted}
	case sum.Failed > 0:
		return silentError{exitPartial}
	}
	return nil
}

// interrupts turns Ctrl-C into the batch's two stops: the first (ctx
// ending: Main cancels it on the first interrupt) closes stop, so no new
// link is taken; a second interrupt cancels work, the links in flight.
func interrupts(ctx context.Context, notes io.Writer) (stop <-chan struct{}, work context.Context, cancel func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	st := make(chan struct{})
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	finished := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			// An interrupt that ended ctx also reached sigs: drop its copy.
			select {
			case <-sigs:
			default:
			}
		case <-sigs:
		case <-finished:
			return
		}
		close(st)
		fmt.Fprintln(notes, "digest: stopping: finishing the links in flight (Ctrl-C again cancels them)")
		select {
		case <-sigs:
			cancelWork()
		case <-finished:
		}
	}()
	return st, work, func() {
		signal.Stop(sigs)
		close(finished)
		cancelWork()
	}
}

// openLinks opens the links to run: a list file, stdin, or a page's links.
// It returns the source, the list's name for the journal, a function giving
// the number of links when it is cheap to know (0 otherwise) and a closer.
func openLinks(ctx context.Context, a *app, c *config.Config, o batchOptions) (src batch.Source, name string, total func() int, closeFn func(), err error) {
	none := func() int { return 0 }
	switch {
	case o.linksFrom != "":
		canon, err := extract.Canonicalize(o.linksFrom)
		if err != nil {
			return nil, "", nil, nil, usageError{fmt.Errorf("--links-from %s: %w", extract.Redact(o.linksFrom), err)}
		}
		client := a.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: c.Fetch.Timeout.Duration}
		}
		ua := c.Fetch.UserAgent
		if ua == "" {
			ua = extract.UserAgent(digestVersion())
		}
		links, err := batch.PageLinks(ctx, client, o.linksFrom, ua, c.Fetch.MaxBytes)
		if err != nil {
			return nil, "", nil, nil, err
		}
		if len(links) == 0 {
			return nil, "", nil, nil, fmt.Errorf("--links-from %s: no external article links on the page", extract.Redact(o.linksFrom))
		}
		return batch.Links(links), "url " + canon, func() int { return len(links) }, func() {}, nil
	case o.list == "-":
		return batch.NewListReader(a.Stdin), "stdin", none, func() {}, nil
	}
	r, closeFn, err := openInput(a, o.list)
	if err != nil {
		return nil, "", nil, nil, err
	}
	abs, err := filepath.Abs(o.list)
	if err != nil {
		abs = o.list
	}
	total = func() int {
		f, err := os.Open(o.list)
		if err != nil {
			return 0
		}
		defer f.Close()
		n, _ := batch.CountLinks(f)
		return n
	}
	return batch.NewListReader(r), "file " + abs, total, closeFn, nil
}

// issueFromURL reads the issue date out of a newsletter issue's URL when it
// matches the newsletter.issue_url pattern ("https://x.substack.com/p/{date}").
func issueFromURL(pattern, rawURL string) string {
	pre, post, ok := strings.Cut(pattern, "{date}")
	if !ok || !strings.HasPrefix(rawURL, pre) {
		return ""
	}
	d := strings.TrimPrefix(rawURL, pre)
	if post != "" {
		var found bool
		if d, _, found = strings.Cut(d, post); !found {
			return ""
		}
	}
	if len(d) > 8 {
		d = d[:8]
	}
	if config.CheckDate(d) != nil {
		return ""
	}
	return d
}
