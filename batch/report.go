package batch

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digest-tool/digest/internal/atomicfile"
)

// The report, .digest/batch-<time>.json, is one JSON object:
//
//	{"version": 1, "results": [Result, …], "summary": Summary}
//
// Results are streamed to an unlinked scratch file while the run goes, so
// memory stays flat however long the list, and copied to the report (a
// temporary file renamed into place) at the end: no half report is ever
// seen, and a killed run leaves no scratch file behind.
type report struct {
	dir     string
	started time.Time
	f       *os.File
	w       *bufio.Writer
	n       int
}

const reportVersion = 1

func newReport(dir string, started time.Time) (*report, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	f, err := os.CreateTemp(dir, ".batch-scratch-*")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// Unlinked at once: the open file lives on until closed, and nothing
	// is left if the process dies. (Windows refuses; it is removed at close.)
	_ = os.Remove(f.Name())
	return &report{dir: dir, started: started, f: f, w: bufio.NewWriter(f)}, nil
}

func (r *report) add(res Result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if r.n > 0 {
		r.w.WriteString(",")
	}
	r.w.WriteString("\n    ")
	r.w.Write(b)
	r.n++
	return nil
}

// finish writes the report file and returns its path.
func (r *report) finish(s Summary) (string, error) {
	defer r.abort()
	if err := r.w.Flush(); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	sum, err := json.MarshalIndent(s, "  ", "  ")
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	name := "batch-" + r.started.UTC().Format("20060102T150405Z")
	path := filepath.Join(r.dir, name+".json")
	for i := 2; fileExists(path); i++ {
		path = filepath.Join(r.dir, fmt.Sprintf("%s-%d.json", name, i))
	}
	err = writeAtomic(path, func(w io.Writer) error {
		fmt.Fprintf(w, "{\n  \"version\": %d,\n  \"results\": [", reportVersion)
		if _, err := r.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.Copy(w, r.f); err != nil {
			return err
		}
		if r.n > 0 {
			io.WriteString(w, "\n  ")
		}
		_, err := fmt.Fprintf(w, "],\n  \"summary\": %s\n}\n", sum)
		return err
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// abort drops the scratch file; after finish it does nothing.
func (r *report) abort() {
	if r.f != nil {
		r.f.Close()
		os.Remove(r.f.Name())
		r.f = nil
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writeAtomic streams a file through fill into a temporary file beside
// path, syncs it and renames it over path (as store.WriteFileAtomic does
// for data already in memory).
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	f, err := atomicfile.CreateTemp(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	w := bufio.NewWriter(f)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteText prints the summary for a person: counts, tokens, cost, time,
// each failure's reason (the first few; the report has them all) and the
// report's path relative to base.
func (s Summary) WriteText(w io.Writer, base string) {
	var skipped []string
	for _, p := range []struct {
		n    int
		what string
	}{{s.SkippedExisting, "already in the workspace"}, {s.SkippedDuplicate, "duplicates"}, {s.SkippedDone, "done before the interruption"}} {
		if p.n > 0 {
			skipped = append(skipped, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	line := fmt.Sprintf("batch: %d done, %d failed, %d skipped", s.Done, s.Failed, s.Skipped)
	if len(skipped) > 0 {
		line += " (" + strings.Join(skipped, ", ") + ")"
	}
	if s.Canceled > 0 {
		line += fmt.Sprintf(", %d canceled", s.Canceled)
	}
	line += fmt.Sprintf("; %s tokens", humanInt(s.Tokens))
	switch {
	case s.Priced:
		line += fmt.Sprintf(", $%.4f", s.Cost)
	case s.Tokens > 0:
		line += ", cost unknown (set model.prices)"
	}
	line += fmt.Sprintf("; %s", time.Duration(s.Seconds*float64(time.Second)).Round(100*time.Millisecond))
	fmt.Fprintln(w, line)
	for _, f := range s.Failures {
		fmt.Fprintf(w, "  failed: %s\n", failureText(f))
	}
	if more := s.Failed - len(s.Failures); more > 0 {
		fmt.Fprintf(w, "  … and %d more failures: see the report\n", more)
	}
	if s.Interrupted {
		fmt.Fprintln(w, "interrupted: run the same command again to resume")
	}
	if s.Report != "" {
		fmt.Fprintf(w, "report: %s\n", relTo(base, s.Report))
	}
}

// failureText is a failed link's one line: where it is and why it failed.
func failureText(r Result) string {
	msg := r.Error
	if !strings.Contains(msg, r.URL) {
		msg = r.URL + ": " + msg
	}
	if r.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", r.Line, msg)
	}
	return msg
}

func relTo(base, p string) string {
	if base == "" {
		return p
	}
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

// humanInt writes 1234567 as "1,234,567".
func humanInt(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
