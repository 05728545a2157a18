package jobs

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client is a renter's side of the jobs API: every request is signed with Key.
type Client struct {
	Key  ed25519.PrivateKey
	HTTP *http.Client // http.DefaultClient when nil
	Now  func() time.Time
}

// StatusError is a worker's refusal.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string { return fmt.Sprintf("jobs: status %d: %s", e.Status, e.Message) }

func (c Client) do(ctx context.Context, method, endpoint, path string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	Sign(req, c.Key, body, now())
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxOutput+1<<10))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("jobs: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.Unmarshal(out, &e)
		return nil, resp.StatusCode, &StatusError{Status: resp.StatusCode, Message: e.Error}
	}
	return out, resp.StatusCode, nil
}

func (c Client) status(ctx context.Context, method, endpoint, path string, body []byte) (Status, error) {
	out, _, err := c.do(ctx, method, endpoint, path, body)
	if err != nil {
		return Status{}, err
	}
	var s Status
	if err := json.Unmarshal(out, &s); err != nil {
		return Status{}, fmt.Errorf("jobs: %s %s: %w", method, path, err)
	}
	return s, nil
}

// Submit posts spec to the worker at endpoint.
func (c Client) Submit(ctx context.Context, endpoint string, spec Spec) (Status, error) {
	body, err := json.Marshal(spec)
	if err != nil {
		return Status{}, err
	}
	return c.status(ctx, http.MethodPost, endpoint, "/jobs", body)
}

// List is GET /jobs: every job of the signing renter on the worker at endpoint,
// whatever its order or state, oldest first.
func (c Client) List(ctx context.Context, endpoint string) ([]Status, error) {
	out, _, err := c.do(ctx, http.MethodGet, endpoint, "/jobs", nil)
	if err != nil {
		return nil, err
	}
	var s []Status
	if err := json.Unmarshal(out, &s); err != nil {
		return nil, fmt.Errorf("jobs: GET /jobs: %w", err)
	}
	return s, nil
}

// Job is GET /jobs/{id}.
func (c Client) Job(ctx context.Context, endpoint, id string) (Status, error) {
	return c.status(ctx, http.MethodGet, endpoint, "/jobs/"+id, nil)
}

// Stop is DELETE /jobs/{id}.
func (c Client) Stop(ctx context.Context, endpoint, id string) (Status, error) {
	return c.status(ctx, http.MethodDelete, endpoint, "/jobs/"+id, nil)
}

// Logs is GET /jobs/{id}/logs: the job's output so far.
func (c Client) Logs(ctx context.Context, endpoint, id string) (string, error) {
	out, _, err := c.do(ctx, http.MethodGet, endpoint, "/jobs/"+id+"/logs", nil)
	return string(out), err
}
