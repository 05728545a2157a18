package compute

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/worker/cuda"
)

type fakeTuner struct {
	t     cuda.Tuning
	err   error
	panic bool
	got   []any // k, n, cfg of the last call
}

func (f *fakeTuner) Autotune(k, n int, cfg cuda.AutotuneConfig) (cuda.Tuning, error) {
	f.got = []any{k, n, cfg}
	if f.panic {
		panic("cublasLt exploded")
	}
	return f.t, f.err
}

// Tuning never stops a worker: an error or a panic is a Warn, and the backend keeps
// the heuristic.
func TestTuneGEMM(t *testing.T) {
	cfg := cuda.AutotuneConfig{CachePath: "/data/gemm-autotune.json", Pass: time.Second}
	for _, tc := range []struct {
		name  string
		tuner *fakeTuner
		ok    bool
		log   string
	}{
		{"tuned", &fakeTuner{t: cuda.Tuning{Chosen: 2, Rates: []float64{1373, 1390, 1402}}}, true, `level=INFO msg="GEMM autotuned" gpu=3 chosen=2 gain=+2.1%`},
		{"cached", &fakeTuner{t: cuda.Tuning{Chosen: 0, Rates: []float64{1373}, Cached: true}}, true, `cached=true`},
		{"error", &fakeTuner{err: errors.New("needs the PTX kernels")}, false, `level=WARN msg="GEMM autotune failed, using cuBLASLt's heuristic" gpu=3 error="needs the PTX kernels"`},
		{"panic", &fakeTuner{panic: true}, false, `level=WARN msg="GEMM autotune failed, using cuBLASLt's heuristic" gpu=3 error="cublasLt exploded"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			require.Equal(t, tc.ok, tuneGEMM(log, tc.tuner, 3, cfg))
			require.Contains(t, buf.String(), tc.log)
			require.Equal(t, []any{classes.GPUK, classes.GPUN, cfg}, tc.tuner.got, "the GPU classes' GEMM, with the options given")
		})
	}
}

// Without the CUDA libraries (this machine, CI) both openers fail cleanly; tuning is
// never reached.
func TestOpenCUDAWithoutLibraries(t *testing.T) {
	if b, err := cuda.Open(0); err == nil {
		_ = b.Close()
		t.Skip("CUDA loads here: this test is for machines without it")
	}
	_, err := OpenCUDAWith(CUDAOptions{Autotune: true, CachePath: t.TempDir() + "/gemm-autotune.json"})(0)
	require.ErrorIs(t, err, cuda.ErrUnavailable)
	_, err = OpenCUDA(0)
	require.ErrorIs(t, err, cuda.ErrUnavailable)
}
