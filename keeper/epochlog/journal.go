package epochlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Journal errors; test with errors.Is.
var (
	// ErrCorrupt: a journal record that fails its checksum or does not decode, with
	// more records after it (not a torn tail), or a bad header.
	ErrCorrupt = errors.New("epochlog: corrupt journal")
	// ErrMismatch: the journal file on disk is for another epoch or keeper.
	ErrMismatch = errors.New("epochlog: journal of another epoch or keeper")
	// ErrClosed: the journal was closed, or a failed append left it unusable.
	ErrClosed = errors.New("epochlog: journal closed")
)

// JournalDomain starts a journal file's header record.
const JournalDomain = "ionet/observation-journal/v1"

// MaxRecord bounds one record's payload (an observation with its evidence): far
// above a challenge's openings (≈ 34 MB for GPU classes), far below memory trouble.
const MaxRecord = 256 << 20

const frameHeader = 8 // u32 LE payload length, u32 LE CRC-32C of the payload

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// JournalConfig says where a keeper's journal for one epoch lives.
type JournalConfig struct {
	// Dir holds one file per epoch, JournalName(Epoch); it must exist.
	Dir    string
	Epoch  uint64
	Keeper [32]byte
}

// JournalName is the file name of epoch's journal in its directory.
func JournalName(epoch uint64) string { return fmt.Sprintf("epoch-%020d.obslog", epoch) }

// Journal is a keeper's append-only observation log for one epoch on disk. The
// file is a header record (JournalDomain, version, epoch, keeper) then one record
// per observation, each framed as [u32 LE length][u32 LE CRC-32C][Borsh
// observation]. Append writes a batch and fsyncs it before returning, so what
// Append acknowledged survives a crash; a record torn by a crash (cut short,
// zero-filled, or the last one failing its checksum) is dropped when the file is
// reopened, and appending continues after the last good record. Safe for
// concurrent use.
type Journal struct {
	mu        sync.Mutex
	cfg       JournalConfig
	f         *os.File
	size      int64 // end of the last good record
	obs       []Observation
	truncated int64
	broken    error
}

// OpenJournal opens epoch's journal in cfg.Dir, creating it (header written to a
// temporary file, fsynced, renamed) when absent, else reading it back and
// truncating a torn tail. Errors: ErrMismatch for a file of another epoch or
// keeper, ErrCorrupt for damage other than a torn tail, and I/O errors, each
// wrapped with the path.
func OpenJournal(cfg JournalConfig) (*Journal, error) {
	path := filepath.Join(cfg.Dir, JournalName(cfg.Epoch))
	fail := func(err error) (*Journal, error) { return nil, fmt.Errorf("open journal %s: %w", path, err) }
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := createJournal(cfg, path); err != nil {
			return fail(err)
		}
	} else if err != nil {
		return fail(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fail(err)
	}
	j := &Journal{cfg: cfg, f: f}
	if err := j.load(); err != nil {
		f.Close()
		return fail(err)
	}
	return j, nil
}

func headerPayload(cfg JournalConfig) []byte {
	var w writer
	w.str(JournalDomain)
	w.u8(Version)
	w.u64(cfg.Epoch)
	w.fixed(cfg.Keeper[:])
	return w.buf
}

func frame(payload []byte) []byte {
	b := make([]byte, frameHeader, frameHeader+len(payload))
	binary.LittleEndian.PutUint32(b, uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

func createJournal(cfg JournalConfig, path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(frame(headerPayload(cfg)))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(cfg.Dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// load reads the records back, stopping at a torn tail and truncating it.
func (j *Journal) load() error {
	st, err := j.f.Stat()
	if err != nil {
		return err
	}
	total := st.Size()
	br := bufio.NewReaderSize(j.f, 1<<20)
	var pos int64
	torn := func() error { // drop everything from pos on
		j.truncated = total - pos
		if err := j.f.Truncate(pos); err != nil {
			return err
		}
		return j.f.Sync()
	}
	for first := true; ; first = false {
		if pos == total {
			if first {
				return fmt.Errorf("empty file: %w", ErrCorrupt)
			}
			break
		}
		payload, state, err := readFrame(br, total-pos)
		if err != nil {
			return err
		}
		var bad error
		switch state {
		case frameShort:
			bad = fmt.Errorf("record cut short: %w", ErrMalformed)
		case frameBadLength:
			bad = fmt.Errorf("record length out of range: %w", ErrMalformed)
		case frameBadSum:
			bad = fmt.Errorf("record checksum: %w", ErrMalformed)
		case frameOK:
			if first {
				bad = checkHeader(payload, j.cfg)
				break
			}
			r := &reader{buf: payload}
			o := decodeObservation(r)
			if bad = r.done(); bad == nil {
				j.obs = append(j.obs, o)
			}
		}
		if bad != nil {
			if errors.Is(bad, ErrMismatch) {
				return bad
			}
			if first {
				return fmt.Errorf("header: %w: %w", ErrCorrupt, bad)
			}
			// An interrupted append leaves a record that runs past the end, or the
			// last record garbled, or zeros (space allocated, data never written).
			// A bad record with data after it is damage, not a crash.
			ok := state == frameShort || pos+frameHeader+int64(len(payload)) == total
			if !ok {
				if ok, err = allZero(io.NewSectionReader(j.f, pos, total-pos)); err != nil {
					return err
				}
			}
			if !ok {
				return fmt.Errorf("record at offset %d: %w: %w", pos, ErrCorrupt, bad)
			}
			if err := torn(); err != nil {
				return err
			}
			break
		}
		pos += frameHeader + int64(len(payload))
	}
	j.size = pos
	_, err = j.f.Seek(pos, io.SeekStart)
	return err
}

type frameState int

const (
	frameOK        frameState = iota
	frameShort                // the header or the claimed payload runs past the end
	frameBadLength            // 0, or above MaxRecord and within the file
	frameBadSum               // the payload fails its checksum
)

// readFrame reads one frame of at most left bytes; payload is set for frameOK and
// frameBadSum.
func readFrame(br *bufio.Reader, left int64) ([]byte, frameState, error) {
	if left < frameHeader {
		return nil, frameShort, nil
	}
	var h [frameHeader]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, 0, err
	}
	n, sum := binary.LittleEndian.Uint32(h[:]), binary.LittleEndian.Uint32(h[4:])
	switch {
	case int64(n) > left-frameHeader:
		return nil, frameShort, nil
	case n == 0 || n > MaxRecord:
		return nil, frameBadLength, nil
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return nil, 0, err
	}
	if crc32.Checksum(payload, castagnoli) != sum {
		return payload, frameBadSum, nil
	}
	return payload, frameOK, nil
}

func allZero(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return false, nil
			}
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

func checkHeader(payload []byte, cfg JournalConfig) error {
	r := &reader{buf: payload}
	d, v := r.str("domain"), r.u8("version")
	epoch := r.u64("epoch")
	var keeper [32]byte
	r.fixed(keeper[:], "keeper")
	if err := r.done(); err != nil {
		return err
	}
	if d != JournalDomain || v != Version {
		return fmt.Errorf("domain %q version %d: %w", d, v, ErrMalformed)
	}
	if epoch != cfg.Epoch || keeper != cfg.Keeper {
		return fmt.Errorf("file holds epoch %d of keeper %x, want epoch %d of %x: %w", epoch, keeper, cfg.Epoch, cfg.Keeper, ErrMismatch)
	}
	return nil
}

// Append validates obs (Observation.Validate; an invalid one appends nothing),
// writes them as one batch and fsyncs before returning. On a write or sync error
// the file is cut back to its last good record and the error returned; if even
// that fails, the journal refuses further appends (ErrClosed) and reopening
// recovers.
func (j *Journal) Append(obs ...Observation) error {
	fail := func(err error) error { return fmt.Errorf("append to journal of epoch %d: %w", j.cfg.Epoch, err) }
	var buf []byte
	for i := range obs {
		if err := obs[i].Validate(); err != nil {
			return fail(fmt.Errorf("observation %d: %w", i, err))
		}
		if n := obs[i].EncodedLen(); n > MaxRecord {
			return fail(fmt.Errorf("observation %d: %d bytes, at most %d: %w", i, n, MaxRecord, ErrInvalid))
		}
		var w writer
		obs[i].encode(&w)
		buf = append(buf, frame(w.buf)...)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.broken != nil {
		return fail(j.broken)
	}
	if len(obs) == 0 {
		return nil
	}
	_, err := j.f.Write(buf)
	if err == nil {
		err = j.f.Sync()
	}
	if err != nil {
		if terr := j.rewind(); terr != nil {
			j.broken = fmt.Errorf("%w after a failed append: %w", ErrClosed, terr)
		}
		return fail(err)
	}
	j.size += int64(len(buf))
	j.obs = append(j.obs, obs...)
	return nil
}

func (j *Journal) rewind() error {
	if err := j.f.Truncate(j.size); err != nil {
		return err
	}
	_, err := j.f.Seek(j.size, io.SeekStart)
	return err
}

// Log is the observations appended so far (in append order), as a Log of the
// journal's epoch and keeper. The observations are shared: do not modify their
// Evidence.
func (j *Journal) Log() *Log {
	j.mu.Lock()
	defer j.mu.Unlock()
	return &Log{Epoch: j.cfg.Epoch, Keeper: j.cfg.Keeper, Observations: slices.Clone(j.obs)}
}

// Truncated is how many bytes of torn tail OpenJournal dropped (0 for a clean file).
func (j *Journal) Truncated() int64 { return j.truncated }

// Close closes the file; later appends fail with ErrClosed.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.broken == ErrClosed {
		return nil
	}
	j.broken = ErrClosed
	return j.f.Close()
}
