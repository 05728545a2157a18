package cuda

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Structural checks on kernels.ptx that do not depend on the interpreter: the
// header, ASCII only, balanced braces, entries and .param lists equal to what the
// host packs, every register declared, every branch target defined, each body
// ending in ret.

var (
	reEntryName = regexp.MustCompile(`\.visible\s+\.entry\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)([^{]*)\{`)
	reRegUse    = regexp.MustCompile(`%[A-Za-z_][A-Za-z0-9_]*(\.[xyz])?`)
	reBra       = regexp.MustCompile(`\bbra\s+([A-Za-z_][A-Za-z0-9_]*)\s*;`)
	reLabelDef  = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_]*):`)
)

// entryBodies returns each entry's header match and its body text.
func entryBodies(t *testing.T, src string) map[string][2]string {
	out := map[string][2]string{}
	for _, loc := range reEntryName.FindAllStringSubmatchIndex(src, -1) {
		name := src[loc[2]:loc[3]]
		depth, end := 0, -1
		for i := loc[1] - 1; i < len(src); i++ {
			if src[i] == '{' {
				depth++
			} else if src[i] == '}' {
				depth--
				if depth == 0 {
					end = i
					break
				}
			}
		}
		if end < 0 {
			t.Fatalf("%s: body not closed", name)
		}
		out[name] = [2]string{src[loc[0]:loc[1]], src[loc[1]:end]}
	}
	return out
}

func TestPTXStructure(t *testing.T) {
	src := stripComments(kernelsPTX)
	for i, r := range kernelsPTX {
		if r > 0x7e || (r < 0x20 && r != '\n' && r != '\t') {
			t.Fatalf("byte %d: %q is not printable ASCII; the JIT reads plain ASCII", i, r)
		}
	}
	var header []string
	for _, l := range strings.Split(src, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			header = append(header, l)
		}
		if len(header) == 3 {
			break
		}
	}
	if !slices.Equal(header, []string{".version 7.0", ".target sm_70", ".address_size 64"}) {
		t.Fatalf("module starts %q", header)
	}
	depth := 0
	for i, c := range src {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth < 0 {
			t.Fatalf("unbalanced } at byte %d", i)
		}
	}
	if depth != 0 {
		t.Fatalf("%d braces left open", depth)
	}

	bodies := entryBodies(t, src)
	if len(bodies) != 2 {
		t.Fatalf("%d entries, want 2", len(bodies))
	}
	for _, k := range []*kernel{&prfKernel, &rowHashKernel} {
		b, ok := bodies[k.name]
		if !ok {
			t.Fatalf("no entry %s", k.name)
		}
		hdr, body := b[0], b[1]
		g := reEntryName.FindStringSubmatch(hdr)
		var got []string
		for _, p := range strings.Split(g[2], ",") {
			got = append(got, strings.Join(strings.Fields(p), " "))
		}
		var want []string
		for _, p := range k.params {
			want = append(want, ".param "+p.typ.ptx()+" "+k.name+"_"+p.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: .param list\n%q\nhost packs\n%q", k.name, got, want)
		}
		if k == &prfKernel && !strings.Contains(g[3], ".reqntid 256, 1, 1") {
			t.Errorf("%s: no .reqntid 256 for the host's block of %d", k.name, k.block)
		}

		declared := map[string]bool{"%tid.x": true, "%ntid.x": true, "%ctaid.x": true}
		var code []string
		for _, l := range strings.Split(body, "\n") {
			l = strings.TrimSpace(l)
			if !strings.HasPrefix(l, ".reg") {
				if l != "" {
					code = append(code, l)
				}
				continue
			}
			_, names, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(l, ".reg"), ";"), "%")
			for _, n := range strings.Split("%"+names, ",") {
				n = strings.TrimSpace(n)
				if m := reRegRange.FindStringSubmatch(n); m != nil {
					count, _ := strconv.Atoi(m[2])
					for i := range count {
						declared[m[1]+strconv.Itoa(i)] = true
					}
				} else {
					declared[n] = true
				}
			}
		}
		for _, l := range code {
			for _, r := range reRegUse.FindAllString(l, -1) {
				if !declared[r] {
					t.Errorf("%s: %q uses undeclared %s", k.name, l, r)
				}
			}
			for _, p := range regexp.MustCompile(`ld\.param\.u(32|64)\s+\S+\s+\[([A-Za-z0-9_]+)\]`).FindAllStringSubmatch(l, -1) {
				if !slices.Contains(want, ".param .u"+p[1]+" "+p[2]) {
					t.Errorf("%s: %q loads a parameter as a type it is not declared with", k.name, l)
				}
			}
		}
		labels := map[string]bool{}
		for _, m := range reLabelDef.FindAllStringSubmatch(body, -1) {
			if labels[m[1]] {
				t.Errorf("%s: label %s defined twice", k.name, m[1])
			}
			labels[m[1]] = true
		}
		for _, m := range reBra.FindAllStringSubmatch(body, -1) {
			if !labels[m[1]] {
				t.Errorf("%s: bra to undefined %s", k.name, m[1])
			}
		}
		if !strings.Contains(body, "\tret;") || code[len(code)-1] != "ret;" {
			t.Errorf("%s: body does not end in ret;", k.name)
		}
	}
}
