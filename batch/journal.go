package batch

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/digest-tool/digest/store"
)

// The journal is an append-only file of JSON lines, one per list
// (.digest/batch/journal-<hash of the list>.jsonl), recording each link's
// state in the list's current run:
//
//	{"state":"start","time":…,"run":"20240102T150405Z","list":"file /abs/links.txt"}
//	{"state":"queued","time":…,"line":3,"id":"<32 hex>","url":"https://…"}
//	{"state":"done","time":…,"line":3,"id":"…","draft_id":"…","url":"…","draft":"drafts/….md"}
//	{"state":"failed","time":…,"line":4,"id":"…","url":"…","error":"fetch …: 404 Not Found"}
//	{"state":"resume","time":…,"run":"20240102T150405Z"}
//	{"state":"end","time":…,"run":"20240102T150405Z"}
//
// A run that has no "end" record was interrupted (Ctrl-C, a crash, a kill):
// the next batch over the same list resumes it, skipping the links it
// recorded done whose draft or entry still exists. A run that ended is
// replaced by a fresh one. Writes reach the kernel at once, so a killed
// process loses nothing; done and failed records are also synced to disk
// in the background, off the workers' path (a power cut may lose the last
// few: their drafts, synced by the store, are still found).
type journal struct {
	path    string
	run     string
	resumed bool
	done    map[[16]byte][16]byte // link id -> draft id, from the resumed run

	mu sync.Mutex
	f  *os.File

	kick   chan struct{} // asks the syncer for an fsync; holds at most one request
	synced chan struct{} // closed when the syncer has ended
}

type record struct {
	State   string    `json:"state"`
	Time    time.Time `json:"time"`
	Run     string    `json:"run,omitempty"`
	List    string    `json:"list,omitempty"`
	Line    int       `json:"line,omitempty"`
	ID      string    `json:"id,omitempty"`
	DraftID string    `json:"draft_id,omitempty"`
	URL     string    `json:"url,omitempty"`
	Draft   string    `json:"draft,omitempty"`
	Error   string    `json:"error,omitempty"`
}

const (
	recStart  = "start"
	recResume = "resume"
	recQueued = "queued"
	recDone   = "done"
	recFailed = "failed"
	recEnd    = "end"
)

// journalPath is where the journal of list lives under dir.
func journalPath(dir, list string) string {
	sum := sha256.Sum256([]byte(list))
	return filepath.Join(dir, "journal-"+hex.EncodeToString(sum[:8])+".jsonl")
}

// openJournal opens (and locks) the journal of list, resuming its run if
// the last one did not end, else starting a new run.
func openJournal(dir, list string, now time.Time) (*journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &journal{path: journalPath(dir, list)}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("another digest batch is running this list (%s is locked): wait for it or stop it", j.path)
	}
	j.f = f
	ended, err := j.replay()
	if err != nil {
		f.Close()
		return nil, err
	}
	first := record{State: recResume, Time: now, Run: j.run}
	if j.run != "" && !ended {
		j.resumed = true
	} else {
		// The last run ended (or there was none): start afresh.
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: %w", err)
		}
		j.run, j.done = now.UTC().Format("20060102T150405Z"), nil
		first = record{State: recStart, Time: now, Run: j.run, List: list}
	}
	j.kick, j.synced = make(chan struct{}, 1), make(chan struct{})
	go j.syncer()
	if err := j.append(first, true); err != nil {
		j.close()
		return nil, err
	}
	return j, nil
}

// replay reads the journal, keeping the done links of its last run.
func (j *journal) replay() (ended bool, err error) {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("journal: %w", err)
	}
	sc := bufio.NewScanner(j.f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	endsInNewline := true
	for sc.Scan() {
		line := sc.Bytes()
		var r record
		if json.Unmarshal(line, &r) != nil {
			continue // a line torn by a crash: its link is simply redone
		}
		switch r.State {
		case recStart:
			j.run, j.done, ended = r.Run, map[[16]byte][16]byte{}, false
		case recDone:
			id, ok1 := parseID(r.ID)
			draft, ok2 := parseID(r.DraftID)
			if ok1 && j.done != nil {
				if !ok2 {
					draft = id
				}
				j.done[id] = draft
			}
		case recEnd:
			ended = true
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("journal %s: %w", j.path, err)
	}
	// A crash may have cut the last line short: start the next on its own.
	if size, err := j.f.Seek(0, io.SeekEnd); err == nil && size > 0 {
		b := make([]byte, 1)
		if _, err := j.f.ReadAt(b, size-1); err == nil && b[0] != '\n' {
			endsInNewline = false
		}
	}
	if !endsInNewline {
		if _, err := j.f.Write([]byte("\n")); err != nil {
			return false, fmt.Errorf("journal: %w", err)
		}
	}
	return ended, nil
}

// doneBefore reports whether the resumed run made a draft for id, and that
// draft's id.
func (j *journal) doneBefore(id [16]byte) ([16]byte, bool) {
	d, ok := j.done[id]
	return d, ok
}

// append writes one record; sync asks for it to be synced to disk soon.
func (j *journal) append(r record, sync bool) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if sync {
		select {
		case j.kick <- struct{}{}:
		default: // a sync is already asked for: it will cover this record
		}
	}
	return nil
}

// syncer fsyncs the journal when asked, coalescing requests that come
// while a sync runs.
func (j *journal) syncer() {
	defer close(j.synced)
	for range j.kick {
		j.f.Sync()
	}
}

// close syncs what is left and closes the file.
func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	close(j.kick)
	<-j.synced
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

// parseID reads a 32-hex-digit id.
func parseID(s string) (id [16]byte, ok bool) {
	if !store.ValidID(s) {
		return id, false
	}
	_, err := hex.Decode(id[:], []byte(s))
	return id, err == nil
}
