// Micro-benchmark: which 64-bit register-file representation runs an RV64-style ALU workload fastest in V8.
//
// Usage (from the repo root): npx tsc -p . && node out/bench/repr64.js [--ms=300] [--samples=7]
//
// One seeded random "program" of 64 RV64 ALU instructions (add, sub, xor, sll, srl, sra, addw, slt, sltu,
// mul, addi) over a 32-entry register file is run, from the same initial registers, with each representation
// in three shapes:
//   interp - an interpreter loop over the decoded program: register indices are data (loaded per instruction);
//   block  - the program as one straight-line generated function with constant indices and the pass loop
//            inside it: the best case for a binary translator;
//   dispatch - the program cut into 8-instruction blocks, each its own generated function, called in turn from
//            a JS loop through a table: the shape of a translator's dispatcher (no inlining across blocks; for
//            WebAssembly, one JS-to-wasm call per block).
// Every JS variant is generated from the same per-instruction templates with `new Function`, as the
// translator will do. The WebAssembly variant is a module whose bytes are encoded by hand below (no tools).
// Before timing, every variant is checked against a BigInt reference, per instruction on edge values and on
// the final register file of a long run; any difference aborts the benchmark.

import { strict as assert } from 'assert';
import * as os from 'os';

// ---------------------------------------------------------------------------------------------------------------
// The workload

const OPS = ['add', 'sub', 'xor', 'sll', 'srl', 'sra', 'addw', 'slt', 'sltu', 'mul', 'addi'] as const;
type Op = (typeof OPS)[number];
const PROGRAM_LEN = 64;
const FIELDS = 5; // op, rd, rs1, rs2, imm per decoded instruction

interface Insn { op: number; rd: number; rs1: number; rs2: number; imm: number }

/** Small seeded PRNG so every run benchmarks the same program. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random code collapses to a fixed point within a few passes (slt, mul and shifts destroy information), which
 * would leave tiny values and flatter BigInt. So the program is a chain of pairs, Feistel style: a temporary
 * t (x16-x31) = any op of two state registers (x1-x15), then state s = s add/sub/xor t, with s not among the
 * inputs of t. Each pair is a bijection of the state, so the registers stay full-width and varied forever.
 */
function makeProgram(rand: () => number, len: number): Insn[] {
  const pick = (n: number) => Math.floor(rand() * n);
  const mix = [OPS.indexOf('add'), OPS.indexOf('sub'), OPS.indexOf('xor')];
  const prog: Insn[] = [];
  let deck: number[] = []; // the temporaries' ops: every op once per round, in random order
  while (prog.length < len) {
    if (deck.length === 0) deck = shuffle(OPS.map((_, k) => k), rand);
    const s = 1 + pick(15), t = 16 + pick(16);
    const other = () => { for (;;) { const r = 1 + pick(15); if (r !== s) return r; } };
    prog.push({ op: deck.pop()!, rd: t, rs1: other(), rs2: other(), imm: pick(4096) - 2048 });
    prog.push({ op: mix[pick(3)], rd: s, rs1: s, rs2: t, imm: 0 });
  }
  return prog;
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function randomU64(rand: () => number): bigint {
  return (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
}

/** Registers as signed 64-bit BigInts; x0 = 0. */
function makeRegs(rand: () => number): bigint[] {
  return Array.from({ length: 32 }, (_, i) => (i === 0 ? 0n : BigInt.asIntN(64, randomU64(rand))));
}

/** The specification: RV64 semantics written plainly on BigInt, used to check every other variant. */
function reference(op: Op, a: bigint, b: bigint, imm: number): bigint {
  const s64 = (v: bigint) => BigInt.asIntN(64, v), u64 = (v: bigint) => BigInt.asUintN(64, v);
  const sh = b & 63n;
  switch (op) {
    case 'add': return s64(a + b);
    case 'sub': return s64(a - b);
    case 'xor': return s64(a ^ b);
    case 'sll': return s64(a << sh);
    case 'srl': return s64(u64(a) >> sh);
    case 'sra': return s64(a) >> sh;
    case 'addw': return BigInt.asIntN(32, a + b);
    case 'slt': return a < b ? 1n : 0n;
    case 'sltu': return u64(a) < u64(b) ? 1n : 0n;
    case 'mul': return s64(a * b);
    case 'addi': return s64(a + BigInt(imm));
  }
}

function runReference(prog: Insn[], regs: bigint[], iters: number): bigint[] {
  const x = regs.slice();
  for (let n = 0; n < iters; n++) {
    for (const i of prog) x[i.rd] = reference(OPS[i.op], x[i.rs1], x[i.rs2], i.imm);
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------------------
// JS representations: per-instruction code templates

/** Operands as JS source: register numbers (variables in `interp`, literals in `block`) and the immediate. */
interface Operands { d: string; a: string; b: string; immN: string; immB: string }
type State = Record<string, unknown>;

interface JsRepr {
  name: string;
  /** Binds locals to the state's storage at function entry. */
  prologue: string;
  ops: Record<Op, (o: Operands) => string>;
  init(regs: bigint[]): State;
  read(s: State): bigint[];
}

/** BigInt templates over an element accessor X(reg); `wrap` = how a 64-bit result is stored. */
function bigintOps(X: (r: string) => string, wrap: (e: string) => string, ux: (r: string) => string):
    Record<Op, (o: Operands) => string> {
  return {
    add: (o) => `${X(o.d)} = ${wrap(`${X(o.a)} + ${X(o.b)}`)};`,
    sub: (o) => `${X(o.d)} = ${wrap(`${X(o.a)} - ${X(o.b)}`)};`,
    xor: (o) => `${X(o.d)} = ${X(o.a)} ^ ${X(o.b)};`,
    sll: (o) => `${X(o.d)} = ${wrap(`${X(o.a)} << (${X(o.b)} & 63n)`)};`,
    srl: (o) => `${X(o.d)} = ${wrap(`${ux(o.a)} >> (${X(o.b)} & 63n)`)};`,
    sra: (o) => `${X(o.d)} = ${X(o.a)} >> (${X(o.b)} & 63n);`,
    addw: (o) => `${X(o.d)} = BigInt.asIntN(32, ${X(o.a)} + ${X(o.b)});`,
    slt: (o) => `${X(o.d)} = ${X(o.a)} < ${X(o.b)} ? 1n : 0n;`,
    sltu: (o) => `${X(o.d)} = ${ux(o.a)} < ${ux(o.b)} ? 1n : 0n;`,
    mul: (o) => `${X(o.d)} = ${wrap(`${X(o.a)} * ${X(o.b)}`)};`,
    addi: (o) => `${X(o.d)} = ${wrap(`${X(o.a)} + (${o.immB})`)};`,
  };
}

const asInt64 = (e: string) => `BigInt.asIntN(64, ${e})`;

const bigintArray: JsRepr = {
  name: 'BigInt in a plain Array',
  prologue: 'const x = s.x;',
  ops: bigintOps((r) => `x[${r}]`, asInt64, (r) => `BigInt.asUintN(64, x[${r}])`),
  init: (regs) => ({ x: regs.slice() }),
  read: (s) => (s.x as bigint[]).slice(),
};

function bigint64Array(name: string, wrap: (e: string) => string): JsRepr {
  return {
    name,
    // u: an unsigned view of the same registers, for srl/sltu.
    prologue: 'const x = s.x, u = s.u;',
    ops: bigintOps((r) => `x[${r}]`, wrap, (r) => `u[${r}]`),
    init: (regs) => {
      const x = BigInt64Array.from(regs);
      return { x, u: new BigUint64Array(x.buffer) };
    },
    read: (s) => Array.from(s.x as BigInt64Array),
  };
}

/**
 * Two 32-bit halves per register, accessed through L(reg) and H(reg). Every template reads all of its inputs
 * before its first store, so rd may equal rs1 or rs2.
 */
function int32Ops(L: (r: string) => string, H: (r: string) => string): Record<Op, (o: Operands) => string> {
  const shift = (o: Operands, lt32: string, ge32: string) =>
    `{ const al = ${L(o.a)}, ah = ${H(o.a)}, sh = ${L(o.b)} & 63;
       if (sh === 0) { ${L(o.d)} = al; ${H(o.d)} = ah; }
       else if (sh < 32) { ${lt32} }
       else { ${ge32} } }`;
  const compare = (o: Operands, hiLess: string) =>
    `{ const ah = ${H(o.a)}, bh = ${H(o.b)};
       ${L(o.d)} = (${hiLess} || (ah === bh && (${L(o.a)} >>> 0) < (${L(o.b)} >>> 0))) ? 1 : 0; ${H(o.d)} = 0; }`;
  return {
    // Carry out of the low word: the unsigned sum wrapped, so it is below an addend.
    add: (o) => `{ const al = ${L(o.a)}, r = (al + ${L(o.b)}) | 0;
       ${H(o.d)} = (${H(o.a)} + ${H(o.b)} + ((r >>> 0) < (al >>> 0) ? 1 : 0)) | 0; ${L(o.d)} = r; }`,
    sub: (o) => `{ const al = ${L(o.a)}, bl = ${L(o.b)};
       ${H(o.d)} = (${H(o.a)} - ${H(o.b)} - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; ${L(o.d)} = (al - bl) | 0; }`,
    xor: (o) => `{ const l = ${L(o.a)} ^ ${L(o.b)}; ${H(o.d)} = ${H(o.a)} ^ ${H(o.b)}; ${L(o.d)} = l; }`,
    sll: (o) => shift(o, `${H(o.d)} = (ah << sh) | (al >>> (32 - sh)); ${L(o.d)} = al << sh;`,
      `${H(o.d)} = al << (sh - 32); ${L(o.d)} = 0;`),
    srl: (o) => shift(o, `${L(o.d)} = (al >>> sh) | (ah << (32 - sh)); ${H(o.d)} = ah >>> sh;`,
      `${L(o.d)} = ah >>> (sh - 32); ${H(o.d)} = 0;`),
    sra: (o) => shift(o, `${L(o.d)} = (al >>> sh) | (ah << (32 - sh)); ${H(o.d)} = ah >> sh;`,
      `${L(o.d)} = ah >> (sh - 32); ${H(o.d)} = ah >> 31;`),
    addw: (o) => `{ const r = (${L(o.a)} + ${L(o.b)}) | 0; ${L(o.d)} = r; ${H(o.d)} = r >> 31; }`,
    slt: (o) => compare(o, 'ah < bh'),
    sltu: (o) => compare(o, '(ah >>> 0) < (bh >>> 0)'),
    // Low 64 bits of a 64x64 product: the full 32x32->64 product of the low words from 16-bit pieces (each
    // partial product < 2^32, so exact in a double), plus the cross terms, which only reach the high word.
    mul: (o) => `{ const al = ${L(o.a)}, ah = ${H(o.a)}, bl = ${L(o.b)}, bh = ${H(o.b)};
       const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
       const p01 = a0 * b1, p10 = a1 * b0;
       const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
       ${H(o.d)} = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
       ${L(o.d)} = Math.imul(al, bl); }`,
    addi: (o) => `{ const al = ${L(o.a)}, r = (al + (${o.immN})) | 0;
       ${H(o.d)} = (${H(o.a)} + ((${o.immN}) >> 31) + ((r >>> 0) < (al >>> 0) ? 1 : 0)) | 0; ${L(o.d)} = r; }`,
  };
}

function splitRegs(regs: bigint[]): { lo: Int32Array; hi: Int32Array } {
  return {
    lo: Int32Array.from(regs, (v) => Number(BigInt.asIntN(32, v))),
    hi: Int32Array.from(regs, (v) => Number(BigInt.asIntN(32, v >> 32n))),
  };
}

const joinHalves = (lo: number, hi: number) => (BigInt(hi) << 32n) | BigInt(lo >>> 0);

const int32Pair: JsRepr = {
  name: 'paired Int32Array lo/hi',
  prologue: 'const lo = s.lo, hi = s.hi;',
  ops: int32Ops((r) => `lo[${r}]`, (r) => `hi[${r}]`),
  init: (regs) => splitRegs(regs),
  read: (s) => Array.from(s.lo as Int32Array, (l, i) => joinHalves(l, (s.hi as Int32Array)[i])),
};

const isLiteral = (r: string) => /^\d+$/.test(r);
const int32Interleaved: JsRepr = {
  name: 'one Int32Array, lo/hi interleaved',
  prologue: 'const x = s.x;',
  ops: int32Ops((r) => (isLiteral(r) ? `x[${2 * Number(r)}]` : `x[${r} << 1]`),
    (r) => (isLiteral(r) ? `x[${2 * Number(r) + 1}]` : `x[(${r} << 1) | 1]`)),
  init: (regs) => {
    const { lo, hi } = splitRegs(regs);
    const x = new Int32Array(64);
    for (let i = 0; i < 32; i++) { x[2 * i] = lo[i]; x[2 * i + 1] = hi[i]; }
    return { x };
  },
  read: (s) => {
    const x = s.x as Int32Array;
    return Array.from({ length: 32 }, (_, i) => joinHalves(x[2 * i], x[2 * i + 1]));
  },
};

const JS_REPRS: JsRepr[] = [
  bigintArray,
  bigint64Array('BigInt64Array (wraps on store)', (e) => e),
  bigint64Array('BigInt64Array + BigInt.asIntN(64)', asInt64),
  int32Pair,
  int32Interleaved,
];


/** An interpreter over the decoded program: indices are loaded from `prog` for each instruction. */
function compileInterp(repr: JsRepr): (s: State, prog: Int32Array, immsB: bigint[], iters: number) => void {
  const o: Operands = { d: 'd', a: 'a', b: 'b', immN: 'immN', immB: 'immsB[i]' };
  const cases = OPS.map((op, k) => `case ${k}: ${repr.ops[op](o)} break;`).join('\n        ');
  const src = `${repr.prologue}
    for (let n = 0; n < iters; n++) {
      for (let pc = 0, i = 0; pc < prog.length; pc += ${FIELDS}, i++) {
        const d = prog[pc + 1], a = prog[pc + 2], b = prog[pc + 3], immN = prog[pc + 4];
        switch (prog[pc]) {
        ${cases}
        }
      }
    }`;
  return new Function('s', 'prog', 'immsB', 'iters', src) as never;
}

/** Straight-line code with constant register numbers, like a translated block. */
function blockSource(repr: JsRepr, prog: Insn[]): string {
  return prog.map((i) => repr.ops[OPS[i.op]]({
    d: String(i.rd), a: String(i.rs1), b: String(i.rs2), immN: String(i.imm), immB: `${i.imm}n`,
  })).join('\n      ');
}

/** The whole program as one block, with the pass loop inside. */
function compileBlock(repr: JsRepr, prog: Insn[]): (s: State, iters: number) => void {
  const src = `${repr.prologue}
    for (let n = 0; n < iters; n++) {
      ${blockSource(repr, prog)}
    }`;
  return new Function('s', 'iters', src) as never;
}

const DISPATCH_BLOCK_LEN = 8; // typical basic-block length in instructions

function splitBlocks(prog: Insn[]): Insn[][] {
  const out: Insn[][] = [];
  for (let k = 0; k < prog.length; k += DISPATCH_BLOCK_LEN) out.push(prog.slice(k, k + DISPATCH_BLOCK_LEN));
  return out;
}

/** One function per dispatch block. */
function compileDispatch(repr: JsRepr, prog: Insn[]): ((s: State) => void)[] {
  return splitBlocks(prog).map((piece) => new Function('s', `${repr.prologue}\n${blockSource(repr, piece)}`) as never);
}

/** The dispatcher: one shared call site for every variant's blocks, so (as in a real one) it is megamorphic. */
function dispatch(blocks: ((s: State) => void)[], s: State, iters: number): void {
  for (let n = 0; n < iters; n++) {
    for (let k = 0; k < blocks.length; k++) blocks[k](s);
  }
}

function encodeProgram(prog: Insn[]): Int32Array {
  return Int32Array.from(prog.flatMap((i) => [i.op, i.rd, i.rs1, i.rs2, i.imm]));
}

// ---------------------------------------------------------------------------------------------------------------
// WebAssembly: a hand-encoded module with the same two shapes (WebAssembly core spec, binary format, ch. 5).

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const/i64.const immediates). */
function sleb(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const utf8 = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Opcodes used (core spec 5.4 "Instructions").
const W = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, void: 0x40,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load8u: 0x2d, i64Load: 0x29, i64Load32s: 0x34, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42, i32Add: 0x6a, i32Sub: 0x6b, i32Shl: 0x74, i32LtU: 0x49,
  i64LtS: 0x53, i64LtU: 0x54, i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64Xor: 0x85, i64Shl: 0x86,
  i64ShrS: 0x87, i64ShrU: 0x88, i64ExtendI32U: 0xad, i64Extend32S: 0xc4,
};
const memarg = (alignLog2: number, offset: number) => [...uleb(alignLog2), ...uleb(offset)];

const WASM_REGS = 0; // x0..x31 as i64 at byte 0..255
const WASM_PROG = 256; // decoded program: 8 bytes per instruction: op, rd, rs1, rs2 (u8), imm (i32)

/** Code computing `op` on the i64 values a and b (already pushed); leaves the i64 result on the stack. */
function wasmOp(op: Exclude<Op, 'addi'>): number[] {
  switch (op) {
    case 'add': return [W.i64Add];
    case 'sub': return [W.i64Sub];
    case 'xor': return [W.i64Xor];
    case 'sll': return [W.i64Shl]; // wasm shift counts are taken mod 64, as in RV64
    case 'srl': return [W.i64ShrU];
    case 'sra': return [W.i64ShrS];
    case 'addw': return [W.i64Add, W.i64Extend32S];
    case 'slt': return [W.i64LtS, W.i64ExtendI32U];
    case 'sltu': return [W.i64LtU, W.i64ExtendI32U];
    case 'mul': return [W.i64Mul];
  }
}

/** interp(iters): locals 0 iters, 1 p (instruction address), 2 d (rd*8), 3 a, 4 b (operand values). */
function wasmInterpBody(progLen: number): number[] {
  const field = (off: number) => [W.localGet, 1, W.i32Load8u, ...memarg(0, off)];
  const regAddr = (off: number) => [...field(off), W.i32Const, 3, W.i32Shl];
  const n = OPS.length;
  const code: number[] = [
    W.loop, W.void,
    W.i32Const, ...sleb(WASM_PROG), W.localSet, 1,
    W.loop, W.void,
    ...regAddr(1), W.localSet, 2,
    ...regAddr(2), W.i64Load, ...memarg(3, WASM_REGS), W.localSet, 3,
    ...regAddr(3), W.i64Load, ...memarg(3, WASM_REGS), W.localSet, 4,
    W.block, W.void, // $done
  ];
  for (let k = 0; k < n; k++) code.push(W.block, W.void); // case blocks: the last opened is case 0
  code.push(...field(0), W.brTable, ...uleb(n), ...Array.from({ length: n }, (_, k) => k), n - 1);
  OPS.forEach((op, k) => {
    code.push(W.end); // closes case k's block: its code follows
    code.push(W.localGet, 2);
    if (op === 'addi') code.push(W.localGet, 3, W.localGet, 1, W.i64Load32s, ...memarg(2, 4), W.i64Add);
    else code.push(W.localGet, 3, W.localGet, 4, ...wasmOp(op));
    code.push(W.i64Store, ...memarg(3, WASM_REGS), W.br, n - 1 - k);
  });
  code.push(W.end); // $done
  code.push(W.localGet, 1, W.i32Const, 8, W.i32Add, W.localTee, 1,
    W.i32Const, ...sleb(WASM_PROG + 8 * progLen), W.i32LtU, W.brIf, 0, W.end);
  code.push(W.localGet, 0, W.i32Const, 1, W.i32Sub, W.localTee, 0, W.brIf, 0, W.end, W.end);
  return [...vec([[1, 0x7f], [1, 0x7f], [2, 0x7e]]), ...code];
}

/** The program as straight-line i64 code with constant addresses; with `loop`, repeated `iters` (local 0) times. */
function wasmBlockBody(prog: Insn[], loop: boolean): number[] {
  const load = (r: number) => [W.i32Const, 0, W.i64Load, ...memarg(3, WASM_REGS + 8 * r)];
  const code: number[] = loop ? [W.loop, W.void] : [];
  for (const i of prog) {
    const op = OPS[i.op];
    code.push(W.i32Const, 0);
    if (op === 'addi') code.push(...load(i.rs1), W.i64Const, ...sleb(i.imm), W.i64Add);
    else code.push(...load(i.rs1), ...load(i.rs2), ...wasmOp(op));
    code.push(W.i64Store, ...memarg(3, WASM_REGS + 8 * i.rd));
  }
  if (loop) code.push(W.localGet, 0, W.i32Const, 1, W.i32Sub, W.localTee, 0, W.brIf, 0, W.end);
  return [...vec([]), ...code, W.end];
}

/** Exports mem, interp(iters), block(iters) and b0..bN() (one per dispatch block, no loop). */
function wasmModule(prog: Insn[]): Uint8Array {
  const body = (b: number[]) => [...uleb(b.length), ...b];
  const pieces = splitBlocks(prog);
  const funcs: { name: string; type: number; body: number[] }[] = [
    { name: 'interp', type: 0, body: wasmInterpBody(prog.length) },
    { name: 'block', type: 0, body: wasmBlockBody(prog, true) },
    ...pieces.map((piece, k) => ({ name: `b${k}`, type: 1, body: wasmBlockBody(piece, false) })),
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec([[0x7f]]), ...vec([])], [0x60, ...vec([]), ...vec([])]])), // (i32)->(), ()->()
    ...section(3, vec(funcs.map((f) => [f.type]))),
    ...section(5, vec([[0x00, 1]])), // one memory, min 1 page
    ...section(7, vec([[...utf8('mem'), 0x02, 0], ...funcs.map((f, k) => [...utf8(f.name), 0x00, ...uleb(k)])])),
    ...section(10, vec(funcs.map((f) => body(f.body)))),
  ]);
}

interface WasmVm {
  regs: BigInt64Array;
  interp: (iters: number) => void;
  block: (iters: number) => void;
  blocks: (() => void)[];
}

function instantiateWasm(prog: Insn[]): WasmVm {
  if (!wasmApi) throw new Error('no WebAssembly in this runtime');
  const { exports } = new wasmApi.Instance(new wasmApi.Module(wasmModule(prog)));
  const mem = exports.mem as { buffer: ArrayBuffer };
  const bytes = new Uint8Array(mem.buffer), view = new DataView(mem.buffer);
  prog.forEach((i, k) => {
    const at = WASM_PROG + 8 * k;
    bytes.set([i.op, i.rd, i.rs1, i.rs2], at);
    view.setInt32(at + 4, i.imm, true);
  });
  return { regs: new BigInt64Array(mem.buffer, WASM_REGS, 32),
    interp: exports.interp as WasmVm['interp'], block: exports.block as WasmVm['block'],
    blocks: splitBlocks(prog).map((_, k) => exports[`b${k}`] as () => void) };
}

// ---------------------------------------------------------------------------------------------------------------
// Variants, checking and timing

const SHAPES = ['interp', 'block', 'dispatch'] as const;

interface Variant {
  name: string;
  shape: (typeof SHAPES)[number];
  /** Resets the registers to `regs`, runs `iters` passes over the program. */
  run(regs: bigint[], iters: number): void;
  /** The register file after the last run, as signed BigInts. */
  result(): bigint[];
}

function makeVariants(prog: Insn[]): Variant[] {
  const out: Variant[] = [];
  const decoded = encodeProgram(prog), immsB = prog.map((i) => BigInt(i.imm));
  for (const repr of JS_REPRS) {
    const interp = compileInterp(repr), block = compileBlock(repr, prog);
    const blocks = compileDispatch(repr, prog);
    const runners: Record<Variant['shape'], (s: State, iters: number) => void> = {
      interp: (s, iters) => interp(s, decoded, immsB, iters),
      block: (s, iters) => block(s, iters),
      dispatch: (s, iters) => dispatch(blocks, s, iters),
    };
    for (const shape of SHAPES) {
      let s: State = {};
      out.push({ name: repr.name, shape, run: (regs, iters) => { s = repr.init(regs); runners[shape](s, iters); },
        result: () => repr.read(s) });
    }
  }
  if (wasmApi) {
    const name = 'WebAssembly i64 (hand-encoded)';
    for (const shape of ['interp', 'block'] as const) {
      const vm = instantiateWasm(prog);
      out.push({ name, shape, run: (regs, iters) => { vm.regs.set(regs); vm[shape](iters); },
        result: () => Array.from(vm.regs) });
    }
    const vm = instantiateWasm(prog);
    out.push({ name, shape: 'dispatch', run: (regs, iters) => { vm.regs.set(regs); dispatch(vm.blocks, {}, iters); },
      result: () => Array.from(vm.regs) });
  }
  return out;
}

const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/** Every op on edge-case operands, through every variant and shape, against `reference`. */
function checkOps(): void {
  const edges = [0n, 1n, 2n, -1n, 31n, 32n, 33n, 63n, 64n, 0x7fffffffn, -0x80000000n, 0xffffffffn, 0x100000000n,
    0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdef0n, -0x123456789abcdef1n, 0xffff0000ffffn];
  const rand = mulberry32(7);
  const samples = [...edges, ...Array.from({ length: 8 }, () => BigInt.asIntN(64, randomU64(rand)))];
  for (const [opIndex, op] of OPS.entries()) {
    for (const imm of op === 'addi' ? [0, 1, -1, 2047, -2048] : [0]) {
      // x3 = op(x1, x2), then x2 = op(x2, x2): the second checks rd == rs1 == rs2.
      const prog: Insn[] = [{ op: opIndex, rd: 3, rs1: 1, rs2: 2, imm }, { op: opIndex, rd: 2, rs1: 2, rs2: 2, imm }];
      const variants = makeVariants(prog);
      for (const a of samples) {
        for (const b of samples) {
          const regs = Array.from({ length: 32 }, () => 0n);
          regs[1] = a;
          regs[2] = b;
          const want = runReference(prog, regs, 1);
          for (const v of variants) {
            v.run(regs, 1);
            const got = v.result();
            if (got[3] !== want[3] || got[2] !== want[2]) {
              assert.fail(`${v.name}: ${op} a=${hex64(a)} b=${hex64(b)} imm=${imm}: got ` +
                `${hex64(got[3])}/${hex64(got[2])}, want ${hex64(want[3])}/${hex64(want[2])}`);
            }
          }
        }
      }
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timeOnce(v: Variant, regs: bigint[], iters: number): number {
  const t0 = process.hrtime.bigint();
  v.run(regs, iters);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  const arg = (name: string, dflt: number) => {
    const a = process.argv.find((s) => s.startsWith(`--${name}=`));
    return a ? Number(a.split('=')[1]) : dflt;
  };
  const sampleMs = arg('ms', 300), samples = arg('samples', 7);

  const rand = mulberry32(0x64b175);
  const prog = makeProgram(rand, PROGRAM_LEN);
  const regs = makeRegs(rand);

  checkOps();
  const variants = makeVariants(prog);

  // Same final register file everywhere after a long run.
  const VERIFY_ITERS = 2000;
  const want = runReference(prog, regs, VERIFY_ITERS);
  assert.ok(new Set(want).size > 16, 'the workload keeps the registers varied');
  for (const v of variants) {
    v.run(regs, VERIFY_ITERS);
    assert.deepStrictEqual(v.result(), want, `${v.name} (${v.shape}) differs from the reference`);
  }

  // Calibrate each variant to about sampleMs per sample, then take samples round-robin to spread drift.
  const iters = variants.map((v) => {
    let n = 16;
    timeOnce(v, regs, n); // warm up
    for (;;) {
      const t = timeOnce(v, regs, n);
      if (t > 0.05 || n > 1 << 26) return Math.max(1, Math.round((n * sampleMs) / 1000 / t));
      n *= 2;
    }
  });
  const times: number[][] = variants.map(() => []);
  for (let s = 0; s < samples; s++) {
    variants.forEach((v, k) => times[k].push(timeOnce(v, regs, iters[k]) / (iters[k] * PROGRAM_LEN)));
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`repr64: ${PROGRAM_LEN}-instruction RV64 ALU program, ${samples} samples of ~${sampleMs} ms each`);
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${cpu}, ${os.cpus().length} CPUs`);
  console.log('all variants verified: per-op edge cases and the final register file after ' +
    `${VERIFY_ITERS} passes (checksum ${hex64(want.reduce((a, v) => BigInt.asIntN(64, a * 31n + v), 0n))})`);
  // Median for the table; best (least disturbed by other processes) beside it.
  const rows = variants.map((v, k) => ({ v, mops: 1e-6 / median(times[k]), best: 1e-6 / Math.min(...times[k]) }));
  const pairOf = (shape: string) => rows.find((r) => r.v.name === int32Pair.name && r.v.shape === shape)!.mops;
  console.log('');
  console.log('| representation | shape | M instr/s (median) | best | vs paired Int32 |');
  console.log('|---|---|---:|---:|---:|');
  for (const shape of SHAPES) {
    for (const r of rows.filter((x) => x.v.shape === shape)) {
      console.log(`| ${r.v.name} | ${shape} | ${r.mops.toFixed(1)} | ${r.best.toFixed(1)} | ` +
        `${(r.mops / pairOf(shape)).toFixed(2)}x |`);
    }
  }
}

if (require.main === module) main();
