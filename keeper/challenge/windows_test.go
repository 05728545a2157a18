package challenge

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
)

func TestWindows(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	beacon := sha256.Sum256([]byte("beacon"))
	h100, err := classes.ByName("h100-sxm")
	require.NoError(t, err)
	cpu8, err := classes.CPU(classes.ISAAVX2, 8)
	require.NoError(t, err)
	cpu16, err := classes.CPU(classes.ISAAVX2, 16)
	require.NoError(t, err)
	def := DefaultWindowConfig

	for _, tc := range []struct {
		name   string
		length time.Duration
		class  classes.Class
		cfg    WindowConfig
		want   int
		err    error
	}{
		{"hour, defaults", time.Hour, h100, def, 4, nil},
		{"hour, cpu", time.Hour, cpu8, def, 4, nil},
		{"fewer fit", def.Lead + 2*def.Length + def.Recheck + time.Second, h100, def, 2, nil},
		{"exactly one", def.Lead + def.Length + def.Recheck, h100, def, 1, nil},
		{"none fits", def.Lead + def.Length + def.Recheck - time.Millisecond, h100, def, 0, nil},
		{"shorter than the lead", def.Lead / 2, h100, def, 0, nil},
		{"many", 24 * time.Hour, h100, WindowConfig{PerEpoch: 50, Lead: time.Minute, Length: time.Minute, Verify: time.Second}, 50, nil},
		{"window too short", time.Hour, h100, WindowConfig{PerEpoch: 4, Length: 20 * time.Second}, 0, ErrWindowTooShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := Windows(beacon, start, tc.length, tc.class, tc.cfg)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, ws, tc.want)
			again, err := Windows(beacon, start, tc.length, tc.class, tc.cfg)
			require.NoError(t, err)
			assert.Equal(t, ws, again, "a pure function of its inputs")
			end := start.Add(tc.length)
			if tc.want == 0 {
				return
			}
			slot := (tc.length - tc.cfg.Lead - tc.cfg.Recheck).Milliseconds() / int64(tc.want)
			for i, w := range ws {
				assert.Equal(t, i, w.Index)
				assert.Equal(t, tc.class.ID, w.ClassID)
				assert.Equal(t, tc.cfg.Length, w.End.Sub(w.Start))
				slotStart := start.Add(tc.cfg.Lead + time.Duration(int64(i)*slot)*time.Millisecond)
				assert.False(t, w.Start.Before(slotStart), "window %d starts in its slot", i)
				assert.False(t, w.End.After(slotStart.Add(time.Duration(slot)*time.Millisecond)), "window %d ends in its slot", i)
				assert.False(t, w.End.After(end.Add(-tc.cfg.Recheck)), "re-check time after the last window")
				if i > 0 {
					assert.False(t, w.Start.Before(ws[i-1].End), "windows do not overlap")
				}
				// The offset, recomputed from the documented formula.
				h := sha256.Sum256(append(append(append([]byte(WindowDomain), beacon[:]...), tc.class.ID), binary.BigEndian.AppendUint32(nil, uint32(i))...))
				off := binary.BigEndian.Uint64(h[:8]) % uint64(slot-tc.cfg.Length.Milliseconds()+1)
				assert.Equal(t, slotStart.Add(time.Duration(off)*time.Millisecond), w.Start)
			}
		})
	}

	t.Run("beacon and class decide", func(t *testing.T) {
		a, err := Windows(beacon, start, time.Hour, h100, def)
		require.NoError(t, err)
		b, err := Windows(sha256.Sum256([]byte("another beacon")), start, time.Hour, h100, def)
		require.NoError(t, err)
		assert.NotEqual(t, a, b, "unknown before the beacon")
		c8, err := Windows(beacon, start, time.Hour, cpu8, def)
		require.NoError(t, err)
		assert.NotEqual(t, starts(a), starts(c8), "another class, other windows")
		c16, err := Windows(beacon, start, time.Hour, cpu16, def)
		require.NoError(t, err)
		assert.Equal(t, starts(c8), starts(c16), "members of one family share windows")
	})

	t.Run("bad configuration", func(t *testing.T) {
		for _, cfg := range []WindowConfig{{}, {PerEpoch: 1}, {Length: time.Hour}, {PerEpoch: 1, Length: time.Hour, Lead: -1},
			{PerEpoch: 1, Length: time.Hour, Recheck: -1}} {
			_, err := Windows(beacon, start, time.Hour, h100, cfg)
			assert.Error(t, err, "%+v", cfg)
		}
	})
	// The default layout fits every class of the table.
	for _, c := range classes.All() {
		need := def.Spread + pow.Deadline(c, def.MaxRTT) + def.Verify
		assert.LessOrEqual(t, need, def.Length, c.Name)
	}
}

func starts(ws []Window) []time.Time {
	out := make([]time.Time, len(ws))
	for i, w := range ws {
		out[i] = w.Start
	}
	return out
}

func TestChallenger(t *testing.T) {
	a, b, c := ed25519.PublicKey("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ed25519.PublicKey("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), ed25519.PublicKey("cccccccccccccccccccccccccccccccc")
	for _, tc := range []struct {
		assigned []ed25519.PublicKey
		index    int
		want     ed25519.PublicKey
	}{
		{[]ed25519.PublicKey{a, b, c}, 0, a},
		{[]ed25519.PublicKey{a, b, c}, 1, b},
		{[]ed25519.PublicKey{a, b, c}, 2, c},
		{[]ed25519.PublicKey{a, b, c}, 3, a},
		{[]ed25519.PublicKey{a, b}, 5, b},
		{[]ed25519.PublicKey{a}, 7, a},
		{nil, 0, nil},
		{[]ed25519.PublicKey{a}, -1, nil},
	} {
		assert.Equal(t, tc.want, Challenger(tc.assigned, tc.index), "%d of %d", tc.index, len(tc.assigned))
	}
}
