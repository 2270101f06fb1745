package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// bin is the digest binary, built once by TestMain for every test.
var bin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "digest-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "digest")
	// CGO off: the pure Go resolver answers the DNS failure case from the
	// name alone, with no packet sent; and the binary is the one users get
	// from a plain cross-build.
	build := exec.Command("go", "build", "-o", bin, "github.com/digest-tool/digest/cmd/digest")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// sentinelKey is the API key every model-backed run gets; no output stream
// and no file may ever hold it.
const sentinelKey = "sk-e2e-SENTINEL-4f9a1c7d2b"

// Limits the runs are configured with, far below the defaults so that the
// fault cases end quickly, and the bound a run must end within: far above
// any sum of them, so that only a hang reaches it.
const (
	modelTimeout = 2 * time.Second
	fetchTimeout = 2 * time.Second
	maxRetries   = 2
	hangLimit    = 90 * time.Second
	// rssLimit bounds the peak memory of one run: a page or an answer that
	// is read whole, or a decompression bomb, goes far over it.
	rssLimit = 200 << 20
)

// workspace is a temporary digest folder and the environment runs get.
type workspace struct {
	t   *testing.T
	dir string
	env map[string]string
}

// newWorkspace makes an empty workspace. With model set, runs talk to it
// with the sentinel key; else they use the offline engine.
func newWorkspace(t *testing.T, model *fakeopenai.Server) *workspace {
	t.Helper()
	dir := t.TempDir()
	w := &workspace{t: t, dir: dir, env: map[string]string{
		"HOME":                         filepath.Join(dir, ".home"),
		"XDG_CONFIG_HOME":              filepath.Join(dir, ".xdg"),
		"PATH":                         os.Getenv("PATH"),
		"DIGEST_MODEL_TIMEOUT":         modelTimeout.String(),
		"DIGEST_FETCH_TIMEOUT":         fetchTimeout.String(),
		"DIGEST_FETCH_CONNECT_TIMEOUT": fetchTimeout.String(),
		"DIGEST_MODEL_MAX_RETRIES":     fmt.Sprint(maxRetries),
		"DIGEST_NEWSLETTER_DATE":       "20230827",
	}}
	if model != nil {
		w.env["OPENAI_API_KEY"] = sentinelKey
		w.env["OPENAI_BASE_URL"] = model.URL()
	}
	return w
}

func (w *workspace) environ() []string {
	var env []string
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	return env
}

// command is digest with args in the workspace, not yet started.
func (w *workspace) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, append([]string{"-C", w.dir}, args...)...)
	cmd.Dir = w.dir
	cmd.Env = w.environ()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// result is what one run of digest did.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	elapsed        time.Duration
	maxRSS         int64 // peak resident memory, bytes
}

func (r result) String() string {
	return fmt.Sprintf("digest %s: exit %d after %s, peak RSS %d MiB\nstdout: %s\nstderr: %s",
		strings.Join(r.args, " "), r.code, r.elapsed.Round(time.Millisecond), r.maxRSS>>20, clip(r.stdout), clip(r.stderr))
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// run runs digest to its end with stdin and fails the test if it does not
// end within hangLimit.
func (w *workspace) run(stdin string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := w.command(ctx, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	exited := make(chan struct{})
	peak := make(chan int64, 1)
	go func() { peak <- peakRSS(cmd.Process.Pid, exited) }()
	err := cmd.Wait()
	close(exited)
	r := result{args: args, stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start), maxRSS: <-peak}
	if ctx.Err() != nil {
		w.t.Fatalf("hung: killed after %s\n%s", hangLimit, r)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		w.t.Fatalf("digest %v: %v\n%s", args, err, r)
	}
	w.t.Logf("digest %s: exit %d after %s, peak RSS %d MiB", strings.Join(args, " "), r.code, r.elapsed.Round(time.Millisecond), r.maxRSS>>20)
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		w.t.Fatalf("digest crashed:\n%s", r)
	}
	if r.maxRSS > rssLimit {
		w.t.Errorf("peak RSS %d MiB, over the %d MiB bound\n%s", r.maxRSS>>20, rssLimit>>20, r)
	}
	return r
}

// peakRSS samples the peak resident memory (VmHWM) of process pid until
// exited is closed. The rusage of a finished child cannot serve: Linux
// folds into its maxrss the memory of the process that forked it, as it
// was when the child called exec, and that is this test process. Samples
// taken before the exec (the /proc entry still shows the test binary) are
// dropped. VmHWM only grows, so a spike is seen unless the process exits
// within a sampling interval of it.
func peakRSS(pid int, exited <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == bin {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
						var kb int64
						fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
						peak = max(peak, kb<<10)
					}
				}
			}
		}
		select {
		case <-exited:
			return peak
		case <-tick.C:
		}
	}
}

// digest runs digest with no stdin.
func (w *workspace) digest(args ...string) result {
	w.t.Helper()
	return w.run("", args...)
}

// ok fails the test unless r succeeded.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want success\n%s", r)
	}
	return r
}

// failed checks that r failed as users are promised: the exit code, and
// stderr exactly one line that names the input and says what failed.
func (r result) failed(t *testing.T, code int, mentions ...string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\n%s", r.code, code, r)
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	if line == "" || strings.Contains(line, "\n") {
		t.Fatalf("stderr is not one line\n%s", r)
	}
	if !utf8.ValidString(line) {
		t.Errorf("stderr is not valid UTF-8: %q", line)
	}
	for _, m := range mentions {
		if !strings.Contains(line, m) {
			t.Errorf("stderr lacks %q\n%s", m, r)
		}
	}
	return r
}

// files lists the workspace's files, relative paths, skipping the home and
// config folders the runs are given.
func (w *workspace) files() []string {
	var out []string
	filepath.WalkDir(w.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(w.dir, p)
		if e.IsDir() && (rel == ".home" || rel == ".xdg") {
			return fs.SkipDir
		}
		if !e.IsDir() {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// noTemp fails the test if a temporary file is left anywhere.
func (w *workspace) noTemp() {
	w.t.Helper()
	for _, f := range w.files() {
		if isTemp(f) {
			w.t.Errorf("temporary file left: %s", f)
		}
	}
}

// isTemp tells the temporary files of atomic writes: store's
// ".<name>.tmp-<n>" and the cache's "<key>.<n>.tmp".
func isTemp(name string) bool {
	base := filepath.Base(name)
	return strings.Contains(base, ".tmp-") || strings.HasSuffix(base, ".tmp")
}

// noDrafts fails the test if drafts/ holds any file.
func (w *workspace) noDrafts() {
	w.t.Helper()
	for _, f := range w.files() {
		if strings.HasPrefix(f, "drafts"+string(filepath.Separator)) {
			w.t.Errorf("a failed run left %s", f)
		}
	}
}

// noSecret fails the test if any workspace file, or any of the given
// outputs, holds one of secrets.
func (w *workspace) noSecret(secrets []string, outputs ...string) {
	w.t.Helper()
	for _, s := range secrets {
		for i, o := range outputs {
			if strings.Contains(o, s) {
				w.t.Errorf("output %d holds the secret %q: %s", i, s, clip(o))
			}
		}
		for _, f := range w.files() {
			b, err := os.ReadFile(filepath.Join(w.dir, f))
			if err == nil && bytes.Contains(b, []byte(s)) {
				w.t.Errorf("%s holds the secret %q", f, s)
			}
		}
	}
}

// drafts reads and checks every draft: sidecar and markdown both present,
// the sidecar parses and is for its id, the markdown passes the format
// check, and no text in either is invalid UTF-8. It returns them by id.
func (w *workspace) drafts() map[string]store.Draft {
	w.t.Helper()
	return checkPairs(w.t, filepath.Join(w.dir, "drafts"))
}

func checkPairs(t *testing.T, dir string) map[string]store.Draft {
	t.Helper()
	out := map[string]store.Draft{}
	sidecars, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range sidecars {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var d store.Draft
		if err := json.Unmarshal(b, &d); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if d.ID+".json" != filepath.Base(p) {
			t.Errorf("%s holds id %s", p, d.ID)
		}
		md, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".md")
		if err != nil {
			t.Errorf("sidecar without markdown: %v", err)
			continue
		}
		if probs := render.Check(md, d.ID); len(probs) > 0 {
			t.Errorf("%s: line %d: %s", p, probs[0].Line, probs[0].Msg)
		}
		if !utf8.Valid(md) || !utf8.Valid(b) {
			t.Errorf("%s: invalid UTF-8", p)
		}
		out[d.ID] = d
	}
	return out
}

// oneDraft checks that the workspace holds exactly one valid draft, and no
// temporary file, and returns it.
func (w *workspace) oneDraft() store.Draft {
	w.t.Helper()
	ds := w.drafts()
	mds, _ := filepath.Glob(filepath.Join(w.dir, "drafts", "*.md"))
	if len(ds) != 1 || len(mds) != 1 {
		w.t.Fatalf("want one draft, found %d sidecars and %d markdown files: %v", len(ds), len(mds), w.files())
	}
	w.noTemp()
	for _, d := range ds {
		return d
	}
	return store.Draft{}
}

func (w *workspace) write(name, content string) string {
	w.t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return p
}
