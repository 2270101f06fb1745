package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/store"
	"github.com/digest-tool/digest/templates"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module's build info is used.
var version = ""

func digestVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// app is what commands depend on: streams, environment, clock and the
// network. Tests build one with buffers and httptest servers.
type app struct {
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	StdoutTTY bool
	StderrTTY bool
	Getenv    func(string) string
	ReadFile  func(string) ([]byte, error)
	Now       func() time.Time
	// HTTPClient fetches pages when set (tests); else one is built from
	// the fetch settings.
	HTTPClient *http.Client
	// ModelHTTPClient talks to the model server when set.
	ModelHTTPClient *http.Client
	// RunCommand runs model.api_key_cmd and returns its stdout.
	RunCommand func(command string) (string, error)
	// Sleep waits between model retries; tests make it instant.
	Sleep func(context.Context, time.Duration) error

	// Set by the root command's persistent flags.
	workdir    string
	configFile string
	verbose    bool
	noColor    bool
}

func newSystemApp() *app {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &app{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		StdoutTTY: isTTY(os.Stdout),
		StderrTTY: isTTY(os.Stderr),
		Getenv:    os.Getenv,
		ReadFile:  os.ReadFile,
		Now:       time.Now,
		RunCommand: func(command string) (string, error) {
			var out, errb bytes.Buffer
			cmd := exec.Command("sh", "-c", command)
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
			}
			return out.String(), nil
		},
	}
}

// config loads the effective configuration for the workspace.
func (a *app) config() (*config.Config, error) {
	var files []config.File
	xdg := a.Getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		if home := a.Getenv("HOME"); home != "" {
			xdg = filepath.Join(home, ".config")
		}
	}
	if xdg != "" {
		files = append(files, config.File{Path: filepath.Join(xdg, "digest", "config.toml"), Optional: true})
	}
	if a.configFile != "" {
		files = append(files, config.File{Path: a.configFile})
	} else {
		files = append(files, config.File{Path: filepath.Join(a.workdir, "config.toml"), Optional: true})
	}
	c, err := config.Load(files, a.ReadFile, a.Getenv)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// openWorkspace loads the configuration and describes the workspace it
// sets up: the opening of most commands.
func (a *app) openWorkspace() (*config.Config, *store.Workspace, error) {
	c, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	return c, a.workspace(c), nil
}

func (a *app) workspace(c *config.Config) *store.Workspace {
	return store.Open(a.workdir, c.Paths.Drafts, c.Paths.Entries)
}

// templateDir is the workspace folder whose files override built-in templates.
func (a *app) templateDir(c *config.Config) string {
	if c.Paths.Templates == "" {
		return ""
	}
	if filepath.IsAbs(c.Paths.Templates) {
		return c.Paths.Templates
	}
	return filepath.Join(a.workdir, c.Paths.Templates)
}

func (a *app) readTemplate(c *config.Config, name string) ([]byte, error) {
	b, _, err := templates.Read(a.templateDir(c), name)
	return b, err
}

func (a *app) extractor(c *config.Config) *extract.Extractor {
	ua := c.Fetch.UserAgent
	if ua == "" {
		ua = "digest/" + digestVersion() + " (+https://github.com/digest-tool/digest)"
	}
	return extract.New(extract.Options{
		Client:         a.HTTPClient,
		ConnectTimeout: c.Fetch.ConnectTimeout.Duration,
		Timeout:        c.Fetch.Timeout.Duration,
		MaxBytes:       c.Fetch.MaxBytes,
		UserAgent:      ua,
	})
}

// status prints a progress line on stderr, only on a terminal.
func (a *app) status(format string, args ...any) {
	if a.StderrTTY {
		fmt.Fprintf(a.Stderr, format+"\n", args...)
	}
}
