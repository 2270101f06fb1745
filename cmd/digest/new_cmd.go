package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/pipeline"
	"github.com/digest-tool/digest/prompt"
	"github.com/digest-tool/digest/prompt/offline"
	"github.com/digest-tool/digest/store"
)

type newOptions struct {
	html, url string
	issue     string
	stdout    bool
	force     bool
	json      bool
	model     modelFlags
}

// modelFlags are the flags that choose and tune the engine.
type modelFlags struct {
	engine  string
	name    string
	modules bool
	noCache bool
}

func (m *modelFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.engine, "engine", "", "auto | openai | offline (overrides model.engine)")
	f.StringVar(&m.name, "model", "", "model name (overrides model.name)")
	f.BoolVar(&m.modules, "modules", false, "one request per entry part, run concurrently (model.modules)")
	f.BoolVar(&m.noCache, "no-cache", false, "ask the model even when a cached answer exists")
}

// config loads the configuration with the model flags that were given
// written over it.
func (m *modelFlags) config(cmd *cobra.Command, a *app) (*config.Config, error) {
	c, err := a.config()
	if err != nil {
		return nil, err
	}
	if err := m.apply(cmd, c); err != nil {
		return nil, err
	}
	return c, nil
}

// apply writes the flags that were given over the configuration.
func (m *modelFlags) apply(cmd *cobra.Command, c *config.Config) error {
	set := func(flag, key, v string) error {
		if !cmd.Flags().Changed(flag) {
			return nil
		}
		if err := c.Set(key, v, "flag --"+flag); err != nil {
			return usageError{err}
		}
		return nil
	}
	if err := set("engine", "model.engine", m.engine); err != nil {
		return err
	}
	if err := set("model", "model.name", m.name); err != nil {
		return err
	}
	return set("modules", "model.modules", fmt.Sprint(m.modules))
}

func newNewCmd(a *app) *cobra.Command {
	var o newOptions
	cmd := &cobra.Command{
		Use:   "new [URL]",
		Short: "Turn one link into a draft entry",
		Long: `Fetch the page, extract the article, ask the model (or the offline engine) for
the entry's parts and write drafts/<id>.md and drafts/<id>.json. Prints the
draft's path (or the entry itself with --stdout). With no API key and no
base_url the built-in offline engine writes the draft, with no network call to
any model; cells it cannot fill read "(to review)".`,
		Example: `  digest new https://example.com/story --issue 20230827
  digest new --html saved.html --url https://example.com/story --stdout
  OPENAI_BASE_URL=http://localhost:11434/v1 digest new URL --model llama3.1 `,
		Args: argsN(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.url = args[0]
			}
			return runNew(cmd, a, o)
		},
	}
	f := cmd.Flags()
	addPageFlags(cmd, &o.html, &o.url)
	f.StringVar(&o.issue, "issue", "", "newsletter issue date `YYYYMMDD` (default newsletter.date, else today)")
	f.BoolVar(&o.stdout, "stdout", false, "print the entry instead of writing a draft")
	f.BoolVar(&o.force, "force", false, "write the draft even if the id exists in drafts or entries")
	f.BoolVar(&o.json, "json", false, "print the result as JSON (id, path, engine, usage)")
	o.model.add(cmd)
	return cmd
}

func runNew(cmd *cobra.Command, a *app, o newOptions) error {
	ctx := cmd.Context()
	c, err := o.model.config(cmd, a)
	if err != nil {
		return err
	}
	issue, err := issueDate(a, c, o.issue)
	if err != nil {
		return err
	}
	p, err := a.pipeline(c, o.model.noCache)
	if err != nil {
		return err
	}
	ws := a.workspace(c)
	p.Stage("fetching and extracting")
	art, err := readPage(ctx, a, p.Extractor, o.html, o.url)
	if err != nil {
		return err
	}
	if !o.stdout && !o.force {
		if where, ok := ws.Where(art.ID); ok {
			return fmt.Errorf("%s is already in the workspace as %s: use --force to redo it", extract.Redact(art.URL), relPath(a.workdir, where))
		}
	}
	d, md, err := p.Draft(ctx, art, issue)
	if err != nil {
		return err
	}
	if d.Engine == "openai" {
		fmt.Fprintln(a.Stderr, prompt.Summary(prompt.Result{Model: d.Model, Usage: d.Usage, Cached: d.Cached}, prices(c)))
	}
	if o.stdout {
		_, err := a.Stdout.Write(md)
		return err
	}
	p.Stage("writing")
	path, err := saveDraft(ctx, ws, d, md)
	if err != nil {
		return err
	}
	path = relPath(a.workdir, path)
	if o.json {
		return json.NewEncoder(a.Stdout).Encode(struct {
			ID     string       `json:"id"`
			Path   string       `json:"path"`
			Engine string       `json:"engine"`
			Model  string       `json:"model,omitempty"`
			Usage  prompt.Usage `json:"usage"`
			Cut    bool         `json:"input_cut"`
		}{d.ID, path, d.Engine, d.Model, d.Usage, d.InputCut})
	}
	fmt.Fprintln(a.Stdout, path)
	return nil
}

// saveDraft writes a draft under the workspace lock, so that it cannot
// interleave with an accept or a reject of the same id.
func saveDraft(ctx context.Context, ws *store.Workspace, d store.Draft, md []byte) (string, error) {
	lock, err := lockWorkspace(ctx, ws)
	if err != nil {
		return "", err
	}
	defer lock.Unlock()
	return ws.SaveDraft(d, md)
}

// issueDate picks the issue date: flag, then newsletter.date, then today.
func issueDate(a *app, c *config.Config, flag string) (string, error) {
	if flag != "" {
		if err := config.CheckDate(flag); err != nil {
			return "", usageError{fmt.Errorf("--issue: %w", err)}
		}
		return flag, nil
	}
	if c.Newsletter.Date != "" {
		return c.Newsletter.Date, nil
	}
	return a.Now().Format("20060102"), nil
}

func prices(c *config.Config) *prompt.Prices {
	p := c.Model.Prices
	if p.Input == 0 && p.Output == 0 {
		return nil
	}
	return &prompt.Prices{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
}

// pipeline builds the extract → engine → render pipeline for c.
func (a *app) pipeline(c *config.Config, noCache bool) (*pipeline.Pipeline, error) {
	engine, err := a.engine(c, noCache)
	if err != nil {
		return nil, err
	}
	r, err := a.entryRenderer(c)
	if err != nil {
		return nil, err
	}
	ar, err := a.archive(c)
	if err != nil {
		return nil, err
	}
	return &pipeline.Pipeline{
		Related:   ar.Related,
		Warn:      func(msg string) { fmt.Fprintln(a.Stderr, "digest: warning: "+msg) },
		Extractor: a.extractor(c),
		Engine:    engine,
		Renderer:  r,
		IssueURL:  c.Newsletter.IssueURL,
		Now:       a.Now,
		Tool:      "digest " + digestVersion(),
		Stage:     func(s string) { a.status("%s…", s) },
	}, nil
}

// engine picks the offline engine or a model client, per model.engine.
func (a *app) engine(c *config.Config, noCache bool) (prompt.Engine, error) {
	key, _, err := c.APIKey(a.Getenv, a.RunCommand)
	if err != nil {
		return nil, err
	}
	switch c.Engine(key != "") {
	case "offline":
		return offline.New(), nil
	default:
		if key == "" && c.Model.BaseURL == "" {
			return nil, usageError{fmt.Errorf("model.engine is openai but %s is not set: set it, set model.base_url for a local server, or use --engine offline", c.Model.APIKeyEnv)}
		}
		return prompt.NewClient(prompt.Config{
			BaseURL:           c.Model.BaseURL,
			APIKey:            key,
			APIKeyEnv:         c.Model.APIKeyEnv,
			Model:             c.Model.Name,
			Structured:        c.Model.Structured,
			Temperature:       c.Model.Temperature,
			Timeout:           c.Model.Timeout.Duration,
			MaxRetries:        c.Model.MaxRetries,
			MaxInputTokens:    c.Model.MaxInputTokens,
			Modules:           c.Model.Modules,
			RequestsPerMinute: c.Model.RequestsPerMinute,
			TokensPerMinute:   c.Model.TokensPerMinute,
			PromptDir:         a.templateDir(c),
			CacheDir:          filepath.Join(a.workdir, ".digest", "cache"),
			NoCache:           noCache,
			HTTPClient:        a.ModelHTTPClient,
			Sleep:             a.Sleep,
		})
	}
}

func relPath(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}
