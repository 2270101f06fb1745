package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/internal/testpages"
	"github.com/digest-tool/digest/render"
)

// Kills per loop; each lands at a random point of a run. A run of new
// is short (tens of milliseconds, most of it start-up and the model), so
// its loop kills more often to hit the few milliseconds of writing.
const (
	kills    = 25
	newKills = 100
)

// newRand returns a seeded generator and logs the seed, so that a failing
// sequence of kill points can be replayed with E2E_SEED.
func newRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("E2E_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("kill points from seed %d (E2E_SEED=%d replays them)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed>>1))
}

// killAt starts digest with args and sends it SIGKILL after d, unless it
// ended before. It reports whether the kill landed.
func (w *workspace) killAt(d time.Duration, stdin string, args ...string) bool {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := w.command(ctx, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(d): // the kill point itself, chosen at random: no signal to wait for
	}
	cmd.Process.Kill()
	<-done
	return true
}

// consistent checks what must hold at any instant, a kill included: every
// draft, rejected draft and entry that exists (has its sidecar) is whole
// and valid; every markdown file, with or without its sidecar, is a whole
// entry (atomic writes); every cache entry and the batch reports parse;
// the batch journals hold whole JSON lines but for a last one cut short.
// Temporary files may be left: the next run removes them (repaired).
func (w *workspace) consistent() {
	w.t.Helper()
	for _, dir := range []string{"drafts", filepath.Join("drafts", "rejected"), "entries"} {
		checkPairs(w.t, filepath.Join(w.dir, dir))
		mds, _ := filepath.Glob(filepath.Join(w.dir, dir, "*.md"))
		for _, p := range mds {
			b, err := os.ReadFile(p)
			if err != nil {
				w.t.Fatal(err)
			}
			if probs := render.Check(b, strings.TrimSuffix(filepath.Base(p), ".md")); len(probs) > 0 {
				w.t.Errorf("%s is not a whole entry: line %d: %s", p, probs[0].Line, probs[0].Msg)
			}
		}
	}
	for _, pat := range []string{".digest/cache/*.json", ".digest/batch-*.json"} {
		files, _ := filepath.Glob(filepath.Join(w.dir, pat))
		for _, p := range files {
			b, _ := os.ReadFile(p)
			if !json.Valid(b) {
				w.t.Errorf("%s is not valid JSON: %q", p, clip(string(b)))
			}
		}
	}
	// The index is written whole or not at all: a file that exists reads
	// back (a corrupt one would be discarded, and rebuilt, by Open).
	if p := filepath.Join(w.dir, ".digest", "index", closest.FileName(closest.NewLexical())); fileExists(p) {
		x, err := closest.Open(p, closest.NewLexical())
		switch {
		case err != nil:
			w.t.Errorf("index: %v", err)
		case x.Stale() != nil && strings.Contains(x.Stale().Error(), "discarded"):
			w.t.Errorf("corrupt index: %v", x.Stale())
		}
	}
	journals, _ := filepath.Glob(filepath.Join(w.dir, ".digest/batch/*.jsonl"))
	for _, p := range journals {
		b, _ := os.ReadFile(p)
		lines := strings.SplitAfter(string(b), "\n")
		for i, l := range lines {
			if l == "" || i == len(lines)-1 && !strings.HasSuffix(l, "\n") {
				continue // the last line may be cut short by the kill
			}
			if !json.Valid([]byte(l)) {
				w.t.Errorf("%s: line %d is not JSON: %q", p, i+1, l)
			}
		}
	}
}

// repaired checks the state after a run that ended normally: consistent,
// no temporary file left, no id both a draft and an entry, and the index
// usable (`digest index` rebuilds or reads it).
func (w *workspace) repaired() {
	w.t.Helper()
	w.consistent()
	w.noTemp()
	drafts := checkPairs(w.t, filepath.Join(w.dir, "drafts"))
	for id := range checkPairs(w.t, filepath.Join(w.dir, "entries")) {
		if _, ok := drafts[id]; ok {
			w.t.Errorf("%s is both a draft and an entry", id)
		}
	}
	w.digest("index").ok(w.t)
}

// slowModel answers validly after a random delay of from to from+spread,
// so that kills land while requests are in flight as well as before and
// after.
func slowModel(t *testing.T, from, spread time.Duration) *fakeopenai.Server {
	return fakeopenai.New(t, func(fakeopenai.Request) fakeopenai.Reply {
		return fakeopenai.Reply{Delay: from + rand.N(spread)}
	})
}

// TestKillNew kills `digest new` at random points, over and over in one
// workspace, checking after each kill that nothing is half-written; then
// runs each link again to its end: every link has one valid draft and no
// temporary file is left.
func TestKillNew(t *testing.T) {
	rng := newRand(t)
	pages := pageServer(t)
	model := slowModel(t, 0, 40*time.Millisecond)
	w := newWorkspace(t, model)
	// Some archive entries, so that new also reads and writes the index.
	seedArchive(w, pages.URL)
	// One whole run, timed, to spread the kill points over a run's length.
	full := w.digest("new", pages.URL+"/p/90", "--no-cache").ok(t).elapsed
	landed := 0
	for i := range newKills {
		args := []string{"new", fmt.Sprintf("%s/p/%d", pages.URL, i%6), "--force"}
		if i%2 == 0 {
			args = append(args, "--no-cache")
		}
		if w.killAt(time.Duration(rng.Int64N(int64(full*6/5))), "", args...) {
			landed++
		}
		w.consistent()
	}
	t.Logf("%d of %d kills landed before the run ended (a whole run takes %s)", landed, newKills, full)
	if landed == 0 {
		t.Error("no kill landed: the kill points miss the runs")
	}
	for i := range 6 {
		w.digest("new", fmt.Sprintf("%s/p/%d", pages.URL, i), "--force").ok(t)
	}
	w.repaired()
	if n := len(w.drafts()); n != 7 {
		t.Errorf("%d drafts, want 7", n)
	}
}

// seedArchive drafts and accepts two pages, so that the workspace has
// entries and an index.
func seedArchive(w *workspace, base string) {
	w.t.Helper()
	for _, n := range []int{80, 81} {
		r := w.digest("new", fmt.Sprintf("%s/p/%d", base, n), "--json").ok(w.t)
		var out struct{ ID string }
		json.Unmarshal([]byte(r.stdout), &out)
		w.digest("accept", out.ID).ok(w.t)
	}
}

// TestKillBatch kills one batch over and over at random points, each run
// resuming the last; then lets it finish: every link has exactly one valid
// draft, no temporary file is left, and no link drafted before a kill was
// asked of the model again after it.
func TestKillBatch(t *testing.T) {
	rng := newRand(t)
	pages := pageServer(t)
	// A batch of 60 links, two at a time, each answered in 100-200 ms:
	// a kill within 300 ms of the start stops it a link or two further
	// on, so that the 25 runs only finish the list between them.
	model := slowModel(t, 100*time.Millisecond, 100*time.Millisecond)
	w := newWorkspace(t, model)
	const links = 60
	var b strings.Builder
	for i := range links {
		fmt.Fprintf(&b, "%s/p/%d\n", pages.URL, i)
	}
	list := w.write("links.txt", b.String())
	landed := 0
	for range kills {
		if w.killAt(time.Duration(rng.Int64N(int64(300*time.Millisecond))), "", "batch", list, "-j", "2") {
			landed++
		}
		w.consistent()
	}
	t.Logf("%d of %d kills landed before the batch ended", landed, kills)
	if landed == 0 {
		t.Error("no kill landed: the kill points miss the runs")
	}
	drafted := map[string]bool{}
	for _, d := range w.drafts() {
		drafted[testpages.Marker.FindString(d.Article.Text)] = true
	}
	before := asked(model)
	r := w.digest("batch", list, "-j", "2").ok(t)
	w.repaired()
	ds := w.drafts()
	if len(ds) != links {
		t.Errorf("%d drafts, want %d\n%s", len(ds), links, r)
	}
	after := asked(model)
	for m := range drafted {
		if after[m] != before[m] {
			t.Errorf("%s was drafted before the last run, yet asked again", m)
		}
	}
}

// asked counts the model requests per page marker.
func asked(model *fakeopenai.Server) map[string]int {
	n := map[string]int{}
	for _, r := range model.Requests() {
		n[testpages.Marker.FindString(r.Article())]++
	}
	return n
}

// TestKillAccept drafts a set of pages, then kills `digest accept` at
// random points: after each kill nothing is half-written; the next accept
// run finishes or redoes the move, so that in the end every draft is an
// entry, none is both, the index is whole and lists every entry.
func TestKillAccept(t *testing.T) {
	rng := newRand(t)
	pages := pageServer(t)
	model := fakeopenai.New(t, nil)
	w := newWorkspace(t, model)
	const n = 40
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s/p/%d\n", pages.URL, i)
	}
	w.run(b.String(), "batch", "-", "--json").ok(t)
	ids := draftIDs(w)
	if len(ids) != n {
		t.Fatalf("%d drafts, want %d", len(ids), n)
	}
	// Time one accept, to spread the kill points over one.
	full := w.digest("accept", ids[0]).ok(t).elapsed
	landed := 0
	for i := 1; i < n; i++ {
		// Each kill hits the accept of a new draft; the run after it accepts
		// the next one and must not trip over what the kill left.
		if w.killAt(time.Duration(rng.Int64N(int64(full*6/5))), "", "accept", ids[i]) {
			landed++
		}
		w.consistent()
		if i%5 == 0 {
			w.digest("drafts").ok(t) // reading commands cope with a killed accept
		}
	}
	t.Logf("%d of %d kills landed before accept ended (a whole accept takes %s)", landed, n-1, full)
	// The next runs: accept what is still a draft.
	if left := draftIDs(w); len(left) > 0 {
		w.digest(append([]string{"accept"}, left...)...).ok(t)
	}
	w.repaired()
	entries := checkPairs(t, filepath.Join(w.dir, "entries"))
	if len(entries) != n || len(draftIDs(w)) != 0 {
		t.Errorf("%d entries and %d drafts, want %d and 0", len(entries), len(draftIDs(w)), n)
	}
	// The index knows every entry: each is someone's closest candidate.
	r := w.digest("closest", ids[0], "--json").ok(t)
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	if !sc.Scan() {
		t.Errorf("closest printed nothing\n%s", r)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestInterruptedAccept puts a workspace in the state a kill between the
// two steps of an accept leaves (the entry written, the draft not yet
// removed): reading commands cope, reject refuses (the link is accepted),
// and accepting again finishes the move.
func TestInterruptedAccept(t *testing.T) {
	pages := pageServer(t)
	w := newWorkspace(t, fakeopenai.New(t, nil))
	w.digest("new", pages.URL+"/p/1").ok(t)
	ids := draftIDs(w)
	id := ids[0]
	for _, ext := range []string{".md", ".json"} {
		b, err := os.ReadFile(filepath.Join(w.dir, "drafts", id+ext))
		if err != nil {
			t.Fatal(err)
		}
		w.write(filepath.Join("entries", id+ext), string(b))
	}
	w.digest("drafts").ok(t)
	w.digest("show", id).ok(t)
	w.digest("reject", id).failed(t, 1, id, "digest accept")
	if len(draftIDs(w)) != 1 || !fileExists(filepath.Join(w.dir, "entries", id+".json")) {
		t.Fatalf("a refused reject changed the workspace: %v", w.files())
	}
	w.digest("accept", id).ok(t)
	w.repaired()
	if len(draftIDs(w)) != 0 || len(checkPairs(t, filepath.Join(w.dir, "entries"))) != 1 {
		t.Errorf("after accept: %v", w.files())
	}
}
