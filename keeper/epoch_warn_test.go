package keeper

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A tick that keeps failing the same way warns once a minute, not every tick; a
// different error, or the same after a success, warns at once.
func TestRepeatedWarning(t *testing.T) {
	var r repeatedWarning
	t0 := time.Unix(1_700_000_000, 0)
	assert.Equal(t, slog.LevelWarn, r.level("not registered", t0))
	for i := 1; i < 240; i++ { // a minute of 250 ms ticks
		assert.Equal(t, slog.LevelDebug, r.level("not registered", t0.Add(time.Duration(i)*250*time.Millisecond)), i)
	}
	assert.Equal(t, slog.LevelWarn, r.level("not registered", t0.Add(time.Minute)))
	assert.Equal(t, slog.LevelWarn, r.level("chain clock: timeout", t0.Add(time.Minute+time.Second)))
	assert.Equal(t, slog.LevelWarn, r.level("not registered", t0.Add(time.Minute+2*time.Second)))
	r = repeatedWarning{} // a tick succeeded
	assert.Equal(t, slog.LevelWarn, r.level("not registered", t0.Add(time.Minute+3*time.Second)))
}
