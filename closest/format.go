package closest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The index file, little-endian throughout:
//
//	"DGIX"                 magic
//	version   uint32       formatVersion; a file of any other is discarded
//	flags     uint32       bit 0: complete (the last Sync finished)
//	engine    string       "lexical" | "embeddings"
//	model     string       embedding model, "" for lexical
//	n         uvarint      entries
//	n ×       idLen uvarint, titleLen uvarint, urlHash uint64, textHash uint64
//	blob      string       every id and title, concatenated in that order
//	engine section          (lexical.go, embeddings.go)
//	crc       uint32       CRC-32C of every byte before it
//
// A string is a uvarint length and its bytes. A file that does not parse
// exactly, or whose checksum differs, is not trusted. The file is parsed as
// it is read and checked at the end: nothing built from it is used before.
const (
	magic         = "DGIX"
	formatVersion = 1
	flagComplete  = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writer writes the index file and its running checksum; the first error
// sticks and is returned by flush.
type writer struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf [binary.MaxVarintLen64]byte
	err error
}

func newWriter(w io.Writer) *writer {
	crc := crc32.New(castagnoli)
	return &writer{w: bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20), crc: crc}
}

func (w *writer) bytes(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *writer) uvarint(v uint64) { w.bytes(binary.AppendUvarint(w.buf[:0], v)) }
func (w *writer) u32(v uint32)     { w.bytes(binary.LittleEndian.AppendUint32(w.buf[:0], v)) }
func (w *writer) u64(v uint64)     { w.bytes(binary.LittleEndian.AppendUint64(w.buf[:0], v)) }
func (w *writer) f32(v float32)    { w.u32(math.Float32bits(v)) }

func (w *writer) str(s string) {
	w.uvarint(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// finish appends the checksum of everything written and flushes.
func (w *writer) finish() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		return err
	}
	sum := w.crc.Sum32()
	w.u32(sum)
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

// errTruncated is what a read past the end of the data reports.
var errTruncated = errors.New("truncated")

// reader reads the index file through a window, so that loading never holds
// the whole file besides what is built from it, and sums the CRC of what it
// reads. The first error sticks, and every read after it returns zero
// values. A slice it returns is valid until the next read.
type reader struct {
	src  io.Reader
	crc  hash.Hash32
	buf  []byte // buf[off:] is read from src but not yet consumed
	off  int
	left int64 // bytes src still holds
	err  error
}

// window is the reader's usual buffer size; a longer read grows it. Tests
// make it tiny.
var window = 1 << 20

func newReader(src io.Reader, size int64) *reader {
	return &reader{src: src, crc: crc32.New(castagnoli), left: size, buf: make([]byte, 0, window)}
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}

// remaining is the number of bytes not yet consumed.
func (r *reader) remaining() int64 { return int64(len(r.buf)-r.off) + r.left }

// peek returns the next n bytes without consuming them.
func (r *reader) peek(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || int64(n) > r.remaining() {
		r.err = errTruncated
		return nil
	}
	if have := len(r.buf) - r.off; have < n {
		// Move the unread bytes to the front and read at least the rest.
		keep := copy(r.buf[:cap(r.buf)], r.buf[r.off:])
		if n > cap(r.buf) {
			grown := make([]byte, keep, n+window)
			copy(grown, r.buf[:keep])
			r.buf = grown
		}
		r.buf, r.off = r.buf[:cap(r.buf)], 0
		want := int(min(int64(len(r.buf)-keep), r.left))
		got, err := io.ReadAtLeast(r.src, r.buf[keep:keep+want], n-keep)
		r.crc.Write(r.buf[keep : keep+got])
		r.left -= int64(got)
		r.buf = r.buf[:keep+got]
		if err != nil {
			r.err = fmt.Errorf("read: %w", err)
			return nil
		}
	}
	return r.buf[r.off : r.off+n]
}

// skip consumes n bytes, which peek returned.
func (r *reader) skip(n int) { r.off += n }

func (r *reader) next(n int) []byte {
	b := r.peek(n)
	r.skip(len(b))
	return b
}

func (r *reader) uvarint() uint64 {
	b := r.peek(int(min(binary.MaxVarintLen64, r.remaining())))
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.skip(n)
	return v
}

// count reads a uvarint that counts items of at least size bytes each, and
// checks that that many could still follow, so a corrupt count cannot ask
// for a huge allocation.
func (r *reader) count(size int) int {
	v := r.uvarint()
	if r.err == nil && v > uint64(r.remaining()/int64(max(size, 1))) {
		r.err = errTruncated
		return 0
	}
	return int(v)
}

func (r *reader) u32() uint32 {
	b := r.next(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.next(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) f32() float32 { return math.Float32frombits(r.u32()) }

func (r *reader) str() string { return string(r.next(r.count(1))) }
