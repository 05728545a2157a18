package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// cappedFile keeps at most max bytes of a job's output; the rest is dropped once,
// with a note.
type cappedFile struct {
	mu      sync.Mutex
	f       *os.File
	n, max  int64
	dropped bool
}

func openCapped(path string, max int64) (*cappedFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("job output: %w", err)
	}
	return &cappedFile{f: f, max: max}, nil
}

func (c *cappedFile) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return len(p), nil
	}
	room := c.max - c.n
	if int64(len(p)) <= room {
		n, err := c.f.Write(p)
		c.n += int64(n)
		return len(p), err
	}
	if room > 0 {
		n, _ := c.f.Write(p[:room])
		c.n += int64(n)
	}
	if !c.dropped {
		c.dropped = true
		_, _ = fmt.Fprintf(c.f, "\n[ionet-worker: output over %d bytes dropped]\n", c.max)
	}
	return len(p), nil
}

func (c *cappedFile) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	return err
}

// ServeHTTP serves POST /jobs, GET /jobs (the signer's jobs), GET /jobs/{id}, GET /jobs/{id}/logs and DELETE
// /jobs/{id}. Errors are JSON {"error": "…"} with a 4xx status for bad input.
func (m *Manager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/jobs")
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	var limit int64 = 0
	if r.Method == http.MethodPost {
		limit = MaxSpecBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max(limit, 1)))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max(limit, 1)))
			return
		}
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	if r.Method != http.MethodPost && len(body) > 0 {
		writeError(w, http.StatusBadRequest, r.Method+" takes no body")
		return
	}
	signer, err := verify(r, body, m.cfg.Now())
	if err != nil {
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	switch {
	case rest == "" || rest == "/":
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, m.list(signer))
			return
		}
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, r.Method+" /jobs: use POST or GET")
			return
		}
		st, created, err := m.start(r.Context(), signer, body)
		if err != nil {
			writeErr(w, err)
			return
		}
		code := http.StatusOK
		if created {
			code = http.StatusCreated
		}
		writeJSON(w, code, st)
	case len(parts) == 1:
		j, err := m.job(parts[0], signer)
		if err != nil {
			writeErr(w, err)
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, j.snapshot())
		case http.MethodDelete:
			m.stop(j, "stopped by the renter")
			writeJSON(w, http.StatusOK, j.snapshot())
		default:
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use GET or DELETE")
		}
	case len(parts) == 2 && parts[1] == "logs":
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use GET")
			return
		}
		j, err := m.job(parts[0], signer)
		if err != nil {
			writeErr(w, err)
			return
		}
		m.serveLogs(w, r, j)
	default:
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	}
}

func (m *Manager) serveLogs(w http.ResponseWriter, r *http.Request, j *job) {
	var offset int64
	if s := r.URL.Query().Get("offset"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			writeError(w, http.StatusBadRequest, "offset "+strconv.Quote(s)+": a byte offset ≥ 0")
			return
		}
		offset = v
	}
	f, err := os.Open(filepath.Join(j.dir, "output.log"))
	if err != nil {
		writeError(w, http.StatusNotFound, "job "+j.status.ID+" has no output")
		return
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeErr(w http.ResponseWriter, err error) {
	var re *requestError
	if errors.As(err, &re) {
		writeError(w, re.status, re.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}
