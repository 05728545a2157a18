package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
)

func TestAutotuneCache(t *testing.T) {
	require.Equal(t, filepath.Join("ionet-worker-data", "gemm-autotune.json"), autotuneCache("ionet-worker-data", ""))
	require.Equal(t, "/var/lib/ionet/gemm-autotune.json", autotuneCache("/var/lib/ionet", ""))
	require.Equal(t, "/tmp/tune.json", autotuneCache("/var/lib/ionet", "/tmp/tune.json"))
}

// --gemm-autotune is on unless turned off; the cache has no fixed default (it follows
// --data-dir).
func TestAutotuneFlags(t *testing.T) {
	var tune, cache cli.Flag
	for _, f := range runFlags() {
		switch f.Names()[0] {
		case "gemm-autotune":
			tune = f
		case "gemm-autotune-cache":
			cache = f
		}
	}
	require.NotNil(t, tune)
	require.NotNil(t, cache)
	require.True(t, tune.(*altsrc.BoolFlag).Value)
	require.Empty(t, cache.(*altsrc.StringFlag).Value)
	require.NotNil(t, openGPU(nil, true, "x"))
}
