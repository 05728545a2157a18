package wire

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

func key(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = b
	return ed25519.NewKeyFromSeed(seed)
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := key(1)
	msg := Seal(KindProbe, k, []byte("hello"))
	m, err := OpenFrom(msg, KindProbe, k.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Payload) != "hello" || m.Kind != KindProbe {
		t.Fatalf("got %+v", m)
	}
}

func TestOpenRejects(t *testing.T) {
	k := key(1)
	good := Seal(KindCommitment, k, []byte("payload"))
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, ErrLength},
		{"truncated", good[:len(good)-1], ErrLength},
		{"extended", append(append([]byte(nil), good...), 0), ErrLength},
		{"version", mut(func(b []byte) []byte { b[0] = 2; return b }), ErrVersion},
		{"kind", mut(func(b []byte) []byte { b[1] = byte(KindOpenings); return b }), ErrKind},
		{"huge length", mut(func(b []byte) []byte { b[34] = 0xff; return b }), ErrLength},
		{"payload flipped", mut(func(b []byte) []byte { b[headerLen] ^= 1; return b }), ErrSignature},
		{"signature flipped", mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrSignature},
		{"signer swapped", mut(func(b []byte) []byte { copy(b[2:], key(2).Public().(ed25519.PublicKey)); return b }), ErrSignature},
	}
	for _, c := range cases {
		if _, err := Open(c.msg, KindCommitment); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := OpenFrom(good, KindCommitment, key(2).Public().(ed25519.PublicKey)); !errors.Is(err, ErrSigner) {
		t.Errorf("other signer: err = %v", err)
	}
}

func TestReaderStrict(t *testing.T) {
	var w Writer
	w.U8(7)
	w.Var([]byte("abc"))
	w.U64(9)
	r := NewReader(w.Bytes())
	if r.U8("a") != 7 || string(r.Var(3, "b")) != "abc" || r.U64("c") != 9 || r.Done() != nil {
		t.Fatal("round trip failed")
	}
	r = NewReader(w.Bytes())
	r.U8("a")
	r.Var(2, "b")
	if !errors.Is(r.Done(), ErrPayload) {
		t.Fatal("over-long field accepted")
	}
	r = NewReader(append(w.Bytes(), 0))
	r.U8("a")
	r.Var(3, "b")
	r.U64("c")
	if !errors.Is(r.Done(), ErrPayload) {
		t.Fatal("trailing byte accepted")
	}
	r = NewReader(w.Bytes()[:5])
	r.U8("a")
	r.Var(3, "b")
	if !errors.Is(r.Done(), ErrPayload) {
		t.Fatal("short payload accepted")
	}
}
