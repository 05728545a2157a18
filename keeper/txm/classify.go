package txm

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"

	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// ErrorClass sorts an RPC error by what to do about it. Its string is the metrics
// label.
type ErrorClass string

// Error classes.
const (
	// ClassNone: no error.
	ClassNone ErrorClass = ""
	// ClassCanceled: the caller's context ended; not the node's fault.
	ClassCanceled ErrorClass = "canceled"
	// ClassTransport: no answer (connection refused or reset, DNS, timeout, EOF).
	ClassTransport ErrorClass = "transport"
	// ClassRateLimited: HTTP 429, or a JSON-RPC error with code 429 or -32429 as
	// some RPC providers send.
	ClassRateLimited ErrorClass = "rate_limited"
	// ClassUnavailable: the node cannot answer yet (unhealthy -32005, block not
	// available -32004, status not available yet -32014, min context slot not
	// reached -32016, …), HTTP 5xx, or JSON-RPC internal error -32603.
	ClassUnavailable ErrorClass = "unavailable"
	// ClassBlockhashNotFound: a send refused because the node does not know the
	// transaction's blockhash (-32002 with data.err "BlockhashNotFound"): it expired,
	// or the node lags. Re-signing with a fresh blockhash is the cure.
	ClassBlockhashNotFound ErrorClass = "blockhash_not_found"
	// ClassPreflight: the node's own simulation refused a send (-32002).
	ClassPreflight ErrorClass = "preflight"
	// ClassInvalid: the request is wrong and retrying cannot help: parse error,
	// invalid request or params, method not found, signature verification failure
	// -32003, signature count mismatch -32013, unsupported version -32015, other
	// HTTP 4xx.
	ClassInvalid ErrorClass = "invalid"
	// ClassUnknown: anything else (an undecodable answer, an unlisted code).
	ClassUnknown ErrorClass = "unknown"
)

// Agave's JSON-RPC error codes (rpc-client-api custom_error.rs) and JSON-RPC 2.0's.
const (
	codeParse                    = -32700
	codeInvalidRequest           = -32600
	codeMethodNotFound           = -32601
	codeInvalidParams            = -32602
	codeInternal                 = -32603
	codeBlockCleanedUp           = -32001
	codePreflightFailure         = -32002
	codeSignatureVerification    = -32003
	codeBlockNotAvailable        = -32004
	codeNodeUnhealthy            = -32005
	codePrecompileVerification   = -32006
	codeSlotSkipped              = -32007
	codeSignatureLenMismatch     = -32013
	codeBlockStatusNotAvailable  = -32014
	codeUnsupportedTxVersion     = -32015
	codeMinContextSlotNotReached = -32016
	codeProviderRateLimit        = -32429
	codeRateLimit                = 429
)

// Retryable says whether the same call may succeed later.
func (c ErrorClass) Retryable() bool {
	switch c {
	case ClassTransport, ClassRateLimited, ClassUnavailable, ClassUnknown:
		return true
	}
	return false
}

// Classify sorts err, an error from a solana-go rpc call, by its structure: a
// *jsonrpc.RPCError by code (and, for -32002, by data.err), a *jsonrpc.HTTPError by
// status, network errors by type, context errors as ClassCanceled. It never reads
// message text.
func Classify(err error) ErrorClass {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, context.Canceled) {
		return ClassCanceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// A per-call timeout: the node did not answer in time. Whether the caller's
		// own context ended is for the caller to check.
		return ClassTransport
	}
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) {
		return classifyCode(rpcErr)
	}
	var httpErr *jsonrpc.HTTPError
	if errors.As(err, &httpErr) {
		switch {
		case httpErr.Code == 429:
			return ClassRateLimited
		case httpErr.Code >= 500:
			return ClassUnavailable
		case httpErr.Code >= 400:
			return ClassInvalid
		}
		return ClassUnknown
	}
	var netErr net.Error
	var urlErr *url.Error
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.As(err, &netErr) || errors.As(err, &urlErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) {
		return ClassTransport
	}
	return ClassUnknown
}

func classifyCode(e *jsonrpc.RPCError) ErrorClass {
	switch e.Code {
	case codeRateLimit, codeProviderRateLimit:
		return ClassRateLimited
	case codeInternal, codeNodeUnhealthy, codeBlockNotAvailable, codeBlockStatusNotAvailable,
		codeMinContextSlotNotReached, codeBlockCleanedUp, codeSlotSkipped:
		return ClassUnavailable
	case codePreflightFailure:
		if data, ok := e.Data.(map[string]any); ok && data["err"] == "BlockhashNotFound" {
			return ClassBlockhashNotFound
		}
		return ClassPreflight
	case codeParse, codeInvalidRequest, codeMethodNotFound, codeInvalidParams,
		codeSignatureVerification, codePrecompileVerification, codeSignatureLenMismatch,
		codeUnsupportedTxVersion:
		return ClassInvalid
	}
	return ClassUnknown
}
