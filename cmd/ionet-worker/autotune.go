package main

import (
	"log/slog"
	"path/filepath"

	"github.com/ionet-network/ionet/worker/compute"
)

// autotuneCacheName is the GEMM autotune cache's file in --data-dir.
const autotuneCacheName = "gemm-autotune.json"

// autotuneCache is the cache file: --gemm-autotune-cache, or the default in dataDir.
func autotuneCache(dataDir, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(dataDir, autotuneCacheName)
}

// openGPU opens each GPU's CUDA backend, autotuning its GEMM algorithm (cached in
// cache) when autotune is set. Tuning never keeps the worker from starting.
func openGPU(log *slog.Logger, autotune bool, cache string) compute.OpenGPU {
	return compute.OpenCUDAWith(compute.CUDAOptions{Autotune: autotune, CachePath: cache, Logger: log})
}
