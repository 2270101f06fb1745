package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digest-tool/digest/extract"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		url     string
		issue   string
		wantErr bool
	}{
		{"", false, "", "", false},
		{"   ", false, "", "", false},
		{"# a comment", false, "", "", false},
		{"https://a.example/x", true, "https://a.example/x", "", false},
		{"  https://a.example/x#frag  ", true, "https://a.example/x#frag", "", false},
		{"https://a.example/x 20230827", true, "https://a.example/x", "20230827", false},
		{"https://a.example/x 20230827 # note", true, "https://a.example/x", "20230827", false},
		{"https://a.example/x # note", true, "https://a.example/x", "", false},
		{"https://a.example/x 2023-08-27", true, "https://a.example/x", "2023-08-27", true},
		{"https://a.example/x 20230827 extra", true, "https://a.example/x", "", true},
		{"\ufeffhttps://a.example/x", true, "https://a.example/x", "", false},
	}
	for _, tt := range tests {
		l, ok := ParseLine(tt.in)
		if ok != tt.ok || l.URL != tt.url || l.Issue != tt.issue || (l.Err != nil) != tt.wantErr {
			t.Errorf("ParseLine(%q) = %+v, %v; want url %q issue %q ok %v err %v", tt.in, l, ok, tt.url, tt.issue, tt.ok, tt.wantErr)
		}
	}
}

func TestListReader(t *testing.T) {
	in := "# list\n\nhttps://a.example/1\r\nhttps://a.example/2 20230101\n" + strings.Repeat("x", maxLine+10) + "\nhttps://a.example/3"
	l := NewListReader(strings.NewReader(in))
	var got []string
	for {
		link, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("%d %s %s", link.Line, link.URL, link.Issue)
		if link.Err != nil {
			s = fmt.Sprintf("%d error", link.Line)
		}
		got = append(got, s)
	}
	want := []string{"3 https://a.example/1 ", "4 https://a.example/2 20230101", "5 error", "6 https://a.example/3 "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n, _ := CountLinks(strings.NewReader(in)); n != 4 {
		t.Errorf("CountLinks = %d, want 4", n)
	}
}

// fakeWS is a workspace in memory and the pipeline around it.
type fakeWS struct {
	mu       sync.Mutex
	drafts   map[string]bool
	made     map[string]int // article id -> Make calls
	fetches  atomic.Int64
	inFlight map[string]int // host -> fetches running
	maxHost  int
	fail     map[string]error // URL path -> fetch error
	makeHook func(ctx context.Context, a extract.Article) error
}

func newFakeWS() *fakeWS {
	return &fakeWS{drafts: map[string]bool{}, made: map[string]int{}, inFlight: map[string]int{}, fail: map[string]error{}}
}

func (w *fakeWS) fetch(ctx context.Context, raw string) (extract.Article, error) {
	w.fetches.Add(1)
	u, err := url.Parse(raw)
	if err != nil {
		return extract.Article{}, err
	}
	w.mu.Lock()
	w.inFlight[u.Host]++
	w.maxHost = max(w.maxHost, w.inFlight[u.Host])
	w.mu.Unlock()
	defer func() { w.mu.Lock(); w.inFlight[u.Host]--; w.mu.Unlock() }()
	time.Sleep(2 * time.Millisecond)
	if err := w.fail[u.Path]; err != nil {
		return extract.Article{}, err
	}
	final := raw
	if strings.HasPrefix(u.Path, "/redirect") {
		final = u.Scheme + "://" + u.Host + strings.TrimPrefix(u.Path, "/redirect")
	}
	c, _ := extract.Canonicalize(final)
	return extract.Article{URL: raw, FinalURL: final, CanonicalURL: c, ID: extract.ID(c)}, nil
}

func (w *fakeWS) draft(ctx context.Context, a extract.Article, issue string) (func() (Made, error), error) {
	if w.makeHook != nil {
		if err := w.makeHook(ctx, a); err != nil {
			return nil, err
		}
	}
	w.mu.Lock()
	w.made[a.ID]++
	w.mu.Unlock()
	return func() (Made, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.drafts[a.ID] = true
		return Made{Path: "drafts/" + a.ID + ".md", Tokens: 100, Cost: 0.001}, nil
	}, nil
}

func (w *fakeWS) exists(id string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return "drafts/" + id + ".json", w.drafts[id]
}

type collect struct {
	mu  sync.Mutex
	all []Result
}

func (c *collect) Add(r Result, read int) {
	c.mu.Lock()
	c.all = append(c.all, r)
	c.mu.Unlock()
}

func (w *fakeWS) runner(dir string, p Progress) *Runner {
	return &Runner{
		Workers: 4, StateDir: dir, List: "test list", Issue: "20240101",
		Fetch: w.fetch, Draft: w.draft, Exists: w.exists, Progress: p,
	}
}

func TestRunCounts(t *testing.T) {
	dir := t.TempDir()
	w := newFakeWS()
	w.fail["/404"] = errors.New("fetch https://a.example/404: 404 Not Found")
	w.drafts[extract.ID("https://a.example/old")] = true
	list := strings.Join([]string{
		"https://a.example/1",
		"https://a.example/2 20230827",
		"https://a.example/1?utm_source=x", // duplicate
		"not a url",
		"https://a.example/404",
		"https://a.example/old",        // already drafted
		"https://a.example/redirect/2", // reaches /2: a duplicate after redirects
		"https://a.example/3 2023-13-45",
	}, "\n")
	var c collect
	sum, err := w.runner(dir, &c).Run(context.Background(), nil, NewListReader(strings.NewReader(list)))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 8 || sum.Done != 2 || sum.Failed != 3 || sum.Skipped != 3 || sum.SkippedDuplicate != 2 || sum.SkippedExisting != 1 {
		t.Errorf("summary = %+v", sum)
	}
	if sum.Tokens != 200 || len(c.all) != 8 {
		t.Errorf("tokens %d, results %d", sum.Tokens, len(c.all))
	}
	for _, r := range c.all {
		if r.Status == Failed && (r.Error == "" || strings.Contains(r.Error, "\n")) {
			t.Errorf("failure without a one-line reason: %+v", r)
		}
	}
	// The report is valid JSON holding every result.
	b, err := os.ReadFile(sum.Report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Version int
		Results []Result
		Summary Summary
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if len(rep.Results) != 8 || rep.Summary.Done != 2 {
		t.Errorf("report has %d results, summary %+v", len(rep.Results), rep.Summary)
	}
	var text strings.Builder
	sum.WriteText(&text, dir)
	if !strings.Contains(text.String(), "2 done, 3 failed, 3 skipped") || !strings.Contains(text.String(), "line 5: fetch https://a.example/404: 404 Not Found") {
		t.Errorf("summary text:\n%s", text.String())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) != 0 {
		t.Errorf("left over: %v", m)
	}
}

func TestRunPerHostLimit(t *testing.T) {
	w := newFakeWS()
	var list strings.Builder
	for i := range 40 {
		fmt.Fprintf(&list, "https://a.example/%d\nhttps://b.example/%d\n", i, i)
	}
	r := w.runner(t.TempDir(), nil)
	r.Workers = 16
	sum, err := r.Run(context.Background(), nil, NewListReader(strings.NewReader(list.String())))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 80 {
		t.Errorf("done %d", sum.Done)
	}
	if w.maxHost > 2 {
		t.Errorf("%d fetches at once on one host, want at most 2", w.maxHost)
	}
}

// TestRunResume: a run stopped midway resumes; done links are not redone
// even with --force, and the run then ends so the next one starts afresh.
func TestRunResume(t *testing.T) {
	dir := t.TempDir()
	w := newFakeWS()
	var list strings.Builder
	for i := range 30 {
		fmt.Fprintf(&list, "https://h%d.example/a\n", i)
	}
	stop := make(chan struct{})
	var once sync.Once
	var made atomic.Int64
	w.makeHook = func(ctx context.Context, a extract.Article) error {
		if made.Add(1) == 10 {
			once.Do(func() { close(stop) })
		}
		return nil
	}
	r := w.runner(dir, nil)
	r.Force = true
	sum, err := r.Run(context.Background(), stop, NewListReader(strings.NewReader(list.String())))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.Done < 10 || sum.Done >= 30 {
		t.Fatalf("first run: %+v", sum)
	}
	first := sum.Done

	w.makeHook = nil
	sum, err = r.Run(context.Background(), nil, NewListReader(strings.NewReader(list.String())))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.SkippedDone != first || sum.Done != 30-first || sum.Interrupted {
		t.Errorf("resumed run: %+v (first run did %d)", sum, first)
	}
	for id, n := range w.made {
		if n != 1 {
			t.Errorf("%s made %d times", id, n)
		}
	}
	// The run ended: with --force the next one redoes everything.
	sum, err = r.Run(context.Background(), nil, NewListReader(strings.NewReader(list.String())))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed || sum.Done != 30 {
		t.Errorf("fresh run: %+v", sum)
	}
}

// TestRunCancel: canceling the context cancels the links in flight; they
// are neither done nor failed, and are redone next time.
func TestRunCancel(t *testing.T) {
	dir := t.TempDir()
	w := newFakeWS()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 100)
	w.makeHook = func(ctx context.Context, a extract.Article) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}
	go func() { <-started; cancel() }()
	list := "https://a.example/1\nhttps://b.example/2\nhttps://c.example/3\n"
	sum, err := w.runner(dir, nil).Run(ctx, nil, NewListReader(strings.NewReader(list)))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Done != 0 || sum.Canceled == 0 || !sum.Interrupted {
		t.Errorf("summary %+v", sum)
	}
	w.makeHook = nil
	sum, err = w.runner(dir, nil).Run(context.Background(), nil, NewListReader(strings.NewReader(list)))
	if err != nil || sum.Done != 3 || !sum.Resumed {
		t.Errorf("after cancel: %+v, %v", sum, err)
	}
}

func TestRunFatal(t *testing.T) {
	w := newFakeWS()
	errKey := errors.New("the model server rejected the key")
	w.makeHook = func(context.Context, extract.Article) error { return errKey }
	var list strings.Builder
	for i := range 50 {
		fmt.Fprintf(&list, "https://h%d.example/a\n", i)
	}
	r := w.runner(t.TempDir(), nil)
	r.Workers = 2
	r.Fatal = func(err error) bool { return errors.Is(err, errKey) }
	sum, err := r.Run(context.Background(), nil, NewListReader(strings.NewReader(list.String())))
	if !errors.Is(err, errKey) {
		t.Errorf("err = %v", err)
	}
	if sum.Read >= 50 {
		t.Errorf("read the whole list after a fatal error: %+v", sum)
	}
}

func TestJournalTornLine(t *testing.T) {
	dir := t.TempDir()
	j, err := openJournal(dir, "l", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id := [16]byte{1}
	j.append(record{State: recDone, ID: idHex(id)}, true)
	j.f.Write([]byte(`{"state":"done","id":"0`)) // cut by a crash
	j.close()
	j, err = openJournal(dir, "l", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if _, ok := j.doneBefore(id); !ok || !j.resumed {
		t.Errorf("resumed %v, done %v", j.resumed, j.done)
	}
	// A second opener of the same list is refused while the first holds it.
	if _, err := openJournal(dir, "l", time.Now()); err == nil {
		t.Error("second journal opened")
	}
	b, _ := os.ReadFile(j.path)
	if !strings.Contains(string(b), "\"0\n{\"state\":\"resume\"") {
		t.Errorf("the resume record does not start a line:\n%s", b)
	}
}

func TestPageLinks(t *testing.T) {
	page := `<html><head><base href="https://news.example.com/p/"></head><body>
<nav><a href="https://other.example/nav">nav</a></nav>
<header><a href="/about">About</a></header>
<article>
<a href="https://www.theverge.com/2023/8/27/story?utm_source=news">story</a>
<a href="relative">same site</a>
<a href="https://blog.example.com/post">same registrable domain</a>
<a href="https://twitter.com/intent/tweet?url=x">share</a>
<a href="https://someone.substack.com/p/essay">a writer</a>
<a href="https://substack.com/app">app</a>
<a href="https://example.org/">home page</a>
<a href="mailto:x@example.org">mail</a>
<a href="#top">top</a>
<a href="https://arxiv.org/abs/2301.00001#sec">paper</a>
</article>
<footer><a href="https://example.org/legal">legal</a></footer>
</body></html>`
	u, _ := url.Parse("https://news.example.com/p/20230827")
	links, err := pageLinks(strings.NewReader(page), u)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range links {
		got = append(got, l.URL)
	}
	want := []string{"https://www.theverge.com/2023/8/27/story?utm_source=news", "https://someone.substack.com/p/essay", "https://arxiv.org/abs/2301.00001"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestHumanInt(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := humanInt(n); got != want {
			t.Errorf("humanInt(%d) = %q", n, got)
		}
	}
}

// blockingSource yields one link, then blocks as a terminal on stdin does.
type blockingSource struct{ sent bool }

func (b *blockingSource) Next() (Link, error) {
	if !b.sent {
		b.sent = true
		return Link{Line: 1, URL: "https://a.example/1"}, nil
	}
	select {}
}

func TestRunStopWhileReading(t *testing.T) {
	w := newFakeWS()
	stop := make(chan struct{})
	var c collect
	r := w.runner(t.TempDir(), &c)
	done := make(chan Summary)
	go func() {
		sum, _ := r.Run(context.Background(), stop, &blockingSource{})
		done <- sum
	}()
	for w.fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	select {
	case sum := <-done:
		if sum.Done != 1 || !sum.Interrupted {
			t.Errorf("summary %+v", sum)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after stop while the list blocked")
	}
}

// TestRunAgain: links failing in passing get a second try after the rest
// of the list; a second failure is final.
func TestRunAgain(t *testing.T) {
	w := newFakeWS()
	errBusy := errors.New("rate limited (gave up after 4 retries)")
	var mu sync.Mutex
	tries := map[string]int{}
	w.makeHook = func(ctx context.Context, a extract.Article) error {
		mu.Lock()
		defer mu.Unlock()
		tries[a.URL]++
		switch {
		case strings.HasSuffix(a.URL, "/always"):
			return errBusy
		case strings.HasSuffix(a.URL, "/3") && tries[a.URL] == 1, strings.HasSuffix(a.URL, "/7") && tries[a.URL] == 1:
			return errBusy
		}
		return nil
	}
	var list strings.Builder
	for i := range 10 {
		fmt.Fprintf(&list, "https://h%d.example/%d\n", i, i)
	}
	list.WriteString("https://z.example/always\n")
	var c collect
	r := w.runner(t.TempDir(), &c)
	r.Again = func(err error) bool { return errors.Is(err, errBusy) }
	sum, err := r.Run(context.Background(), nil, NewListReader(strings.NewReader(list.String())))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 10 || sum.Failed != 1 || sum.Interrupted {
		t.Errorf("summary %+v", sum)
	}
	if tries["https://z.example/always"] != 2 || tries["https://h3.example/3"] != 2 || tries["https://h0.example/0"] != 1 {
		t.Errorf("tries %v", tries)
	}
	for _, r := range c.all {
		if strings.HasSuffix(r.URL, "/always") && (r.Status != Failed || !strings.Contains(r.Error, "rate limited")) {
			t.Errorf("result %+v", r)
		}
	}
}
