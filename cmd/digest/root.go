package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/prompt"
)

// Exit codes, documented in --help and the README.
const (
	exitOK          = 0
	exitFailure     = 1 // the work could not be done: page, network, model, or problems found
	exitUsage       = 2 // bad flag, argument, URL or configuration
	exitPartial     = 3 // some items of a batch failed, the others succeeded
	exitAuth        = 4 // the model server rejected the API key
	exitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    success
  1    failure: the page, the network or the model failed, or problems were found
  2    usage: a bad flag, argument, URL or configuration value
  3    some items of a batch failed (the others succeeded)
  4    the model server rejected the API key (401/403)
  130  interrupted (Ctrl-C)`

// usageError marks an error as the user's input being wrong (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// silentError carries an exit code for failures already reported in full.
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs digest with args and returns the process exit code.
func Main(a *app, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var s silentError
	if !errors.As(err, &s) {
		fmt.Fprintln(a.Stderr, "digest: "+oneLine(err.Error()))
		if a.verbose {
			// The chain of causes, innermost last, for a bug report.
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				fmt.Fprintf(a.Stderr, "  cause (%T): %s\n", e, oneLine(e.Error()))
			}
		}
	}
	return code
}

func exitCode(err error) int {
	var s silentError
	var u usageError
	var xe *extract.Error
	var pe *prompt.Error
	switch {
	case errors.As(err, &s):
		return s.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &xe) && xe.Kind == extract.KindInput:
		return exitUsage
	case errors.As(err, &pe) && pe.Kind == prompt.KindAuth:
		return exitAuth
	case strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown flag"):
		return exitUsage
	}
	return exitFailure
}

// oneLine keeps an error message to one line for the terminal.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ; ")), " ")
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "digest",
		Short: "Turn links into entries of a horizon-scanning newsletter digest",
		Long: `digest fetches a page, extracts the article, asks a language model (any
OpenAI-compatible endpoint, or the built-in offline engine when no API key is
set) for a headline, summary, keywords, themes and signals, and writes a draft
entry in the digest's markdown format.

Settings come from, highest first: flags > environment (DIGEST_<SECTION>_<KEY>,
OPENAI_BASE_URL, and the API key variable) > ./config.toml >
$XDG_CONFIG_HOME/digest/config.toml > built-in defaults. See 'digest config'.`,
		Version:       digestVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.workdir == "" {
				a.workdir = "."
			}
			if a.Getenv("NO_COLOR") != "" {
				a.noColor = true
			}
			return nil
		},
	}
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.SetIn(a.Stdin)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see 'digest %s --help')", err, c.Name())}
	})
	root.SetUsageTemplate(root.UsageTemplate() + "\n" + exitCodesHelp + "\n")
	pf := root.PersistentFlags()
	pf.StringVarP(&a.workdir, "workspace", "C", ".", "the digest workspace folder")
	pf.StringVar(&a.configFile, "config", "", "read this config file instead of the workspace's config.toml")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "on failure, also print the chain of causes")

	root.AddCommand(
		newExtractCmd(a),
		newCheckCmd(a),
		newConfigCmd(a),
		newNewCmd(a),
		newBatchCmd(a),
		newIndexCmd(a),
		newClosestCmd(a),
		newImportCmd(a),
		newDraftsCmd(a),
		newShowCmd(a),
		newEditCmd(a),
		newRegenCmd(a),
		newAcceptCmd(a),
		newRejectCmd(a),
		newReviewCmd(a),
	)
	return root
}

// argsN requires between min and max positional arguments (max<0: no limit).
func argsN(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || (max >= 0 && len(args) > max) {
			want := fmt.Sprintf("%d", min)
			switch {
			case max < 0:
				want = fmt.Sprintf("at least %d", min)
			case max != min:
				want = fmt.Sprintf("%d to %d", min, max)
			}
			return usageError{fmt.Errorf("%s takes %s argument(s), got %d (usage: %s)", cmd.CommandPath(), want, len(args), cmd.UseLine())}
		}
		return nil
	}
}
