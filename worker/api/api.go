// Package api is the worker agent's HTTP API (docs/design.md §7), served by ionet-worker
// (worker/agent): the server (NewServer, an http.Handler) and the
// keeper side's Client. Request and response bodies of the protocol endpoints are
// the signed oracle/wire messages, application/octet-stream:
//
//	POST /v1/pow/challenge   signed pow.Challenge      → signed pow.Commitment
//	POST /v1/pow/open        signed pow.OpeningRequest → signed pow.Openings
//	POST /v1/uptime/probe    signed uptime.Probe       → signed uptime.Answer
//	GET  /v1/info            Info as JSON (HEAD too: the keeper times it as the RTT)
//
// Errors are 4xx (bad input: garbled body, wrong signer, unknown keeper, too large)
// or 5xx (the device failed) with a JSON body {"error": "..."}; bad input never
// panics the server.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Paths of the worker API.
const (
	PathChallenge = "/v1/pow/challenge"
	PathOpen      = "/v1/pow/open"
	PathProbe     = "/v1/uptime/probe"
	PathInfo      = "/v1/info"
)

// ContentType is the media type of the signed message bodies.
const ContentType = "application/octet-stream"

// Request body limits, bytes. A challenge carries a class name and a GPU UUID (each
// at most a few hundred bytes in practice), an opening request 8 bytes per row (64
// rows by default; MaxOpenBody allows 8,000), a probe a fixed 200 or so.
const (
	MaxChallengeBody = 16 << 10
	MaxOpenBody      = 64 << 10
	MaxProbeBody     = 4 << 10
	// MaxInfoBody bounds the JSON the client reads from GET /v1/info.
	MaxInfoBody = 64 << 10
	// MaxResponseBody bounds what the client reads from a protocol endpoint: the
	// largest payload oracle/wire accepts plus its envelope.
	MaxResponseBody = 64<<20 + 1<<10
)

// Info is GET /v1/info: who the worker is and what it offers.
type Info struct {
	// Worker is the worker's ed25519 identity key, base58: it signs commitments,
	// openings and probe answers.
	Worker string `json:"worker"`
	// Node is the io-staking node account the worker serves, base58 ("" if unknown).
	Node string `json:"node,omitempty"`
	// Class is the proof-of-compute class name (oracle/classes) the worker answers.
	Class string `json:"class"`
	// GPUs is the number of devices a challenge may name by index (a CPU counts as 1).
	GPUs int `json:"gpus"`
	// GPUUUIDs are the devices' UUIDs by index, bound into the challenge seed ("" for
	// a device without one, e.g. a CPU).
	GPUUUIDs []string `json:"gpuUuids,omitempty"`
	// Version is the worker software's version.
	Version string `json:"version"`
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// ErrUnreachable wraps every failure to get an HTTP answer at all (connection
// refused, reset, timed out, cancelled); test with errors.Is.
var ErrUnreachable = errors.New("worker api: unreachable")

// StatusError is a worker's error response: its HTTP status and the JSON message.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("worker api: status %d: %s", e.Status, e.Message)
}

func decodeError(status int, body []byte) error {
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error == "" {
		msg := string(body)
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return &StatusError{Status: status, Message: msg}
	}
	return &StatusError{Status: status, Message: eb.Error}
}
