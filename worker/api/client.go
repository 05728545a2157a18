package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Clock is the keeper's time source: RTTs are measured on the clock that times the
// challenge (pow's timing rule is on the keeper's clock).
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ClientConfig configures the keeper side of the worker API.
type ClientConfig struct {
	// HTTP sends the requests (a fresh client without a timeout when nil: every call
	// is bounded by its context).
	HTTP *http.Client
	// Clock times round trips (the wall clock when nil).
	Clock Clock
}

// Client calls workers' APIs. Safe for concurrent use.
type Client struct {
	http  *http.Client
	clock Clock
}

// NewClient fills defaults.
func NewClient(cfg ClientConfig) *Client {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	return &Client{http: cfg.HTTP, clock: cfg.Clock}
}

// Info fetches GET endpoint/v1/info and returns it with the request's round-trip
// time on the client's clock. Errors: ErrUnreachable (wrapped) without an answer,
// *StatusError for an error status, a JSON error for a garbled body.
func (c *Client) Info(ctx context.Context, endpoint string) (Info, time.Duration, error) {
	body, rtt, err := c.do(ctx, http.MethodGet, endpoint, PathInfo, nil, MaxInfoBody)
	if err != nil {
		return Info{}, rtt, err
	}
	var info Info
	if err := json.Unmarshal(body, &info); err != nil {
		return Info{}, rtt, fmt.Errorf("worker api: info from %s: %w", endpoint, err)
	}
	return info, rtt, nil
}

// RTT times HEAD endpoint/v1/info on the client's clock: the round trip the timing
// rule allows for. Taken just before a challenge, on a connection that is then warm.
func (c *Client) RTT(ctx context.Context, endpoint string) (time.Duration, error) {
	_, rtt, err := c.do(ctx, http.MethodHead, endpoint, PathInfo, nil, 0)
	return rtt, err
}

// Challenge posts a signed pow.Challenge and returns the worker's signed commitment
// as sent (the keeper's pow.Session checks it). Errors as Info's.
func (c *Client) Challenge(ctx context.Context, endpoint string, challenge []byte) ([]byte, error) {
	out, _, err := c.do(ctx, http.MethodPost, endpoint, PathChallenge, challenge, MaxResponseBody)
	return out, err
}

// Open posts a signed pow.OpeningRequest and returns the worker's signed openings.
func (c *Client) Open(ctx context.Context, endpoint string, request []byte) ([]byte, error) {
	out, _, err := c.do(ctx, http.MethodPost, endpoint, PathOpen, request, MaxResponseBody)
	return out, err
}

// Probe posts a signed uptime.Probe and returns the worker's signed answer with the
// round-trip time.
func (c *Client) Probe(ctx context.Context, endpoint string, probe []byte) ([]byte, time.Duration, error) {
	return c.do(ctx, http.MethodPost, endpoint, PathProbe, probe, MaxProbeBody*4)
}

// do sends one request and reads at most limit bytes of the answer; rtt runs from
// just before sending to the end of the body.
func (c *Client) do(ctx context.Context, method, endpoint, path string, body []byte, limit int64) ([]byte, time.Duration, error) {
	url := strings.TrimRight(endpoint, "/") + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, 0, fmt.Errorf("worker api: %s %s: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ContentType)
	}
	start := c.clock.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	rtt := c.clock.Now().Sub(start)
	if err != nil {
		return nil, rtt, fmt.Errorf("%w: %s %s: reading the answer: %w", ErrUnreachable, method, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, rtt, fmt.Errorf("%s %s: %w", method, url, decodeError(resp.StatusCode, out))
	}
	if int64(len(out)) > limit {
		return nil, rtt, fmt.Errorf("worker api: %s %s: answer over %d bytes: %w", method, url, limit, ErrAnswerTooLarge)
	}
	return out, rtt, nil
}

// ErrAnswerTooLarge is returned for an answer over the client's bound for its endpoint.
var ErrAnswerTooLarge = errors.New("worker api: answer too large")
