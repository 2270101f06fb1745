// Package batch runs many links through the draft pipeline: it streams a
// list, canonicalises and deduplicates the links, skips those already
// drafted, runs the rest on a bounded pool of workers (at most two fetches
// at a time per host), records each link's state in a journal so that a
// run interrupted by Ctrl-C or a crash resumes where it stopped, and writes
// a report. What one link needs (fetching, drafting, saving) is injected.
package batch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/internal/atomicfile"
)

// Status is what became of a link.
type Status string

const (
	Done     Status = "done"     // a draft was written
	Failed   Status = "failed"   // Error says why, in one line
	Skipped  Status = "skipped"  // Reason says why: drafted already, a duplicate
	Canceled Status = "canceled" // in flight when the run was canceled; redone next run
)

// Result is one finished link: a line of `digest batch --json` and an item
// of the report.
type Result struct {
	Line    int     `json:"line,omitempty"` // in the list; 0 for a page's links
	URL     string  `json:"url"`            // as given, credentials redacted
	ID      string  `json:"id,omitempty"`   // the entry id (of the page reached, after redirects)
	Status  Status  `json:"status"`
	Error   string  `json:"error,omitempty"`  // why it failed, one line
	Reason  string  `json:"reason,omitempty"` // why it was skipped
	Draft   string  `json:"draft,omitempty"`  // the draft's markdown file
	Tokens  int     `json:"tokens"`
	Cost    float64 `json:"cost,omitempty"` // USD, when prices are configured
	Seconds float64 `json:"seconds"`

	skip skipKind // why a skipped link was skipped, for the summary's counts
}

type skipKind uint8

const (
	skipExisting  skipKind = iota + 1 // already in drafts or entries
	skipDuplicate                     // the same page as an earlier link
	skipDone                          // done by the interrupted run resumed
)

// Made is what making and saving one draft produced.
type Made struct {
	Path   string  // the draft's markdown file, as shown to the user
	Tokens int     // model tokens used, prompt and completion
	Cost   float64 // USD; 0 when unknown
}

// Progress is told of each finished link, from one goroutine at a time.
// read is how many links have been read from the list so far.
type Progress interface {
	Add(r Result, read int)
}

// Runner runs a list of links. Fetch, Draft and Exists are required.
type Runner struct {
	Workers int // links fetched and drafted at once (at least 1); as many more may be saving
	PerHost int // fetches at once per host; 0 means 2
	// Force redoes links whose id is already in drafts or entries.
	Force bool
	// Issue is the issue date for links that carry none; with
	// IssueOverrides it applies to every link.
	Issue          string
	IssueOverrides bool

	// StateDir is the workspace's private folder: the journal goes in
	// StateDir/batch, the report in StateDir/batch-<time>.json.
	StateDir string
	// List names the list for the journal: a run over the same name
	// resumes an unfinished one ("file /abs/links.txt", "url https://…").
	List string
	// Drafts is the drafts folder: when a run resumes after a crash, the
	// temporary files a killed write left there are removed.
	Drafts string

	// Fetch reads the article of a URL.
	Fetch func(ctx context.Context, rawURL string) (extract.Article, error)
	// Draft makes an article's draft (the model's part) and returns the
	// function that saves it. Saving runs apart, at once, while the worker
	// takes its next link: workers wait on the model, not on the disk.
	Draft func(ctx context.Context, a extract.Article, issue string) (save func() (Made, error), err error)
	// Exists says whether id is already a draft or an entry, and where.
	Exists func(id string) (where string, ok bool)
	// Fatal, when set, picks out errors that stop the whole run (a
	// rejected API key) rather than fail one link.
	Fatal func(error) bool
	// Again, when set, picks out passing failures (the model's rate limit
	// or server errors outlasting its retries): such a link is tried once
	// more after the rest of the list, instead of failing at once.
	Again func(error) bool
	// Priced says whether costs are known (model prices are set).
	Priced bool

	Now      func() time.Time
	Progress Progress // may be nil
}

// Summary is the outcome of a run.
type Summary struct {
	List     string    `json:"list"`
	Run      string    `json:"run"`     // the journal's run, shared by its resumptions
	Resumed  bool      `json:"resumed"` // this invocation resumed an unfinished run
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`

	Read             int `json:"read"` // links read from the list
	Done             int `json:"done"`
	Failed           int `json:"failed"`
	Skipped          int `json:"skipped"`
	SkippedExisting  int `json:"skipped_existing"`  // already in drafts or entries
	SkippedDuplicate int `json:"skipped_duplicate"` // the same page as an earlier link
	SkippedDone      int `json:"skipped_done"`      // done by the interrupted run this one resumed
	Canceled         int `json:"canceled"`

	Tokens int     `json:"tokens"`
	Cost   float64 `json:"cost"`
	Priced bool    `json:"priced"`

	// Interrupted is set when the run stopped before the list's end.
	Interrupted bool `json:"interrupted"`

	// Failures holds the first failed links, for the terminal; the report
	// holds them all.
	Failures []Result `json:"-"`
	Report   string   `json:"-"` // the report file
	Journal  string   `json:"journal"`
}

// maxFailures bounds the failures a Summary keeps in memory.
const maxFailures = 20

func (s *Summary) add(r Result) {
	switch r.Status {
	case Done:
		s.Done++
	case Failed:
		s.Failed++
		if len(s.Failures) < maxFailures {
			s.Failures = append(s.Failures, r)
		}
	case Skipped:
		s.Skipped++
		switch r.skip {
		case skipExisting:
			s.SkippedExisting++
		case skipDuplicate:
			s.SkippedDuplicate++
		case skipDone:
			s.SkippedDone++
		}
	case Canceled:
		s.Canceled++
	}
	s.Tokens += r.Tokens
	s.Cost += r.Cost
}

// job is a link on its way to a worker.
type job struct {
	link  Link
	id    [16]byte
	host  string
	issue string
	first error // why the first try failed, on a second try
}

// maxAgain bounds the links waiting for a second try; beyond it, passing
// failures fail at once (the model server is down, not busy).
const maxAgain = 1000

// Run reads links from src and drafts each. Closing stop stops reading
// new links while those in flight finish; canceling ctx also cancels those
// in flight. It returns the summary, and an error when the list could not
// be read, the journal or report could not be written, or a Fatal error
// stopped the run. A link that fails is a Result, never an error.
func (r *Runner) Run(ctx context.Context, stop <-chan struct{}, src Source) (Summary, error) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	started := now()
	j, err := openJournal(filepath.Join(r.StateDir, "batch"), r.List, started)
	if err != nil {
		return Summary{}, err
	}
	defer j.close()
	if j.resumed && r.Drafts != "" {
		atomicfile.Sweep(r.Drafts) // left by the killed run
	}
	rep, err := newReport(r.StateDir, started)
	if err != nil {
		return Summary{}, err
	}
	defer rep.abort()

	s := &run{
		Runner:  r,
		now:     now,
		j:       j,
		hosts:   newHostLimit(cmp.Or(r.PerHost, 2)),
		seen:    map[[16]byte]int{},
		halt:    make(chan struct{}),
		jobs:    make(chan job),
		results: make(chan Result, max(r.Workers, 1)),
		saving:  make(chan struct{}, max(r.Workers, 1)),
	}
	s.settled = sync.NewCond(&s.mu)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(s.jobs)
		s.feedErr = s.feed(ctx, stop, src)
	}()
	for range max(r.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range s.jobs {
				s.process(ctx, jb)
			}
		}()
	}
	go func() {
		wg.Wait()
		// The run stopped before their second try: they fail now.
		for _, jb := range s.again {
			s.results <- s.failure(jb, s.result(jb), jb.first)
		}
		s.savers.Wait() // workers start savers: none starts after they end
		close(s.results)
	}()

	sum := Summary{List: r.List, Run: j.run, Resumed: j.resumed, Started: started, Priced: r.Priced, Journal: j.path}
	var repErr error
	for res := range s.results {
		sum.add(res)
		if repErr == nil {
			repErr = rep.add(res)
		}
		if r.Progress != nil {
			r.Progress.Add(res, int(s.read.Load()))
		}
	}
	sum.Read = int(s.read.Load())
	sum.Interrupted = s.stopped || sum.Canceled > 0
	sum.Finished = now()
	sum.Seconds = sum.Finished.Sub(started).Seconds()

	fatal := s.fatalErr()
	if s.feedErr == nil && fatal == nil && !sum.Interrupted {
		if err := j.append(record{State: recEnd, Time: sum.Finished, Run: j.run}, true); err != nil && repErr == nil {
			repErr = err
		}
	}
	if repErr == nil {
		sum.Report, repErr = rep.finish(sum)
	}
	return sum, errors.Join(s.feedErr, fatal, repErr)
}

// run is the state of one Run.
type run struct {
	*Runner
	now   func() time.Time
	j     *journal
	hosts *hostLimit

	mu   sync.Mutex
	seen map[[16]byte]int // id -> the line that claimed it

	read atomic.Int64

	jobs    chan job
	results chan Result
	saving  chan struct{} // a slot per draft being saved: as many as workers
	savers  sync.WaitGroup
	feedErr error
	stopped bool // the feeder stopped before the list's end

	halt     chan struct{} // closed by a fatal error: stop feeding
	haltOnce sync.Once
	fatal    error

	// Links to try again after the list, and the count of jobs handed to
	// workers and not yet settled; settled is signalled, with mu, when a
	// job settles.
	again    []job
	inflight int
	settled  *sync.Cond
}

func (s *run) fatalErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fatal
}

func (s *run) stopAll(err error) {
	s.haltOnce.Do(func() {
		s.mu.Lock()
		s.fatal = err
		s.mu.Unlock()
		close(s.halt)
	})
}

// claim records id as taken by line; if another link took it first, it
// returns that link's line.
func (s *run) claim(id [16]byte, line int) (first int, dup bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.seen[id]; ok {
		return first, true
	}
	s.seen[id] = line
	return 0, false
}

// feed reads the list and hands each new link to the workers; links that
// need no work (bad, duplicate, already drafted) become results at once.
func (s *run) feed(ctx context.Context, stop <-chan struct{}, src Source) error {
	// One channel for every reason to stop feeding.
	quit := make(chan struct{})
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-stop:
		case <-ctx.Done():
		case <-s.halt:
		case <-finished:
			return
		}
		close(quit)
	}()
	// The list is read on its own goroutine, so that a stop is seen even
	// while a read blocks (a terminal on stdin).
	type next struct {
		link Link
		err  error
	}
	links := make(chan next)
	go func() {
		for {
			l, err := src.Next()
			select {
			case links <- next{l, err}:
			case <-finished:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	stopped := func() error {
		s.stopped = s.fatalErr() == nil // a fatal error is no interruption
		return nil
	}
	for {
		var n next
		select {
		case n = <-links:
		case <-quit:
			return stopped()
		}
		if n.err == io.EOF {
			return s.feedAgain(quit, stopped)
		}
		if n.err != nil {
			return fmt.Errorf("read the list: %w", n.err)
		}
		s.read.Add(1)
		jb, res, ok := s.admit(n.link)
		if !ok {
			s.results <- res
			continue
		}
		if err := s.j.append(record{State: recQueued, Time: s.now(), Line: n.link.Line, ID: idHex(jb.id), URL: res.URL}, false); err != nil {
			s.stopAll(err)
			return nil
		}
		if !s.dispatch(jb, quit) {
			return stopped()
		}
	}
}

// dispatch hands jb to a worker, or reports false when feeding must stop.
func (s *run) dispatch(jb job, quit <-chan struct{}) bool {
	s.mu.Lock()
	s.inflight++
	s.mu.Unlock()
	select {
	case s.jobs <- jb:
		return true
	case <-quit:
		s.settle()
		return false
	}
}

// settle marks a dispatched job as done with.
func (s *run) settle() {
	s.mu.Lock()
	s.inflight--
	s.settled.Broadcast()
	s.mu.Unlock()
}

// feedAgain gives the links that failed in passing their second try, once
// the list is read: by then the model's pause has had time to pass.
func (s *run) feedAgain(quit <-chan struct{}, stopped func() error) error {
	for {
		s.mu.Lock()
		for len(s.again) == 0 && s.inflight > 0 {
			s.settled.Wait()
		}
		if len(s.again) == 0 {
			s.mu.Unlock()
			return nil
		}
		jb := s.again[0]
		s.again = s.again[1:]
		s.mu.Unlock()
		select {
		case <-quit:
			s.mu.Lock()
			s.again = append(s.again, jb)
			s.mu.Unlock()
			return stopped()
		default:
		}
		if !s.dispatch(jb, quit) {
			s.mu.Lock()
			s.again = append(s.again, jb)
			s.mu.Unlock()
			return stopped()
		}
	}
}

// admit decides whether link needs work; if not, res says why.
func (s *run) admit(link Link) (jb job, res Result, ok bool) {
	res = Result{Line: link.Line, URL: extract.Redact(link.URL)}
	fail := func(msg string) (job, Result, bool) {
		res.Status, res.Error = Failed, oneLine(msg)
		return job{}, res, false
	}
	skip := func(k skipKind, reason string) (job, Result, bool) {
		res.Status, res.Reason, res.skip = Skipped, reason, k
		return job{}, res, false
	}
	if link.Err != nil {
		return fail(link.Err.Error())
	}
	canon, err := extract.Canonicalize(link.URL)
	if err != nil {
		return fail(fmt.Sprintf("not a link: %q: %v", extract.Redact(link.URL), err))
	}
	u, _ := url.Parse(canon)
	id, _ := parseID(extract.ID(canon))
	res.ID = idHex(id)
	if first, dup := s.claim(id, link.Line); dup {
		return skip(skipDuplicate, duplicateReason(first))
	}
	if s.j.resumed {
		if draft, ok := s.j.doneBefore(id); ok {
			if where, ok := s.Exists(idHex(draft)); ok {
				res.ID = idHex(draft)
				return skip(skipDone, "done before the interruption: "+where)
			}
		}
	}
	if !s.Force {
		if where, ok := s.Exists(res.ID); ok {
			return skip(skipExisting, existsReason(where))
		}
	}
	issue := link.Issue
	if issue == "" || s.IssueOverrides {
		issue = s.Issue
	}
	return job{link: link, id: id, host: u.Host, issue: issue}, res, true
}

func existsReason(where string) string {
	return "already in the workspace: " + where + " (--force redoes it)"
}

func duplicateReason(firstLine int) string {
	if firstLine > 0 {
		return fmt.Sprintf("duplicate of line %d", firstLine)
	}
	return "duplicate of an earlier link"
}

// result is the Result of jb before anything is known of its outcome.
func (s *run) result(jb job) Result {
	return Result{Line: jb.link.Line, URL: extract.Redact(jb.link.URL), ID: idHex(jb.id)}
}

// failure records jb as failed with err and returns its Result.
func (s *run) failure(jb job, res Result, err error) Result {
	res.Status, res.Error = Failed, oneLine(err.Error())
	if jerr := s.j.append(record{State: recFailed, Time: s.now(), Line: jb.link.Line, ID: idHex(jb.id), URL: res.URL, Error: res.Error}, true); jerr != nil {
		s.stopAll(jerr)
	}
	if s.Fatal != nil && s.Fatal(err) {
		s.stopAll(err)
	}
	return res
}

// process runs one link through fetch and draft, and starts its saving;
// the link's Result is sent once it is saved (or has failed), unless it
// waits for a second try.
func (s *run) process(ctx context.Context, jb job) {
	defer s.settle()
	start := s.now()
	res := s.result(jb)
	send := func(r Result) {
		r.Seconds = s.now().Sub(start).Seconds()
		s.results <- r
	}
	fail := func(err error) {
		switch {
		case ctx.Err() != nil:
			// Canceled by the user: not the link's fault, redone next run.
			res.Status, res.Error = Canceled, "canceled"
			send(res)
			return
		case jb.first == nil && s.Again != nil && s.Again(err) && (s.Fatal == nil || !s.Fatal(err)):
			s.mu.Lock()
			wait := len(s.again) < maxAgain
			if wait {
				jb.first = err
				s.again = append(s.again, jb)
			}
			s.mu.Unlock()
			if wait {
				return
			}
		}
		send(s.failure(jb, res, err))
	}

	release, err := s.hosts.acquire(ctx, jb.host)
	if err != nil {
		fail(err)
		return
	}
	art, err := s.Fetch(ctx, jb.link.URL)
	release()
	if err != nil {
		fail(err)
		return
	}
	draftID := jb.id
	if art.ID != "" && art.ID != res.ID {
		// A redirect led elsewhere: the draft is the page reached.
		if id, ok := parseID(art.ID); ok {
			draftID = id
			res.ID = art.ID
			if first, dup := s.claim(id, jb.link.Line); dup && jb.first == nil {
				res.Status, res.Reason, res.skip = Skipped, duplicateReason(first)+" (after redirects)", skipDuplicate
				send(res)
				return
			}
			if where, ok := s.Exists(art.ID); ok && !s.Force {
				res.Status, res.Reason, res.skip = Skipped, existsReason(where), skipExisting
				send(res)
				return
			}
		}
	}
	save, err := s.Draft(ctx, art, jb.issue)
	if err != nil {
		fail(err)
		return
	}
	s.saving <- struct{}{}
	s.savers.Add(1)
	go func() {
		defer func() { <-s.saving; s.savers.Done() }()
		// Saving is not canceled: the draft is paid for, and takes a moment.
		made, err := save()
		if err != nil {
			send(s.failure(jb, res, err))
			return
		}
		res.Status, res.Draft, res.Tokens, res.Cost = Done, made.Path, made.Tokens, made.Cost
		rec := record{State: recDone, Time: s.now(), Line: jb.link.Line, ID: idHex(jb.id), URL: res.URL, Draft: made.Path}
		if draftID != jb.id {
			rec.DraftID = idHex(draftID)
		}
		if err := s.j.append(rec, true); err != nil {
			s.stopAll(err)
		}
		send(res)
	}()
}

func idHex(id [16]byte) string { return fmt.Sprintf("%x", id[:]) }

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
