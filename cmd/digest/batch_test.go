package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digest-tool/digest/batch"
	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/internal/testpages"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// pageServer serves /p/<n> articles, /404, /pdf (not HTML) and /slow
// (slower than any fetch timeout the tests set).
func pageServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/p/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscan(r.PathValue("n"), &n); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, testpages.Article(n, 6))
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// batchApp is a test app whose model is a fake OpenAI server.
func batchApp(t *testing.T, model *fakeopenai.Server) *testApp {
	ta := newTestApp(t)
	ta.env["OPENAI_BASE_URL"] = model.URL()
	ta.env["OPENAI_API_KEY"] = "sk-SENTINEL-batch"
	ta.env["DIGEST_FETCH_TIMEOUT"] = "1s"
	return ta
}

func jsonLines(t *testing.T, s string) []batch.Result {
	t.Helper()
	var out []batch.Result
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var r batch.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// checkDrafts checks that drafts/ holds exactly one valid draft per id in
// want, and nothing else: the markdown passes the format check, the
// sidecar parses, and no temporary file is left anywhere.
func checkDrafts(t *testing.T, dir string, want int) {
	t.Helper()
	sidecars, _ := filepath.Glob(filepath.Join(dir, "drafts", "*.json"))
	mds, _ := filepath.Glob(filepath.Join(dir, "drafts", "*.md"))
	if len(sidecars) != want || len(mds) != want {
		t.Errorf("%d sidecars and %d markdown files, want %d of each", len(sidecars), len(mds), want)
	}
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
		md, err := os.ReadFile(strings.TrimSuffix(p, ".json") + ".md")
		if err != nil {
			t.Errorf("sidecar without markdown: %v", err)
			continue
		}
		if probs := render.Check(md, d.ID); len(probs) > 0 {
			t.Errorf("%s: line %d: %s", p, probs[0].Line, probs[0].Msg)
		}
	}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestBatchMixedList(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	ta := batchApp(t, model)
	list := ta.write(t, "links.txt", strings.Join([]string{
		"# today's links",
		pages.URL + "/p/1",
		pages.URL + "/p/2 20230901",
		"",
		pages.URL + "/404",
		pages.URL + "/pdf",
		pages.URL + "/slow",
		pages.URL + "/p/1?utm_source=newsletter&utm_medium=email", // the same page
		"htp:/not-a-link",
		pages.URL + "/p/3   # with a comment",
	}, "\n"))

	code := ta.run("batch", list, "--json", "--issue", "20230827")
	if code != exitPartial {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitPartial, ta.err)
	}
	results := jsonLines(t, ta.out.String())
	byLine := map[int]batch.Result{}
	for _, r := range results {
		byLine[r.Line] = r
	}
	want := map[int]struct {
		status batch.Status
		reason string
	}{
		2:  {batch.Done, ""},
		3:  {batch.Done, ""},
		5:  {batch.Failed, "404 Not Found"},
		6:  {batch.Failed, "application/pdf"},
		7:  {batch.Failed, "time"},
		8:  {batch.Skipped, "duplicate of line 2"},
		9:  {batch.Failed, "not a link"},
		10: {batch.Done, ""},
	}
	if len(results) != len(want) {
		t.Errorf("%d results, want %d:\n%s", len(results), len(want), ta.out)
	}
	for line, w := range want {
		r := byLine[line]
		why := r.Error + r.Reason
		if r.Status != w.status || !strings.Contains(why, w.reason) {
			t.Errorf("line %d: %s %q, want %s with %q", line, r.Status, why, w.status, w.reason)
		}
		if r.Status == batch.Done && (r.Tokens == 0 || r.Draft == "" || r.ID == "") {
			t.Errorf("line %d: done without tokens, draft or id: %+v", line, r)
		}
	}
	checkDrafts(t, ta.dir, 3)
	if model.Count() != 3 {
		t.Errorf("%d model requests, want 3", model.Count())
	}
	// The issue date flag applies to every link, over the list's own.
	var d store.Draft
	b, _ := os.ReadFile(filepath.Join(ta.dir, byLine[3].Draft[:len(byLine[3].Draft)-3]+".json"))
	if json.Unmarshal(b, &d); d.Entry.IssueDate != "20230827" {
		t.Errorf("issue date %q, want the flag's", d.Entry.IssueDate)
	}
	errOut := ta.err.String()
	for _, w := range []string{"batch: 3 done, 4 failed, 1 skipped (1 duplicates)", "line 5: fetch " + pages.URL + "/404: 404 Not Found", "report: .digest/batch-"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("summary lacks %q:\n%s", w, errOut)
		}
	}
	if strings.Contains(ta.out.String()+errOut, "SENTINEL") {
		t.Error("the API key was printed")
	}
	reports, _ := filepath.Glob(filepath.Join(ta.dir, ".digest", "batch-*.json"))
	if len(reports) != 1 {
		t.Fatalf("reports: %v", reports)
	}
	var rep struct {
		Results []batch.Result
		Summary batch.Summary
	}
	if b, err := os.ReadFile(reports[0]); err != nil || json.Unmarshal(b, &rep) != nil || len(rep.Results) != 8 || rep.Summary.Failed != 4 {
		t.Errorf("report: %v, %+v", err, rep.Summary)
	}

	// Again: the drafted links are skipped at no model cost, the failed
	// ones are tried again.
	code = ta.run("batch", list)
	if code != exitPartial {
		t.Fatalf("second run: exit %d; stderr:\n%s", code, ta.err)
	}
	if model.Count() != 3 {
		t.Errorf("the second run asked the model %d times", model.Count()-3)
	}
	if !strings.Contains(ta.err.String(), "batch: 0 done, 4 failed, 4 skipped (3 already in the workspace, 1 duplicates)") {
		t.Errorf("second run summary:\n%s", ta.err)
	}
	if !strings.Contains(ta.err.String(), "skipped  "+pages.URL+"/p/1: already in the workspace: drafts/") {
		t.Errorf("plain progress lines:\n%s", ta.err)
	}
	checkDrafts(t, ta.dir, 3)
}

func TestBatchAllGoodExitsZero(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	ta := batchApp(t, model)
	ta.env["DIGEST_MODEL_PRICES_INPUT"] = "0.15"
	ta.env["DIGEST_MODEL_PRICES_OUTPUT"] = "0.60"
	ta.app.Stdin = strings.NewReader(pages.URL + "/p/1 20230827\n" + pages.URL + "/p/2\n")
	if code := ta.run("batch", "-", "-j", "2"); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, ta.err)
	}
	if !regexp.MustCompile(`batch: 2 done, 0 failed, 0 skipped; [0-9,]+ tokens, \$0\.0[0-9]+; `).MatchString(ta.err.String()) {
		t.Errorf("summary lacks tokens and cost:\n%s", ta.err)
	}
	checkDrafts(t, ta.dir, 2)
	if code := ta.run("batch", "-", "-j", "0"); code != exitUsage {
		t.Errorf("-j 0: exit %d", code)
	}
	if code := ta.run("batch"); code != exitUsage {
		t.Errorf("no list: exit %d", code)
	}
}

func TestBatchAuthErrorStops(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Status: 401} })
	ta := batchApp(t, model)
	var list strings.Builder
	for i := range 40 {
		fmt.Fprintf(&list, "%s/p/%d\n", pages.URL, i)
	}
	ta.app.Stdin = strings.NewReader(list.String())
	if code := ta.run("batch", "-", "-j", "2"); code != exitAuth {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitAuth, ta.err)
	}
	if model.Count() > 10 {
		t.Errorf("%d requests after the key was rejected", model.Count())
	}
}

func TestBatchOutOfQuotaStops(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply {
		return fakeopenai.Reply{Status: 429, ErrCode: "insufficient_quota", ErrMessage: "You exceeded your current quota"}
	})
	ta := batchApp(t, model)
	var list strings.Builder
	for i := range 40 {
		fmt.Fprintf(&list, "%s/p/%d\n", pages.URL, i)
	}
	ta.app.Stdin = strings.NewReader(list.String())
	if code := ta.run("batch", "-", "-j", "2"); code == 0 || code == exitPartial {
		t.Fatalf("exit %d: an empty account must stop the batch; stderr:\n%s", code, ta.err)
	}
	if model.Count() > 10 {
		t.Errorf("%d requests after the account ran out of quota", model.Count())
	}
}

func TestBatchLinksFrom(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	var issue *httptest.Server
	issue = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><nav><a href="/archive">Archive</a> <a href="%[1]s/p/9">nav</a></nav>
<article><h1>Issue</h1><p>Read <a href="%[1]s/p/1?utm_source=issue">this</a>, <a href="%[1]s/p/2">that</a>
and <a href="%[1]s/p/1">this again</a>. <a href="/p/older-issue">Last week</a>.
<a href="https://twitter.com/intent/tweet?text=x">Share</a></p></article>
<footer><a href="%[1]s/p/8">footer</a></footer></body></html>`, pages.URL)
	}))
	defer issue.Close()
	ta := batchApp(t, model)
	ta.write(t, "config.toml", "[newsletter]\nissue_url = \""+issue.URL+"/p/{date}\"\n")
	if code := ta.run("batch", "--links-from", issue.URL+"/p/20230903", "--json"); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, ta.err)
	}
	results := jsonLines(t, ta.out.String())
	var done, dup int
	for _, r := range results {
		switch r.Status {
		case batch.Done:
			done++
		case batch.Skipped:
			dup++
		}
	}
	if len(results) != 3 || done != 2 || dup != 1 {
		t.Errorf("results: %+v", results)
	}
	checkDrafts(t, ta.dir, 2)
	sidecars, _ := filepath.Glob(filepath.Join(ta.dir, "drafts", "*.json"))
	var d store.Draft
	b, _ := os.ReadFile(sidecars[0])
	if json.Unmarshal(b, &d); d.Entry.IssueDate != "20230903" {
		t.Errorf("issue date %q, want the one in the issue's URL", d.Entry.IssueDate)
	}
}

// procRun is the digest binary run against test servers in a workspace.
type procRun struct {
	bin, dir string
	env      []string
}

func newProcRun(t *testing.T, bin string, model *fakeopenai.Server) *procRun {
	dir := t.TempDir()
	return &procRun{bin: bin, dir: dir, env: []string{
		"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg"), "PATH=" + os.Getenv("PATH"),
		"OPENAI_BASE_URL=" + model.URL(), "OPENAI_API_KEY=sk-SENTINEL-proc",
	}}
}

func (p *procRun) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.bin, append([]string{"-C", p.dir}, args...)...)
	cmd.Env = p.env
	return cmd
}

// countDrafts counts the committed drafts (sidecars) in the workspace.
func (p *procRun) countDrafts() int {
	m, _ := filepath.Glob(filepath.Join(p.dir, "drafts", "*.json"))
	return len(m)
}

// asked counts the model requests per page marker.
func asked(model *fakeopenai.Server) map[string]int {
	n := map[string]int{}
	for _, r := range model.Requests() {
		if m := testpages.Marker.FindStringSubmatch(r.Article()); m != nil {
			n[m[1]]++
		}
	}
	return n
}

// draftedMarkers lists the page markers of the drafts written so far.
func (p *procRun) draftedMarkers(t *testing.T) map[string]bool {
	out := map[string]bool{}
	sidecars, _ := filepath.Glob(filepath.Join(p.dir, "drafts", "*.json"))
	for _, s := range sidecars {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		var d store.Draft
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if m := testpages.Marker.FindStringSubmatch(d.Article.Text); m != nil {
			out[m[1]] = true
		}
	}
	return out
}

// waitDrafts waits until at least n drafts exist.
func (p *procRun) waitDrafts(t *testing.T, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for p.countDrafts() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d drafts after 30s", p.countDrafts())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkResumed reruns the batch to its end and checks that every link has
// exactly one valid draft and that no page drafted before was asked again.
func (p *procRun) checkResumed(t *testing.T, model *fakeopenai.Server, list string, links int) {
	before := p.draftedMarkers(t)
	askedBefore := asked(model)
	out, err := p.command("batch", list, "-j", "4").CombinedOutput()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "done before the interruption") {
		t.Errorf("the rerun did not resume:\n%s", out)
	}
	checkDrafts(t, p.dir, links)
	after := asked(model)
	for m := range before {
		if after[m] != askedBefore[m] {
			t.Errorf("page %s was drafted before the rerun, yet the model was asked again", m)
		}
	}
	for m, n := range after {
		if n > 2 {
			t.Errorf("page %s asked %d times", m, n)
		}
	}
}

func writeList(t *testing.T, dir, base string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s/p/%d\n", base, i)
	}
	p := filepath.Join(dir, "links.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBatchProcess runs the digest binary, built once, as a process that
// gets killed or interrupted.
func TestBatchProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "digest")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("kill", func(t *testing.T) { testBatchKill(t, bin) })
	t.Run("interrupt", func(t *testing.T) { testBatchInterrupt(t, bin) })
	t.Run("second interrupt", func(t *testing.T) { testBatchSecondInterrupt(t, bin) })
}

// testBatchKill kills the process midway (SIGKILL), then runs the same
// batch again: every link ends with exactly one valid draft, none drafted
// before the kill is asked of the model again, no temporary file is left.
func testBatchKill(t *testing.T, bin string) {
	pages := pageServer(t)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Delay: 100 * time.Millisecond} })
	p := newProcRun(t, bin, model)
	list := writeList(t, t.TempDir(), pages.URL, 50)

	cmd := p.command("batch", list, "-j", "4")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.waitDrafts(t, 15)
	cmd.Process.Kill()
	cmd.Wait()
	if n := p.countDrafts(); n >= 50 {
		t.Fatalf("the kill came too late: %d drafts", n)
	}
	p.checkResumed(t, model, list, 50)
	// Neither the journal, the report nor a draft holds the API key.
	filepath.WalkDir(p.dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "SENTINEL") {
				t.Errorf("%s holds the API key", path)
			}
		}
		return nil
	})
}

// testBatchInterrupt: the first SIGINT lets the links in flight finish and
// exits 130 with no partial file; the next run resumes.
func testBatchInterrupt(t *testing.T, bin string) {
	pages := pageServer(t)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Delay: 100 * time.Millisecond} })
	p := newProcRun(t, bin, model)
	list := writeList(t, t.TempDir(), pages.URL, 50)

	cmd := p.command("batch", list, "-j", "4")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.waitDrafts(t, 10)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
	}
	for _, w := range []string{"stopping: finishing the links in flight", "interrupted: run the same command again to resume", "canceled"} {
		if w == "canceled" {
			if strings.Contains(stderr.String(), "canceled ") {
				t.Errorf("a single interrupt canceled links:\n%s", stderr.String())
			}
			continue
		}
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}
	// Every link taken was finished: as many drafts as done lines.
	if done := strings.Count(stderr.String(), "\ndone "); done+1 < p.countDrafts() {
		t.Errorf("%d drafts but %d done lines", p.countDrafts(), done)
	}
	p.checkResumed(t, model, list, 50)
}

// testBatchSecondInterrupt: a second SIGINT cancels the links in flight.
func testBatchSecondInterrupt(t *testing.T, bin string) {
	pages := pageServer(t)
	model := fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply { return fakeopenai.Reply{Delay: 5 * time.Second} })
	p := newProcRun(t, bin, model)
	list := writeList(t, t.TempDir(), pages.URL, 10)
	cmd := p.command("batch", list, "-j", "4")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for model.Count() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the second interrupt took %s to stop", time.Since(start))
	}
	if !strings.Contains(stderr.String(), "4 canceled") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	checkDrafts(t, p.dir, 0)
}

func TestBatchProgressBarOnTerminal(t *testing.T) {
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	ta := batchApp(t, model)
	ta.app.StderrTTY = true
	list := ta.write(t, "links.txt", pages.URL+"/p/1\n"+pages.URL+"/404\n"+pages.URL+"/p/2\n")
	if code := ta.run("batch", list); code != exitPartial {
		t.Fatalf("exit %d; stderr:\n%s", code, ta.err)
	}
	errOut := ta.err.String()
	for _, w := range []string{"2 done · 1 failed · 0 skipped", "3/3", "failed  line 2: fetch " + pages.URL + "/404: 404 Not Found", "batch: 2 done, 1 failed, 0 skipped"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	if ta.out.Len() != 0 {
		t.Errorf("stdout: %q", ta.out)
	}
}

// TestBatchRateLimitedGetsAgain: a link whose requests are all answered
// 429 through the retries gets one more try after the list, and is drafted.
func TestBatchRateLimitedGetsAgain(t *testing.T) {
	pages := pageServer(t)
	var mu sync.Mutex
	asks := map[string]int{}
	model := fakeopenai.New(t, func(req fakeopenai.Request) fakeopenai.Reply {
		m := testpages.Marker.FindString(req.Article())
		mu.Lock()
		defer mu.Unlock()
		asks[m]++
		if m == "marker-001" && asks[m] <= 5 { // max_retries 4: five tries
			return fakeopenai.Reply{Status: 429, Header: map[string]string{"Retry-After-Ms": "1"}}
		}
		return fakeopenai.Reply{}
	})
	ta := batchApp(t, model)
	ta.app.Stdin = strings.NewReader(pages.URL + "/p/1\n" + pages.URL + "/p/2\n" + pages.URL + "/p/3\n")
	if code := ta.run("batch", "-", "--json"); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, ta.err)
	}
	checkDrafts(t, ta.dir, 3)
	if asks["marker-001"] != 6 {
		t.Errorf("the rate-limited page was asked %d times, want 6", asks["marker-001"])
	}
}
