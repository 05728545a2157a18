package epochlog_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/keeper/epochlog"
)

func journalConfig(t *testing.T) epochlog.JournalConfig {
	return epochlog.JournalConfig{Dir: t.TempDir(), Epoch: 42, Keeper: key("keeper")}
}

func openJournal(t *testing.T, cfg epochlog.JournalConfig) *epochlog.Journal {
	t.Helper()
	j, err := epochlog.OpenJournal(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { j.Close() })
	return j
}

func journalPath(cfg epochlog.JournalConfig) string {
	return filepath.Join(cfg.Dir, epochlog.JournalName(cfg.Epoch))
}

func TestJournalAppendReopen(t *testing.T) {
	cfg := journalConfig(t)
	obs := sampleLog().Observations
	j := openJournal(t, cfg)
	require.NoError(t, j.Append(obs[:5]...))
	require.NoError(t, j.Append(obs[5]))
	require.NoError(t, j.Append())
	require.NoError(t, j.Close())
	assert.ErrorIs(t, j.Append(obs[6]), epochlog.ErrClosed)

	j = openJournal(t, cfg)
	assert.Zero(t, j.Truncated())
	assert.Equal(t, obs[:6], j.Log().Observations)
	require.NoError(t, j.Append(obs[6:]...), "reopening continues appending")
	require.NoError(t, j.Close())

	j = openJournal(t, cfg)
	l := j.Log()
	assert.Equal(t, obs, l.Observations)
	assert.Equal(t, sampleLog().Hash(), l.Hash())
	assert.Equal(t, uint64(42), l.Epoch)
	_, err := os.Stat(journalPath(cfg) + ".tmp")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestJournalRejectsInvalidBatch(t *testing.T) {
	j := openJournal(t, journalConfig(t))
	err := j.Append(probe("a", 1, true), epochlog.Observation{Kind: 7})
	assert.ErrorIs(t, err, epochlog.ErrInvalid)
	assert.Empty(t, j.Log().Observations, "nothing of an invalid batch is appended")
}

func TestJournalOtherEpochOrKeeper(t *testing.T) {
	cfg := journalConfig(t)
	require.NoError(t, openJournal(t, cfg).Close())
	other := cfg
	other.Keeper = key("someone else")
	_, err := epochlog.OpenJournal(other)
	assert.ErrorIs(t, err, epochlog.ErrMismatch)
	// Another epoch is another file.
	other = cfg
	other.Epoch++
	assert.Empty(t, openJournal(t, other).Log().Observations)
}

// writeTwo writes a journal with two records and returns the file's bytes and the
// offset where the second record starts.
func writeTwo(t *testing.T, cfg epochlog.JournalConfig) ([]byte, int) {
	j := openJournal(t, cfg)
	require.NoError(t, j.Append(probe("a", 1, true)))
	require.NoError(t, j.Close())
	b, err := os.ReadFile(journalPath(cfg))
	require.NoError(t, err)
	first := len(b)
	j = openJournal(t, cfg)
	require.NoError(t, j.Append(challenge("a", 2, 7, "")))
	require.NoError(t, j.Close())
	b, err = os.ReadFile(journalPath(cfg))
	require.NoError(t, err)
	return b, first
}

func TestJournalTornTail(t *testing.T) {
	cfg := journalConfig(t)
	full, second := writeTwo(t, cfg)
	flip := func(i int) []byte { b := append([]byte(nil), full...); b[i] ^= 0xff; return b }
	zeros := func(n int) []byte { return append(append([]byte(nil), full[:second]...), make([]byte, n)...) }
	for name, b := range map[string][]byte{
		"cut in the frame header":     full[:second+5],
		"cut in the payload":          full[:len(full)-1],
		"last record's checksum":      flip(second + 5),
		"last record's payload":       flip(len(full) - 3),
		"length running past the end": flip(second + 3),
		"zero-filled tail":            zeros(100),
		"zero-filled short tail":      zeros(3),
	} {
		require.NoError(t, os.WriteFile(journalPath(cfg), b, 0o644))
		j, err := epochlog.OpenJournal(cfg)
		require.NoError(t, err, name)
		assert.Equal(t, int64(len(b)-second), j.Truncated(), name)
		assert.Equal(t, []epochlog.Observation{probe("a", 1, true)}, j.Log().Observations, name)
		// Appending continues after the last good record and reopens cleanly.
		require.NoError(t, j.Append(challenge("a", 3, 9, "")), name)
		require.NoError(t, j.Close())
		j, err = epochlog.OpenJournal(cfg)
		require.NoError(t, err, name)
		assert.Zero(t, j.Truncated(), name)
		assert.Len(t, j.Log().Observations, 2, name)
		require.NoError(t, j.Close())
	}
}

func TestJournalCorruptMiddle(t *testing.T) {
	cfg := journalConfig(t)
	full, second := writeTwo(t, cfg)
	for name, i := range map[string]int{
		"first record's checksum": second - 20,
		"header":                  10,
	} {
		b := append([]byte(nil), full...)
		b[i] ^= 0x55
		require.NoError(t, os.WriteFile(journalPath(cfg), b, 0o644))
		_, err := epochlog.OpenJournal(cfg)
		assert.ErrorIs(t, err, epochlog.ErrCorrupt, name)
	}
	require.NoError(t, os.WriteFile(journalPath(cfg), nil, 0o644))
	_, err := epochlog.OpenJournal(cfg)
	assert.ErrorIs(t, err, epochlog.ErrCorrupt, "empty file")
}

func TestJournalConcurrentAppend(t *testing.T) {
	cfg := journalConfig(t)
	j := openJournal(t, cfg)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				assert.NoError(t, j.Append(probe(string(rune('a'+g)), int64(i), i%3 != 0)))
			}
		}()
	}
	wg.Wait()
	want := j.Log().Hash()
	require.NoError(t, j.Close())
	j = openJournal(t, cfg)
	assert.Len(t, j.Log().Observations, 100)
	assert.Equal(t, want, j.Log().Hash())
}
