// Package wire is the signed message format shared by proof of compute and uptime:
// a version byte, a kind byte, the signer's ed25519 key, a length-prefixed payload
// and a signature, decoded strictly so that bad input fails with a clear error.
package wire

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the only envelope version this code reads or writes.
const Version = 1

// Kind says what the payload is; the signature covers it, so a message of one kind
// cannot be replayed as another.
type Kind uint8

// Every message kind of the protocol, in one place so numbers never collide.
const (
	KindChallenge      Kind = 1
	KindCommitment     Kind = 2
	KindOpeningRequest Kind = 3
	KindOpenings       Kind = 4
	KindProbe          Kind = 5
	KindProbeAnswer    Kind = 6
)

// domain separates ionet signatures from any other use of the same key.
const domain = "ionet-msg-v1"

const headerLen = 1 + 1 + ed25519.PublicKeySize + 4

// MaxPayload bounds what Open accepts, so a hostile length cannot ask for gigabytes.
const MaxPayload = 64 << 20

// Errors returned by Open; test with errors.Is.
var (
	ErrLength    = errors.New("wire: bad message length")
	ErrVersion   = errors.New("wire: unsupported version")
	ErrKind      = errors.New("wire: unexpected message kind")
	ErrSignature = errors.New("wire: bad signature")
	ErrSigner    = errors.New("wire: unexpected signer")
)

// Message is an opened, signature-checked envelope.
type Message struct {
	Kind    Kind
	Signer  ed25519.PublicKey
	Payload []byte
}

// Seal signs payload as a message of the given kind.
func Seal(kind Kind, key ed25519.PrivateKey, payload []byte) []byte {
	out := make([]byte, headerLen, headerLen+len(payload)+ed25519.SignatureSize)
	out[0] = Version
	out[1] = byte(kind)
	copy(out[2:], key.Public().(ed25519.PublicKey))
	binary.BigEndian.PutUint32(out[2+ed25519.PublicKeySize:], uint32(len(payload)))
	out = append(out, payload...)
	return append(out, ed25519.Sign(key, signedBytes(out))...)
}

func signedBytes(body []byte) []byte {
	return append([]byte(domain), body...)
}

// Open checks version, kind, length and signature, in that order, and returns the
// message. The payload aliases msg.
func Open(msg []byte, want Kind) (Message, error) {
	if len(msg) < headerLen+ed25519.SignatureSize {
		return Message{}, fmt.Errorf("open %d-byte message: %w", len(msg), ErrLength)
	}
	if msg[0] != Version {
		return Message{}, fmt.Errorf("open message of version %d: %w", msg[0], ErrVersion)
	}
	if Kind(msg[1]) != want {
		return Message{}, fmt.Errorf("open message of kind %d, want %d: %w", msg[1], want, ErrKind)
	}
	n := binary.BigEndian.Uint32(msg[2+ed25519.PublicKeySize:])
	if n > MaxPayload || uint64(len(msg)) != uint64(headerLen)+uint64(n)+ed25519.SignatureSize {
		return Message{}, fmt.Errorf("open message with %d-byte payload in %d bytes: %w", n, len(msg), ErrLength)
	}
	body := msg[:len(msg)-ed25519.SignatureSize]
	signer := ed25519.PublicKey(msg[2 : 2+ed25519.PublicKeySize])
	if !ed25519.Verify(signer, signedBytes(body), msg[len(body):]) {
		return Message{}, fmt.Errorf("open message of kind %d: %w", want, ErrSignature)
	}
	return Message{Kind: want, Signer: signer, Payload: msg[headerLen:len(body)]}, nil
}

// OpenFrom is Open plus a check that the expected key signed it.
func OpenFrom(msg []byte, want Kind, signer ed25519.PublicKey) (Message, error) {
	m, err := Open(msg, want)
	if err != nil {
		return Message{}, err
	}
	if !m.Signer.Equal(signer) {
		return Message{}, fmt.Errorf("open message of kind %d signed by %x: %w", want, []byte(m.Signer), ErrSigner)
	}
	return m, nil
}
