package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrPayload is returned when a payload does not decode exactly.
var ErrPayload = errors.New("wire: malformed payload")

// Writer builds a payload: fixed-size fields raw, variable ones with a u32
// big-endian length prefix, so no two field lists encode to the same bytes.
type Writer struct{ buf []byte }

// Bytes returns the encoded payload.
func (w *Writer) Bytes() []byte { return w.buf }

// Fixed appends bytes whose length the format fixes.
func (w *Writer) Fixed(b []byte) { w.buf = append(w.buf, b...) }

// U8 appends one byte.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// U32 appends a big-endian uint32.
func (w *Writer) U32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }

// U64 appends a big-endian uint64.
func (w *Writer) U64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }

// Var appends a length-prefixed byte string.
func (w *Writer) Var(b []byte) {
	if uint64(len(b)) > math.MaxUint32 {
		panic("wire: field longer than 4 GiB")
	}
	w.U32(uint32(len(b)))
	w.Fixed(b)
}

// Reader decodes a payload; the first error sticks and Done reports it.
type Reader struct {
	buf []byte
	err error
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf) {
		r.err = fmt.Errorf("read %s: need %d bytes, have %d: %w", what, n, len(r.buf), ErrPayload)
		return nil
	}
	b := r.buf[:n:n]
	r.buf = r.buf[n:]
	return b
}

// Fixed reads n bytes into dst (len(dst) bytes).
func (r *Reader) Fixed(dst []byte, what string) {
	copy(dst, r.take(len(dst), what))
}

// U8 reads one byte.
func (r *Reader) U8(what string) uint8 {
	b := r.take(1, what)
	if b == nil {
		return 0
	}
	return b[0]
}

// U32 reads a big-endian uint32.
func (r *Reader) U32(what string) uint32 {
	b := r.take(4, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// U64 reads a big-endian uint64.
func (r *Reader) U64(what string) uint64 {
	b := r.take(8, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Var reads a length-prefixed byte string of at most max bytes.
func (r *Reader) Var(max int, what string) []byte {
	n := r.U32(what + " length")
	if r.err == nil && uint64(n) > uint64(max) {
		r.err = fmt.Errorf("read %s: %d bytes, at most %d allowed: %w", what, n, max, ErrPayload)
	}
	return r.take(int(n), what)
}

// Fail records a semantic error found by the caller.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Done returns the first error, or an error if bytes are left over.
func (r *Reader) Done() error {
	if r.err == nil && len(r.buf) != 0 {
		r.err = fmt.Errorf("%d trailing bytes: %w", len(r.buf), ErrPayload)
	}
	return r.err
}
