package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/digest-tool/digest/config"
)

// Link is one link of a list: the URL as written and, optionally, the issue
// date written after it.
type Link struct {
	Line  int    // 1-based line in the list; 0 when the link came from a page
	URL   string // as written
	Issue string // YYYYMMDD, or "" for the run's date
	// Err is set when the line could not be read as a link; the link then
	// fails with this reason and the rest of the list goes on.
	Err error
}

// Source yields links one at a time; Next returns io.EOF after the last.
type Source interface {
	Next() (Link, error)
}

// maxLine bounds one line of a list: anything longer is no link.
const maxLine = 64 << 10

// ListReader reads a list of links, one per line, streaming: blank lines
// and lines starting with # are skipped, a "# comment" after the link is
// dropped, and a line may carry the issue date after its URL:
//
//	https://example.com/story 20230827   # from the August issue
type ListReader struct {
	r    *bufio.Reader
	line int
}

// NewListReader reads a list from r.
func NewListReader(r io.Reader) *ListReader {
	return &ListReader{r: bufio.NewReaderSize(r, maxLine)}
}

// Next returns the next link, io.EOF at the end, or the read error.
func (l *ListReader) Next() (Link, error) {
	for {
		b, tooLong, err := l.readLine()
		if err != nil && (err != io.EOF || len(b) == 0 && !tooLong) {
			return Link{}, err
		}
		l.line++
		if tooLong {
			return Link{Line: l.line, URL: string(b[:80]) + "…", Err: fmt.Errorf("line %d is longer than %d bytes: not a link", l.line, maxLine)}, nil
		}
		if link, ok := ParseLine(string(b)); ok {
			link.Line = l.line
			return link, nil
		}
	}
}

// readLine returns the next line without its line ending. A line longer
// than the buffer is consumed to its end and reported as tooLong, with its
// start in b.
func (l *ListReader) readLine() (b []byte, tooLong bool, err error) {
	b, err = l.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		head := bytes.Clone(b[:80])
		for err == bufio.ErrBufferFull {
			_, err = l.r.ReadSlice('\n')
		}
		if err == io.EOF {
			err = nil
		}
		return head, true, err
	}
	return bytes.TrimRight(b, "\r\n"), false, err
}

// ParseLine reads one line of a list. It reports false for a line with no
// link (blank or a comment). A malformed line gives a Link with Err set.
func ParseLine(s string) (Link, bool) {
	s = strings.TrimPrefix(s, "\ufeff") // a byte-order mark from Windows editors
	fields := strings.Fields(s)
	// A comment starts with # at the line's start or after a blank; a #
	// inside a URL is its fragment.
	for i, f := range fields {
		if strings.HasPrefix(f, "#") {
			fields = fields[:i]
			break
		}
	}
	switch len(fields) {
	case 0:
		return Link{}, false
	case 1:
		return Link{URL: fields[0]}, true
	case 2:
		l := Link{URL: fields[0], Issue: fields[1]}
		if err := config.CheckDate(fields[1]); err != nil {
			l.Err = fmt.Errorf("issue date after the URL: %w", err)
		}
		return l, true
	}
	return Link{URL: fields[0], Err: errors.New("expected URL [YYYYMMDD] on the line, found " + fmt.Sprint(len(fields)) + " words")}, true
}

// CountLinks counts the links of a list without keeping them, for a
// progress bar's total.
func CountLinks(r io.Reader) (int, error) {
	l := NewListReader(r)
	n := 0
	for {
		_, err := l.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// sliceSource yields links from memory (a page's links: a few hundred).
type sliceSource struct{ links []Link }

// Links returns a Source over links already in memory.
func Links(links []Link) Source { return &sliceSource{links: links} }

func (s *sliceSource) Next() (Link, error) {
	if len(s.links) == 0 {
		return Link{}, io.EOF
	}
	l := s.links[0]
	s.links = s.links[1:]
	return l, nil
}
