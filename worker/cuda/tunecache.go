package cuda

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// The autotune cache: a small JSON file, so that a worker restart on the same device,
// driver and cuBLASLt does not measure the algorithms again. Everything here is pure
// Go, without CUDA. A missing file, a corrupt one or one without the key is a miss,
// never a failure of the worker: Autotune then measures and rewrites the file.

// TuningKey is what makes a cached algorithm valid and its rate meaningful: the same
// device model and size, driver, cuBLASLt and workspace, and the same GEMM.
type TuningKey struct {
	Device    string `json:"device"`          // cuDeviceGetName, e.g. "NVIDIA H200"
	SMs       int    `json:"sms"`             // multiprocessors
	Driver    int    `json:"driver"`          // cuDriverGetVersion, e.g. 13000 for 13.0
	CublasLt  uint64 `json:"cublaslt"`        // cublasLtGetVersion, e.g. 130100 for 13.1.0
	Workspace uint64 `json:"workspace_bytes"` // the workspace the algorithms were chosen to fit, bytes
	K         int    `json:"k"`               // the GEMM's inner dimension
	N         int    `json:"n"`               // the GEMM's output columns
	Rows      int    `json:"rows"`            // the GEMM's rows (the device's block for K)
}

// TuningEntry is one tuned GEMM in the cache.
type TuningEntry struct {
	Key TuningKey `json:"key"`
	// Chosen indexes Rates: 0 is the heuristic's first choice, which the worker then
	// leaves to the heuristic per call.
	Chosen int `json:"chosen"`
	// Algo is the chosen cublasLtMatmulAlgo_t, its eight 64-bit words.
	Algo [8]uint64 `json:"algo"`
	// Rates are the candidates' sustained rates in TOPS (10^12 int8 operations per
	// second), the mean of two passes; 0 for a candidate that failed.
	Rates   []float64 `json:"rates_tops"`
	TunedAt time.Time `json:"tuned_at"`
}

// tuningFile is the file's whole content.
type tuningFile struct {
	Version int           `json:"version"`
	Entries []TuningEntry `json:"entries"`
}

const tuningFileVersion = 1

// errTuningCorrupt wraps every reason a cache file cannot be used.
var errTuningCorrupt = errors.New("autotune cache unusable")

// readTuningFile reads path; a missing file is an empty one (nil error).
func readTuningFile(path string) (tuningFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return tuningFile{Version: tuningFileVersion}, nil
	}
	if err != nil {
		return tuningFile{}, err
	}
	var f tuningFile
	if err := json.Unmarshal(data, &f); err != nil {
		return tuningFile{}, fmt.Errorf("%w: %s: %w", errTuningCorrupt, path, err)
	}
	if f.Version != tuningFileVersion {
		return tuningFile{}, fmt.Errorf("%w: %s: version %d, want %d", errTuningCorrupt, path, f.Version, tuningFileVersion)
	}
	return f, nil
}

// validate reports an entry that cannot be used as it stands.
func (e TuningEntry) validate() error {
	if len(e.Rates) == 0 || e.Chosen < 0 || e.Chosen >= len(e.Rates) {
		return fmt.Errorf("%w: chosen %d of %d rates", errTuningCorrupt, e.Chosen, len(e.Rates))
	}
	if e.Chosen != 0 && e.Algo == ([8]uint64{}) {
		return fmt.Errorf("%w: candidate %d chosen without its algorithm", errTuningCorrupt, e.Chosen)
	}
	return nil
}

// LoadTuning returns the cached entry for key. found is false, with a nil error, when
// the file does not exist or holds no entry for key (another device, driver, library
// or GEMM); a file that cannot be read or parsed, or an unusable entry, is an error
// wrapping errTuningCorrupt or the read error. Either way the caller re-tunes.
func LoadTuning(path string, key TuningKey) (e TuningEntry, found bool, err error) {
	f, err := readTuningFile(path)
	if err != nil {
		return TuningEntry{}, false, err
	}
	for _, e := range f.Entries {
		if e.Key != key {
			continue
		}
		if err := e.validate(); err != nil {
			return TuningEntry{}, false, fmt.Errorf("%s: %w", path, err)
		}
		return e, true, nil
	}
	return TuningEntry{}, false, nil
}

// SaveTuning writes e into the cache at path, replacing any entry of the same key and
// keeping the others (all of them dropped if the file was corrupt). The file is
// written to a temporary file in the same directory and renamed over path, so a
// reader sees the old file or the new one, never half of one. Rates that are not a
// positive finite number (failed candidates) are stored as 0.
func SaveTuning(path string, e TuningEntry) error {
	e.Rates = sanitizeRates(e.Rates)
	if err := e.validate(); err != nil {
		return err
	}
	f, err := readTuningFile(path)
	if err != nil {
		f = tuningFile{Version: tuningFileVersion}
	}
	kept := f.Entries[:0]
	for _, old := range f.Entries {
		if old.Key != e.Key {
			kept = append(kept, old)
		}
	}
	f.Entries = append(kept, e)
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// sanitizeRates copies rates with every value that is not a positive finite number
// as 0 (JSON has no NaN).
func sanitizeRates(rates []float64) []float64 {
	out := make([]float64, len(rates))
	for i, r := range rates {
		if validRate(r) {
			out[i] = r
		}
	}
	return out
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// validRate reports a measured rate that counts: positive and finite.
func validRate(r float64) bool { return r > 0 && !math.IsInf(r, 0) && !math.IsNaN(r) }

// chooseAlgorithm picks among candidates' sustained rates (TOPS), index 0 being
// cuBLASLt's heuristic first choice: another candidate wins only if it beats index
// 0 by at least margin (a fraction: 0.01 is 1 %), since a smaller difference is
// within run-to-run noise. Failed candidates (NaN, ±Inf, ≤ 0) are ignored; if index
// 0 failed the best valid one wins; ties go to the lower index. No valid rate is an
// error.
func chooseAlgorithm(rates []float64, margin float64) (int, error) {
	best := -1
	for i, r := range rates {
		if validRate(r) && (best < 0 || r > rates[best]) {
			best = i
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("cuda autotune: none of %d candidates ran", len(rates))
	}
	if !validRate(rates[0]) || best == 0 {
		return best, nil
	}
	if rates[best] >= rates[0]*(1+margin) {
		return best, nil
	}
	return 0, nil
}

// measurePasses rates n candidates in two passes, ascending then descending, so a
// drift of the device's clock over the measurement (it heats up, it reaches its
// power cap) favours none: rates[i] is the mean of candidate i's two passes. A
// candidate whose run fails (error or invalid rate) is NaN and not run again; each
// failure is reported to failed.
func measurePasses(n int, run func(i int) (float64, error), failed func(i int, err error)) []float64 {
	first := make([]float64, n)
	rates := make([]float64, n)
	one := func(i int) float64 {
		r, err := run(i)
		if err == nil && !validRate(r) {
			err = fmt.Errorf("rate %v", r)
		}
		if err != nil {
			if failed != nil {
				failed(i, err)
			}
			return math.NaN()
		}
		return r
	}
	for i := range n {
		first[i] = one(i)
	}
	for i := n - 1; i >= 0; i-- {
		if math.IsNaN(first[i]) {
			rates[i] = math.NaN()
			continue
		}
		rates[i] = (first[i] + one(i)) / 2
	}
	return rates
}
