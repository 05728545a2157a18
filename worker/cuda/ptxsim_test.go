package cuda

// A Go interpreter for the subset of PTX that kernels.ptx uses, so the kernels run
// here, where there is no GPU, against oracle/pow. It is strict on purpose: an
// instruction, modifier, register width or address outside the subset is an error,
// not a guess. It models one thing ptxas would check (declared registers of the
// right width) and the memory rules that matter for these kernels (bounds of every
// buffer, shared memory per block, local memory per thread, a barrier).
// What it cannot prove is that its reading of each instruction is the hardware's;
// the backend's on-device known-answer test covers that.

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unsafe"
)

type simSpace uint8

const (
	spaceGlobal simSpace = iota
	spaceShared
	spaceLocal
	spaceConst
)

type simSym struct {
	space simSpace
	addr  uint64
	size  uint64
}

type simParam struct {
	name string
	typ  string // ".u32" or ".u64"
}

type simEntry struct {
	name     string
	params   []simParam
	reqntid  uint32 // 0 when not declared
	regWidth []int  // per register slot: 1 (predicate), 32 or 64
	regs     map[string]int
	syms     map[string]simSym // shared and local symbols
	shared   uint64
	local    uint64
	code     []simInstr
	labels   map[string]int
}

type simModule struct {
	version, target, addressSize string
	constMem                     []byte
	consts                       map[string]simSym
	entries                      map[string]*simEntry
}

type opKind uint8

const (
	opReg opKind = iota
	opImm
	opSpecial
	opSym
	opMem
	opLabel
)

type simOperand struct {
	kind    opKind
	reg     int
	imm     uint64
	special string
	sym     simSym
	off     int64  // opMem: [reg+off]
	param   string // opMem: [param]
	label   int
}

type simInstr struct {
	text   string
	guard  int // predicate register, −1 when unguarded
	negate bool
	op     string
	args   []simOperand
}

var (
	reLabel    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_$]*):\s*`)
	reRegRange = regexp.MustCompile(`^(%[A-Za-z_][A-Za-z0-9_]*)<(\d+)>$`)
	reIdent    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)
	reReg      = regexp.MustCompile(`^%[A-Za-z_][A-Za-z0-9_]*$`)
	reMem      = regexp.MustCompile(`^\[\s*([%A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\s*(-?\d+))?\s*\]$`)
	reArray    = regexp.MustCompile(`^\.(shared|local|const)\s+\.align\s+(\d+)\s+\.b8\s+([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]\s*(?:=\s*\{([^}]*)\})?$`)
)

// stripComments removes // comments; kernels.ptx has no block comments.
func stripComments(src string) string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// ptxStatements splits the module into statements ending at ';' and the tokens
// "{" and "}" that open and close a function body (braces inside an initializer stay
// in their statement).
func ptxStatements(src string) []string {
	var out []string
	var cur strings.Builder
	inInit := false
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	// The module directives end at the end of their line, not at a ';'.
	var lines []string
	for _, l := range strings.Split(stripComments(src), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ".version") || strings.HasPrefix(t, ".target") || strings.HasPrefix(t, ".address_size") {
			l += ";"
		}
		lines = append(lines, l)
	}
	for _, r := range strings.Join(lines, "\n") {
		switch {
		case r == '{' && strings.Contains(cur.String(), "="):
			inInit = true
			cur.WriteRune(r)
		case r == '}' && inInit:
			inInit = false
			cur.WriteRune(r)
		case (r == '{' || r == '}') && !inInit:
			flush()
			out = append(out, string(r))
		case r == ';' && !inInit:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

func fields(s string) []string { return strings.Fields(s) }

func parsePTX(src string) (*simModule, error) {
	m := &simModule{consts: map[string]simSym{}, entries: map[string]*simEntry{}}
	st := ptxStatements(src)
	for i := 0; i < len(st); i++ {
		s := st[i]
		f := fields(s)
		switch {
		case f[0] == ".version" && len(f) == 2:
			m.version = f[1]
		case f[0] == ".target" && len(f) == 2:
			m.target = f[1]
		case f[0] == ".address_size" && len(f) == 2:
			m.addressSize = f[1]
		case f[0] == ".const":
			sym, data, err := parseArray(s, uint64(len(m.constMem)))
			if err != nil {
				return nil, err
			}
			if sym.space != spaceConst {
				return nil, fmt.Errorf("module-level %q: only .const is supported", s)
			}
			m.constMem = append(m.constMem, data...)
			m.consts[arrayName(s)] = sym
		case f[0] == ".visible" && len(f) > 1 && f[1] == ".entry":
			if i+1 >= len(st) || st[i+1] != "{" {
				return nil, fmt.Errorf("entry %q without a body", s)
			}
			end := i + 2
			for end < len(st) && st[end] != "}" {
				end++
			}
			if end == len(st) {
				return nil, fmt.Errorf("entry %q: body not closed", s)
			}
			e, err := parseEntry(m, s, st[i+2:end])
			if err != nil {
				return nil, err
			}
			m.entries[e.name] = e
			i = end
		default:
			return nil, fmt.Errorf("unsupported module statement %q", s)
		}
	}
	return m, nil
}

func arrayName(s string) string { return reArray.FindStringSubmatch(strings.Join(fields(s), " "))[3] }

// parseArray reads ".space .align N .b8 name[size] [= {bytes}]" placed at base.
func parseArray(s string, base uint64) (simSym, []byte, error) {
	g := reArray.FindStringSubmatch(strings.Join(fields(s), " "))
	if g == nil {
		return simSym{}, nil, fmt.Errorf("unsupported declaration %q", s)
	}
	align, _ := strconv.ParseUint(g[2], 10, 64)
	size, _ := strconv.ParseUint(g[4], 10, 64)
	if align == 0 || base%align != 0 {
		return simSym{}, nil, fmt.Errorf("%q: alignment %d at %d", s, align, base)
	}
	space := map[string]simSpace{"shared": spaceShared, "local": spaceLocal, "const": spaceConst}[g[1]]
	data := make([]byte, size)
	if g[5] != "" {
		vals := strings.Split(g[5], ",")
		if uint64(len(vals)) != size {
			return simSym{}, nil, fmt.Errorf("%q: %d initializers for %d bytes", g[3], len(vals), size)
		}
		for j, v := range vals {
			b, err := strconv.ParseUint(strings.TrimSpace(v), 10, 8)
			if err != nil {
				return simSym{}, nil, fmt.Errorf("%q: initializer %d: %w", g[3], j, err)
			}
			data[j] = byte(b)
		}
	} else if space == spaceConst {
		return simSym{}, nil, fmt.Errorf("%q: .const without initializer", g[3])
	}
	return simSym{space: space, addr: base, size: size}, data, nil
}

var reEntry = regexp.MustCompile(`^\.visible\s+\.entry\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*(?:\.reqntid\s+(\d+)\s*,\s*1\s*,\s*1)?$`)

func parseEntryHeader(s string) (name string, params []simParam, reqntid uint32, err error) {
	g := reEntry.FindStringSubmatch(strings.TrimSpace(s))
	if g == nil {
		return "", nil, 0, fmt.Errorf("unsupported entry header %q", s)
	}
	for _, p := range strings.Split(g[2], ",") {
		f := fields(p)
		if len(f) != 3 || f[0] != ".param" || (f[1] != ".u32" && f[1] != ".u64") {
			return "", nil, 0, fmt.Errorf("entry %s: unsupported parameter %q", g[1], p)
		}
		params = append(params, simParam{name: f[2], typ: f[1]})
	}
	if g[3] != "" {
		n, _ := strconv.ParseUint(g[3], 10, 32)
		reqntid = uint32(n)
	}
	return g[1], params, reqntid, nil
}

func parseEntry(m *simModule, header string, body []string) (*simEntry, error) {
	name, params, reqntid, err := parseEntryHeader(header)
	if err != nil {
		return nil, err
	}
	e := &simEntry{name: name, params: params, reqntid: reqntid, regs: map[string]int{},
		syms: map[string]simSym{}, labels: map[string]int{}}
	var instrs []string
	for _, s := range body {
		for {
			g := reLabel.FindStringSubmatch(s)
			if g == nil {
				break
			}
			if _, dup := e.labels[g[1]]; dup {
				return nil, fmt.Errorf("%s: label %s twice", name, g[1])
			}
			e.labels[g[1]] = len(instrs)
			s = s[len(g[0]):]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		f := fields(s)
		switch f[0] {
		case ".reg":
			if err := e.declareRegs(s); err != nil {
				return nil, err
			}
		case ".shared", ".local":
			base := &e.shared
			if f[0] == ".local" {
				base = &e.local
			}
			sym, _, err := parseArray(s, *base)
			if err != nil {
				return nil, err
			}
			e.syms[arrayName(s)] = sym
			*base += sym.size
		default:
			instrs = append(instrs, s)
		}
	}
	for _, p := range instrs {
		in, err := e.compile(m, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", name, p, err)
		}
		e.code = append(e.code, in)
	}
	return e, nil
}

func (e *simEntry) declareRegs(s string) error {
	rest := strings.TrimSpace(strings.TrimPrefix(s, ".reg"))
	typ, names, _ := strings.Cut(rest, " ")
	width := map[string]int{".pred": 1, ".b32": 32, ".b64": 64}[typ]
	if width == 0 {
		return fmt.Errorf("unsupported register type in %q", s)
	}
	add := func(n string) error {
		if !reReg.MatchString(n) {
			return fmt.Errorf("bad register name %q", n)
		}
		if _, dup := e.regs[n]; dup {
			return fmt.Errorf("register %s declared twice", n)
		}
		e.regs[n] = len(e.regWidth)
		e.regWidth = append(e.regWidth, width)
		return nil
	}
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if g := reRegRange.FindStringSubmatch(n); g != nil {
			count, _ := strconv.Atoi(g[2])
			for i := range count {
				if err := add(g[1] + strconv.Itoa(i)); err != nil {
					return err
				}
			}
			continue
		}
		if err := add(n); err != nil {
			return err
		}
	}
	return nil
}

// Operand shapes per instruction: d = destination register, s = source register or
// immediate, r = source register only, m = memory, p = predicate, l = label; the
// number is the register width (0 for any width ≥ the access size).
var simOps = map[string]string{
	"ld.param.u32": "d32 m", "ld.param.u64": "d64 m",
	"ld.global.nc.u32": "d32 m", "ld.shared.u32": "d32 m", "ld.local.u32": "d32 m", "ld.const.u32": "d32 m",
	"st.shared.u32": "m r32", "st.local.u32": "m r32", "st.global.u8": "m r32",
	"cvta.to.global.u64": "d64 r64",
	"mov.u32":            "d32 s32", "mov.b32": "d32 s32", "mov.u64": "d64 s64",
	"add.u32": "d32 r32 s32", "sub.u32": "d32 r32 s32", "mul.lo.u32": "d32 r32 s32", "div.u32": "d32 r32 s32",
	"and.b32": "d32 r32 s32", "or.b32": "d32 r32 s32", "xor.b32": "d32 r32 s32", "not.b32": "d32 r32",
	"shl.b32": "d32 r32 s32", "shr.u32": "d32 r32 s32",
	"add.u64": "d64 r64 s64", "shl.b64": "d64 r64 s32", "shr.u64": "d64 r64 s32",
	"mul.wide.u32": "d64 r32 s32", "cvt.u64.u32": "d64 r32", "cvt.u32.u64": "d32 r64",
	"bfe.u32": "d32 r32 s32 s32", "shf.r.wrap.b32": "d32 r32 r32 s32",
	"setp.lt.u32": "p r32 s32", "setp.ge.u32": "p r32 s32", "setp.eq.u32": "p r32 s32",
	"bra": "l", "bar.sync": "i", "ret": "",
}

func (e *simEntry) compile(m *simModule, s string) (simInstr, error) {
	in := simInstr{text: s, guard: -1}
	if strings.HasPrefix(s, "@") {
		g, rest, _ := strings.Cut(s[1:], " ")
		if strings.HasPrefix(g, "!") {
			in.negate, g = true, g[1:]
		}
		r, ok := e.regs[g]
		if !ok || e.regWidth[r] != 1 {
			return in, fmt.Errorf("guard %s is not a declared predicate", g)
		}
		in.guard, s = r, strings.TrimSpace(rest)
	}
	op, rest, _ := strings.Cut(s, " ")
	shape, ok := simOps[op]
	if !ok {
		return in, fmt.Errorf("instruction %s is outside the interpreted subset", op)
	}
	in.op = op
	var args []string
	if rest = strings.TrimSpace(rest); rest != "" {
		for _, a := range strings.Split(rest, ",") {
			args = append(args, strings.TrimSpace(a))
		}
	}
	kinds := fields(shape)
	if len(args) != len(kinds) {
		return in, fmt.Errorf("%d operands, %s takes %d", len(args), op, len(kinds))
	}
	for i, a := range args {
		o, err := e.operand(m, kinds[i], a)
		if err != nil {
			return in, fmt.Errorf("operand %d %q: %w", i, a, err)
		}
		in.args = append(in.args, o)
	}
	return in, nil
}

func (e *simEntry) operand(m *simModule, kind, a string) (simOperand, error) {
	want, _ := strconv.Atoi(kind[1:])
	reg := func() (simOperand, error) {
		r, ok := e.regs[a]
		if !ok {
			return simOperand{}, fmt.Errorf("undeclared register")
		}
		if e.regWidth[r] != want {
			return simOperand{}, fmt.Errorf("register is %d bits, want %d", e.regWidth[r], want)
		}
		return simOperand{kind: opReg, reg: r}, nil
	}
	switch kind[0] {
	case 'd', 'r':
		return reg()
	case 'p':
		r, ok := e.regs[a]
		if !ok || e.regWidth[r] != 1 {
			return simOperand{}, fmt.Errorf("not a declared predicate")
		}
		return simOperand{kind: opReg, reg: r}, nil
	case 's':
		switch {
		case a == "%tid.x" || a == "%ntid.x" || a == "%ctaid.x":
			return simOperand{kind: opSpecial, special: a}, nil
		case strings.HasPrefix(a, "%"):
			return reg()
		case reIdent.MatchString(a):
			if want != 64 {
				return simOperand{}, fmt.Errorf("symbol address into a %d-bit register", want)
			}
			if sym, ok := e.syms[a]; ok {
				return simOperand{kind: opSym, sym: sym}, nil
			}
			if sym, ok := m.consts[a]; ok {
				return simOperand{kind: opSym, sym: sym}, nil
			}
			return simOperand{}, fmt.Errorf("unknown symbol")
		default:
			v, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return simOperand{}, fmt.Errorf("immediate: %w", err)
			}
			if want == 32 && (v < -1<<31 || v > 1<<31-1) {
				return simOperand{}, fmt.Errorf("immediate %d outside the signed 32-bit range", v)
			}
			return simOperand{kind: opImm, imm: uint64(v)}, nil
		}
	case 'm':
		g := reMem.FindStringSubmatch(a)
		if g == nil {
			return simOperand{}, fmt.Errorf("not a memory operand")
		}
		o := simOperand{kind: opMem}
		if g[2] != "" {
			o.off, _ = strconv.ParseInt(g[2], 10, 64)
		}
		if strings.HasPrefix(g[1], "%") {
			r, ok := e.regs[g[1]]
			if !ok || e.regWidth[r] != 64 {
				return simOperand{}, fmt.Errorf("address register must be a declared 64-bit register")
			}
			o.reg = r
			return o, nil
		}
		for _, p := range e.params {
			if p.name == g[1] {
				o.param, o.reg = g[1], -1
				return o, nil
			}
		}
		return simOperand{}, fmt.Errorf("unknown parameter")
	case 'l':
		// Resolved against the labels collected while parsing the whole body.
		i, ok := e.labels[a]
		if !ok {
			return simOperand{}, fmt.Errorf("unknown label")
		}
		return simOperand{kind: opLabel, label: i}, nil
	case 'i':
		if a != "0" {
			return simOperand{}, fmt.Errorf("only barrier 0 is used")
		}
		return simOperand{kind: opImm}, nil
	}
	return simOperand{}, fmt.Errorf("bad operand shape %s", kind)
}

// simDevice is global memory: allocations at distinct, non-zero addresses.
type simDevice struct {
	allocs []simAlloc
	next   uint64
	writes map[uint64]int // global byte stores per address
}

type simAlloc struct {
	base uint64
	data []byte
}

func (d *simDevice) alloc(data []byte) uint64 {
	if d.next == 0 {
		d.next = 0x7f0000000000
	}
	base := d.next
	d.allocs = append(d.allocs, simAlloc{base, data})
	d.next += (uint64(len(data)) + 0x10000) &^ 0xffff
	return base
}

func (d *simDevice) at(addr, size uint64) ([]byte, error) {
	for _, a := range d.allocs {
		if addr >= a.base && addr+size <= a.base+uint64(len(a.data)) {
			return a.data[addr-a.base : addr-a.base+size], nil
		}
	}
	return nil, fmt.Errorf("global access of %d bytes at %#x outside every allocation", size, addr)
}

type simThread struct {
	regs            []uint64
	tid, ntid, ctid uint32
	pc              int
	local           []byte
	done            bool
}

// launch runs entry name over grid×block threads, reading parameters through
// kernelParams as cuLaunchKernel does: one pointer per .param, sized by its type.
func (m *simModule) launch(d *simDevice, name string, grid, block uint32, kernelParams []unsafe.Pointer) error {
	e, ok := m.entries[name]
	if !ok {
		return fmt.Errorf("no entry %s", name)
	}
	if e.reqntid != 0 && block != e.reqntid {
		return fmt.Errorf("%s: block of %d threads, .reqntid is %d", name, block, e.reqntid)
	}
	if len(kernelParams) != len(e.params) {
		return fmt.Errorf("%s: %d kernel params for %d .param", name, len(kernelParams), len(e.params))
	}
	params := map[string]uint64{}
	for i, p := range e.params {
		if p.typ == ".u64" {
			params[p.name] = binary.LittleEndian.Uint64(unsafe.Slice((*byte)(kernelParams[i]), 8))
		} else {
			params[p.name] = uint64(binary.LittleEndian.Uint32(unsafe.Slice((*byte)(kernelParams[i]), 4)))
		}
	}
	for b := range grid {
		shared := make([]byte, e.shared)
		threads := make([]*simThread, block)
		for t := range threads {
			threads[t] = &simThread{regs: make([]uint64, len(e.regWidth)), tid: uint32(t), ntid: block, ctid: b,
				local: make([]byte, e.local)}
		}
		// Run every thread to the barrier or the end, then release the barrier.
		for {
			live := 0
			for _, th := range threads {
				if th.done {
					continue
				}
				if err := m.run(d, e, th, params, shared); err != nil {
					return fmt.Errorf("%s block %d thread %d: %w", name, b, th.tid, err)
				}
				if !th.done {
					live++
				}
			}
			if live == 0 {
				break
			}
		}
	}
	return nil
}

const simStepLimit = 50_000_000

// run executes th until it passes a barrier (returns with done false) or returns.
func (m *simModule) run(d *simDevice, e *simEntry, th *simThread, params map[string]uint64, shared []byte) error {
	for steps := 0; ; steps++ {
		if steps > simStepLimit {
			return fmt.Errorf("no ret after %d instructions", steps)
		}
		if th.pc >= len(e.code) {
			return fmt.Errorf("ran past the end of the body without ret")
		}
		in := &e.code[th.pc]
		th.pc++
		if in.guard >= 0 && (th.regs[in.guard] != 0) == in.negate {
			continue
		}
		val := func(i int) uint64 {
			o := in.args[i]
			switch o.kind {
			case opReg:
				return th.regs[o.reg]
			case opImm:
				return o.imm
			case opSym:
				return o.sym.addr
			case opSpecial:
				return uint64(map[string]uint32{"%tid.x": th.tid, "%ntid.x": th.ntid, "%ctaid.x": th.ctid}[o.special])
			}
			panic("operand is not a value")
		}
		set := func(v uint64) {
			r := in.args[0].reg
			switch e.regWidth[r] {
			case 32:
				v = uint64(uint32(v))
			case 1:
				v &= 1
			}
			th.regs[r] = v
		}
		mem := func(i int, size uint64) ([]byte, error) {
			o := in.args[i]
			addr := th.regs[o.reg] + uint64(o.off)
			if addr%size != 0 {
				return nil, fmt.Errorf("%s: misaligned address %#x", in.text, addr)
			}
			var space []byte
			switch {
			case strings.Contains(in.op, ".global."):
				return d.at(addr, size)
			case strings.Contains(in.op, ".shared."):
				space = shared
			case strings.Contains(in.op, ".local."):
				space = th.local
			case strings.Contains(in.op, ".const."):
				space = m.constMem
			}
			if addr+size > uint64(len(space)) || addr+size < addr {
				return nil, fmt.Errorf("%s: address %#x outside its %d-byte space", in.text, addr, len(space))
			}
			return space[addr : addr+size], nil
		}
		a32 := func(i int) uint32 { return uint32(val(i)) }
		switch in.op {
		case "ld.param.u32", "ld.param.u64":
			set(params[in.args[1].param])
		case "ld.global.nc.u32", "ld.shared.u32", "ld.local.u32", "ld.const.u32":
			b, err := mem(1, 4)
			if err != nil {
				return err
			}
			set(uint64(binary.LittleEndian.Uint32(b)))
		case "st.shared.u32", "st.local.u32":
			b, err := mem(0, 4)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(b, a32(1))
		case "st.global.u8":
			b, err := mem(0, 1)
			if err != nil {
				return err
			}
			b[0] = byte(val(1))
			if d.writes == nil {
				d.writes = map[uint64]int{}
			}
			d.writes[th.regs[in.args[0].reg]+uint64(in.args[0].off)]++
		case "cvta.to.global.u64", "mov.u32", "mov.b32", "mov.u64", "cvt.u64.u32", "cvt.u32.u64":
			set(val(1))
		case "add.u32":
			set(uint64(a32(1) + a32(2)))
		case "sub.u32":
			set(uint64(a32(1) - a32(2)))
		case "mul.lo.u32":
			set(uint64(a32(1) * a32(2)))
		case "div.u32":
			if a32(2) == 0 {
				return fmt.Errorf("%s: division by zero", in.text)
			}
			set(uint64(a32(1) / a32(2)))
		case "and.b32":
			set(uint64(a32(1) & a32(2)))
		case "or.b32":
			set(uint64(a32(1) | a32(2)))
		case "xor.b32":
			set(uint64(a32(1) ^ a32(2)))
		case "not.b32":
			set(uint64(^a32(1)))
		case "shl.b32": // PTX clamps shifts above the width to a zero result
			set(uint64(a32(1) << min(a32(2), 32)))
		case "shr.u32":
			set(uint64(a32(1) >> min(a32(2), 32)))
		case "add.u64":
			set(val(1) + val(2))
		case "shl.b64":
			set(val(1) << min(a32(2), 64))
		case "shr.u64":
			set(val(1) >> min(a32(2), 64))
		case "mul.wide.u32":
			set(uint64(a32(1)) * uint64(a32(2)))
		case "bfe.u32":
			pos, n := a32(2)&0xff, a32(3)&0xff
			if n != 8 || pos > 24 {
				return fmt.Errorf("%s: only whole-byte fields are interpreted", in.text)
			}
			set(uint64(a32(1) >> pos & 0xff))
		case "shf.r.wrap.b32":
			// Funnel shift right of hi:lo = b:a by c mod 32, lower half.
			lo, hi, c := a32(1), a32(2), a32(3)&31
			set(uint64(uint32((uint64(hi)<<32 | uint64(lo)) >> c)))
		case "setp.lt.u32":
			set(b2u(a32(1) < a32(2)))
		case "setp.ge.u32":
			set(b2u(a32(1) >= a32(2)))
		case "setp.eq.u32":
			set(b2u(a32(1) == a32(2)))
		case "bra":
			th.pc = in.args[0].label
		case "bar.sync":
			return nil
		case "ret":
			th.done = true
			return nil
		default:
			return fmt.Errorf("%s: not interpreted", in.op)
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
