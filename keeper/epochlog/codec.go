package epochlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrMalformed is returned for bytes that are not the canonical encoding of a log,
// a summary or a journal record: truncated, with trailing bytes, out of range,
// out of canonical order, of another version. Test with errors.Is.
var ErrMalformed = errors.New("epochlog: malformed encoding")

// The encodings are Borsh (github.com/near/borsh-go's layout: little-endian
// integers, bool as one byte 0/1, a string or Vec as a u32 length then its items,
// fixed arrays raw), written and read by hand so decoding is strict (no trailing
// bytes, no allocation beyond what the input holds) and fast; the tests check the
// bytes against borsh-go's Serialize.

type writer struct{ buf []byte }

func (w *writer) fixed(b []byte) { w.buf = append(w.buf, b...) }
func (w *writer) u8(v uint8)     { w.buf = append(w.buf, v) }
func (w *writer) u16(v uint16)   { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }
func (w *writer) u32(v uint32)   { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }
func (w *writer) u64(v uint64)   { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }
func (w *writer) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

// length writes a Borsh length prefix; callers bound their lengths well below 4 GiB.
func (w *writer) length(n int) {
	if uint64(n) > math.MaxUint32 {
		panic("epochlog: length above u32")
	}
	w.u32(uint32(n))
}

func (w *writer) bytes(b []byte) { w.length(len(b)); w.fixed(b) }
func (w *writer) str(s string)   { w.length(len(s)); w.buf = append(w.buf, s...) }

// reader decodes; the first error sticks and done reports it.
type reader struct {
	buf []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf) {
		r.fail(fmt.Errorf("read %s: need %d bytes, have %d: %w", what, n, len(r.buf), ErrMalformed))
		return nil
	}
	b := r.buf[:n:n]
	r.buf = r.buf[n:]
	return b
}

func (r *reader) fixed(dst []byte, what string) { copy(dst, r.take(len(dst), what)) }

func (r *reader) u8(what string) uint8 {
	if b := r.take(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if b := r.take(2, what); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if b := r.take(4, what); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if b := r.take(8, what); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) boolean(what string) bool {
	switch v := r.u8(what); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail(fmt.Errorf("read %s: bool byte %d: %w", what, v, ErrMalformed))
		return false
	}
}

// count reads a Vec length and checks that that many items of at least minItem
// bytes each fit in what is left, so a hostile length allocates nothing.
func (r *reader) count(what string, minItem int) int {
	n := r.u32(what)
	if r.err != nil {
		return 0
	}
	if minItem > 0 && uint64(n)*uint64(minItem) > uint64(len(r.buf)) {
		r.fail(fmt.Errorf("read %s: %d items of at least %d bytes, %d bytes left: %w", what, n, minItem, len(r.buf), ErrMalformed))
		return 0
	}
	return int(n)
}

func (r *reader) bytes(what string) []byte {
	n := r.count(what, 1)
	return r.take(n, what)
}

func (r *reader) str(what string) string { return string(r.bytes(what)) }

// done reports the first error, or trailing bytes.
func (r *reader) done() error {
	if r.err == nil && len(r.buf) != 0 {
		r.err = fmt.Errorf("%d trailing bytes: %w", len(r.buf), ErrMalformed)
	}
	return r.err
}
