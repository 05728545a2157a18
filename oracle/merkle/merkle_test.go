package merkle

import (
	"crypto/sha256"
	"errors"
	"testing"
)

func sum(parts ...[]byte) Hash {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// inner is HashPair spelled out independently of the implementation.
func inner(a, b Hash) Hash {
	for i := range a {
		if a[i] != b[i] {
			if a[i] > b[i] {
				a, b = b, a
			}
			break
		}
	}
	return sum([]byte{1}, a[:], b[:])
}

func TestEmptyTreeHasNoRoot(t *testing.T) {
	if _, err := New(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("New(nil) error = %v, want ErrEmpty", err)
	}
}

func TestOneLeafRootIsLeafHash(t *testing.T) {
	tr, err := FromLeaves([][]byte{[]byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if want := sum([]byte{0}, []byte("x")); tr.Root() != want {
		t.Fatalf("root = %x, want %x", tr.Root(), want)
	}
	p, err := tr.Proof(0)
	if err != nil || len(p) != 0 {
		t.Fatalf("proof = %v, %v; want empty", p, err)
	}
}

func TestShapeOfFiveLeaves(t *testing.T) {
	leaves := [][]byte{{0}, {1}, {2}, {3}, {4}}
	var l [5]Hash
	for i, b := range leaves {
		l[i] = sum([]byte{0}, b)
	}
	// Level 1: (0,1),(2,3), 4 carried; level 2: (01,23), 4 carried; root: (0123,4).
	want := inner(inner(inner(l[0], l[1]), inner(l[2], l[3])), l[4])
	tr, err := FromLeaves(leaves)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Root() != want {
		t.Fatalf("root = %x, want %x", tr.Root(), want)
	}
	p, _ := tr.Proof(4)
	if len(p) != 1 || p[0] != inner(inner(l[0], l[1]), inner(l[2], l[3])) {
		t.Fatalf("proof of carried leaf = %x, want the single sibling 0123", p)
	}
}

func TestProofsVerifyAndTamperingFails(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = []byte{byte(i), byte(n)}
		}
		tr, err := FromLeaves(leaves)
		if err != nil {
			t.Fatal(err)
		}
		for i := range leaves {
			p, err := tr.Proof(i)
			if err != nil {
				t.Fatal(err)
			}
			leaf := LeafHash(leaves[i])
			if !Verify(tr.Root(), leaf, p) {
				t.Fatalf("n=%d i=%d: valid proof rejected", n, i)
			}
			if Verify(tr.Root(), LeafHash([]byte{byte(i), byte(n), 0}), p) {
				t.Fatalf("n=%d i=%d: wrong leaf accepted", n, i)
			}
			if len(p) > 0 {
				bad := append([]Hash(nil), p...)
				bad[0][0] ^= 1
				if Verify(tr.Root(), leaf, bad) {
					t.Fatalf("n=%d i=%d: tampered proof accepted", n, i)
				}
			}
		}
		if _, err := tr.Proof(n); !errors.Is(err, ErrIndex) {
			t.Fatalf("proof past the end: err = %v", err)
		}
	}
}

func TestLeafIsNotAnInnerNode(t *testing.T) {
	// A 64-byte leaf equal to two sorted children must not hash to their parent.
	a, b := LeafHash([]byte("a")), LeafHash([]byte("b"))
	if a[0] > b[0] {
		a, b = b, a
	}
	if LeafHash(append(a[:], b[:]...)) == HashPair(a, b) {
		t.Fatal("leaf and inner domains collide")
	}
}
