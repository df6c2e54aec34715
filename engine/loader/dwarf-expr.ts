// DWARF location expressions (DWARF 5 §2.5 the stack machine, §2.6 location descriptions): where a variable is
// at one pc of one frame, and its bytes. Register numbers are RISC-V DWARF numbers (psABI: 0–31 = x0–x31).
//
// Registers a frame does not know (caller-saved ones of an unwound frame) make a value "not available"; no
// location at the pc and implicit pointers make it "optimized out" or say why, and so does DW_OP_entry_value
// when the context cannot tell a register's value at entry (it asks the caller's call site: see ExprContext).
import { Cursor, DwarfError } from './dwarf-cursor';
import { Location } from './dwarf-info';

export interface ExprContext {
  /** A register's value by DWARF number, or undefined when the frame does not know it. */
  reg(n: number): bigint | undefined;
  /** The frame's canonical frame address (§6.4), when unwinding information gives one. */
  cfa?: bigint;
  /** The function's DW_AT_frame_base expression, for DW_OP_fbreg. */
  frameBase?: Uint8Array;
  /** Reads `size` bytes (1–8) of guest memory as an unsigned little-endian number, or undefined. */
  read(addr: bigint, size: number): bigint | undefined;
  /** An address from .debug_addr for DW_OP_addrx/constx. */
  addrx?(index: number): number;
  /** Added to link addresses (DW_OP_addr, addrx): where the image runs relative to where it was linked. */
  relocate?: number;
  /** A register's value on entry to the function (DW_OP_entry_value, §2.5.1.7), or undefined when unknown. */
  entryValue?(reg: number): bigint | undefined;
}

/** Where a value lives (§2.6.1.1). */
export type Place =
  | { kind: 'memory'; addr: bigint }
  | { kind: 'register'; reg: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: { place: Place; size: number }[] }
  | { kind: 'unavailable'; reason: string };

export const OPTIMIZED_OUT = 'optimized out';
export const NOT_AVAILABLE = 'not available';

/** The result of reading a variable: its bytes (and its address when in memory, its register when wholly in
 *  one), or why there are none. */
export type ValueBytes = { ok: true; bytes: Uint8Array; address?: bigint; register?: number } | { ok: false; reason: string };

class Unavailable extends Error {}

// §7.7.1 operation encodings.
const OP = {
  addr: 0x03, deref: 0x06, const1u: 0x08, const1s: 0x09, const2u: 0x0a, const2s: 0x0b, const4u: 0x0c, const4s: 0x0d,
  const8u: 0x0e, const8s: 0x0f, constu: 0x10, consts: 0x11, dup: 0x12, drop: 0x13, over: 0x14, pick: 0x15, swap: 0x16,
  rot: 0x17, abs: 0x19, and: 0x1a, div: 0x1b, minus: 0x1c, mod: 0x1d, mul: 0x1e, neg: 0x1f, not: 0x20, or: 0x21,
  plus: 0x22, plus_uconst: 0x23, shl: 0x24, shr: 0x25, shra: 0x26, xor: 0x27, bra: 0x28, eq: 0x29, ge: 0x2a,
  gt: 0x2b, le: 0x2c, lt: 0x2d, ne: 0x2e, skip: 0x2f, lit0: 0x30, lit31: 0x4f, reg0: 0x50, reg31: 0x6f,
  breg0: 0x70, breg31: 0x8f, regx: 0x90, fbreg: 0x91, bregx: 0x92, piece: 0x93, deref_size: 0x94, nop: 0x96,
  call_frame_cfa: 0x9c, bit_piece: 0x9d, implicit_value: 0x9e, stack_value: 0x9f, implicit_pointer: 0xa0,
  addrx: 0xa1, constx: 0xa2, entry_value: 0xa3, GNU_implicit_pointer: 0xf2, GNU_entry_value: 0xf3,
  GNU_parameter_ref: 0xfa, GNU_addr_index: 0xfb, GNU_const_index: 0xfc,
} as const;

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);

/** The register of a location that is exactly one DW_OP_regN or DW_OP_regx (§2.6.1.1.3), else undefined. */
export function registerOf(expr: Uint8Array): number | undefined {
  if (expr.length === 1 && expr[0] >= OP.reg0 && expr[0] <= OP.reg31) return expr[0] - OP.reg0;
  if (expr.length < 2 || expr[0] !== OP.regx) return undefined;
  try {
    const c = new Cursor(expr, 1, expr.length, 'register location');
    const reg = c.uleb();
    return c.pos === c.end ? reg : undefined;
  } catch { return undefined; }
}

/** Runs an expression to the place it describes (§2.5: a memory location unless a register, implicit or
 *  composite description ends it). */
export function evaluate(expr: Uint8Array, ctx: ExprContext, depth = 0): Place {
  try {
    return run(expr, ctx, depth);
  } catch (e) {
    if (e instanceof Unavailable) return { kind: 'unavailable', reason: e.message };
    if (e instanceof DwarfError) return { kind: 'unavailable', reason: `malformed: ${e.message}` };
    throw e;
  }
}

/** The value an expression computes (§2.5: the top of its stack), as DW_AT_call_value (§3.4.2) gives an argument;
 *  undefined when it cannot be computed here. */
export function evaluateValue(expr: Uint8Array, ctx: ExprContext): bigint | undefined {
  const p = evaluate(expr, ctx);
  switch (p.kind) {
    case 'memory': return p.addr;
    case 'value': return p.value;
    case 'register': return ctx.reg(p.reg);
    default: return undefined;
  }
}

function run(expr: Uint8Array, ctx: ExprContext, depth: number): Place {
  if (expr.length === 0) return { kind: 'unavailable', reason: OPTIMIZED_OUT }; // §2.6.1.1.1 empty description
  const c = new Cursor(expr, 0, expr.length, 'location expression');
  const stack: bigint[] = [];
  const pieces: { place: Place; size: number }[] = [];
  let place: Place | undefined; // set by a register, implicit or stack_value op, until the next piece
  const pop = (): bigint => {
    const v = stack.pop();
    if (v === undefined) throw new Unavailable('malformed location expression (stack underflow)');
    return v;
  };
  const push = (v: bigint) => stack.push(u64(v));
  const regValue = (n: number): bigint => {
    const v = ctx.reg(n);
    if (v === undefined) throw new Unavailable(NOT_AVAILABLE);
    return v;
  };
  const binary = (f: (a: bigint, b: bigint) => bigint) => { const b = pop(), a = pop(); push(f(a, b)); };
  const compare = (f: (a: bigint, b: bigint) => boolean) => binary((a, b) => (f(s64(a), s64(b)) ? 1n : 0n));
  while (c.pos < c.end) {
    const op = c.u8();
    if (op >= OP.lit0 && op <= OP.lit31) { push(BigInt(op - OP.lit0)); continue; }
    if (op >= OP.reg0 && op <= OP.reg31) { place = { kind: 'register', reg: op - OP.reg0 }; continue; }
    if (op >= OP.breg0 && op <= OP.breg31) { push(regValue(op - OP.breg0) + BigInt(c.sleb())); continue; }
    switch (op) {
      case OP.addr: push(BigInt(c.address(8) + (ctx.relocate ?? 0))); break;
      case OP.addrx: case OP.constx: case OP.GNU_addr_index: case OP.GNU_const_index: {
        const i = c.uleb();
        if (!ctx.addrx) throw new Unavailable('DW_OP_addrx without .debug_addr');
        push(BigInt(ctx.addrx(i) + (op === OP.addrx || op === OP.GNU_addr_index ? ctx.relocate ?? 0 : 0)));
        break;
      }
      case OP.const1u: push(BigInt(c.u8())); break;
      case OP.const1s: push(BigInt(c.i8())); break;
      case OP.const2u: push(BigInt(c.u16())); break;
      case OP.const2s: push(BigInt((c.u16() << 16) >> 16)); break;
      case OP.const4u: push(BigInt(c.u32())); break;
      case OP.const4s: push(BigInt(c.u32() | 0)); break;
      case OP.const8u: case OP.const8s: push(c.u64()); break;
      case OP.constu: push(BigInt(c.uleb())); break;
      case OP.consts: push(BigInt(c.sleb())); break;
      case OP.dup: { const v = pop(); push(v); push(v); break; }
      case OP.drop: pop(); break;
      case OP.over: { if (stack.length < 2) pop(); push(stack[stack.length - 2]); break; }
      case OP.pick: { const i = c.u8(); if (i >= stack.length) pop(); push(stack[stack.length - 1 - i]); break; }
      case OP.swap: { const b = pop(), a = pop(); push(b); push(a); break; }
      case OP.rot: { const a = pop(), b = pop(), d = pop(); push(a); push(d); push(b); break; }
      case OP.deref: case OP.deref_size: {
        const size = op === OP.deref ? 8 : c.u8();
        const addr = pop();
        const v = ctx.read(addr, size);
        if (v === undefined) throw new Unavailable(`memory at 0x${addr.toString(16)} cannot be read`);
        push(v);
        break;
      }
      case OP.abs: { const v = s64(pop()); push(v < 0n ? -v : v); break; }
      case OP.and: binary((a, b) => a & b); break;
      case OP.or: binary((a, b) => a | b); break;
      case OP.xor: binary((a, b) => a ^ b); break;
      case OP.plus: binary((a, b) => a + b); break;
      case OP.minus: binary((a, b) => a - b); break;
      case OP.mul: binary((a, b) => a * b); break;
      case OP.div: binary((a, b) => { if (b === 0n) throw new Unavailable('division by zero'); return s64(a) / s64(b); }); break;
      case OP.mod: binary((a, b) => { if (b === 0n) throw new Unavailable('division by zero'); return a % b; }); break;
      case OP.shl: binary((a, b) => (b >= 64n ? 0n : a << b)); break;
      case OP.shr: binary((a, b) => (b >= 64n ? 0n : a >> b)); break;
      case OP.shra: binary((a, b) => s64(a) >> (b >= 64n ? 63n : b)); break;
      case OP.neg: push(-pop()); break;
      case OP.not: push(~pop()); break;
      case OP.plus_uconst: push(pop() + BigInt(c.uleb())); break;
      case OP.eq: compare((a, b) => a === b); break;
      case OP.ne: compare((a, b) => a !== b); break;
      case OP.lt: compare((a, b) => a < b); break;
      case OP.le: compare((a, b) => a <= b); break;
      case OP.gt: compare((a, b) => a > b); break;
      case OP.ge: compare((a, b) => a >= b); break;
      case OP.skip: { const d = (c.u16() << 16) >> 16; c.pos += d; break; }
      case OP.bra: { const d = (c.u16() << 16) >> 16; if (pop() !== 0n) c.pos += d; break; }
      case OP.regx: place = { kind: 'register', reg: c.uleb() }; break;
      case OP.bregx: { const r = c.uleb(); push(regValue(r) + BigInt(c.sleb())); break; }
      case OP.fbreg: push(frameBase(ctx, depth) + BigInt(c.sleb())); break;
      case OP.call_frame_cfa:
        if (ctx.cfa === undefined) throw new Unavailable(`${NOT_AVAILABLE} (no call frame information here)`);
        push(ctx.cfa);
        break;
      case OP.stack_value: place = { kind: 'value', value: pop() }; break;
      case OP.implicit_value: {
        const n = c.uleb();
        if (c.pos + n > c.end) c.fail('DW_OP_implicit_value runs past the expression');
        place = { kind: 'implicit', bytes: expr.subarray(c.pos, c.pos + n) };
        c.pos += n;
        break;
      }
      case OP.piece: case OP.bit_piece: {
        const bits = op === OP.bit_piece;
        const size = c.uleb();
        if (bits) { const off = c.uleb(); if (size % 8 || off % 8) throw new Unavailable('bit pieces are not shown'); }
        const p: Place = place ?? (stack.length ? { kind: 'memory', addr: pop() } : { kind: 'unavailable', reason: OPTIMIZED_OUT });
        pieces.push({ place: p, size: bits ? size / 8 : size });
        place = undefined;
        break;
      }
      case OP.entry_value: case OP.GNU_entry_value: {
        // Only a register's entry value is asked for; a memory one (breg, deref) would need the caller's memory
        // as it was at the call.
        const n = c.uleb();
        if (c.pos + n > c.end) c.fail('DW_OP_entry_value runs past the expression');
        const reg = registerOf(expr.subarray(c.pos, c.pos + n));
        c.pos += n;
        const v = reg === undefined ? undefined : ctx.entryValue?.(reg);
        if (v === undefined) throw new Unavailable(`${OPTIMIZED_OUT} (only its value at entry is described)`);
        push(v);
        break;
      }
      case OP.implicit_pointer: case OP.GNU_implicit_pointer:
        throw new Unavailable(`${OPTIMIZED_OUT} (points to an optimized-out object)`);
      case OP.GNU_parameter_ref:
        throw new Unavailable(OPTIMIZED_OUT);
      case OP.nop: break;
      default: throw new Unavailable(`location operation 0x${op.toString(16)} is not supported`);
    }
  }
  if (pieces.length) return { kind: 'pieces', pieces };
  if (place) return place;
  // §2.6.1.1.2: the value left on the stack is the address of a memory location.
  return { kind: 'memory', addr: pop() };
}

/** DW_OP_fbreg's base (§2.5.1.2): the frame base's address, or a register description's register contents. */
function frameBase(ctx: ExprContext, depth: number): bigint {
  if (!ctx.frameBase) throw new Unavailable('the function has no frame base');
  if (depth > 2) throw new Unavailable('the frame base refers to itself');
  const p = evaluate(ctx.frameBase, { ...ctx, frameBase: undefined }, depth + 1);
  switch (p.kind) {
    case 'memory': return p.addr;
    case 'register': { const v = ctx.reg(p.reg); if (v === undefined) throw new Unavailable(NOT_AVAILABLE); return v; }
    case 'value': return p.value;
    case 'unavailable': throw new Unavailable(p.reason);
    default: throw new Unavailable('the frame base is not an address');
  }
}

function bytesOf(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The `size` bytes at a place. */
export function readPlace(p: Place, size: number, ctx: ExprContext): ValueBytes {
  switch (p.kind) {
    case 'unavailable': return { ok: false, reason: p.reason };
    case 'value': return { ok: true, bytes: bytesOf(p.value, size) };
    case 'implicit': { const b = new Uint8Array(size); b.set(p.bytes.subarray(0, size)); return { ok: true, bytes: b }; }
    case 'register': {
      const v = ctx.reg(p.reg);
      if (v === undefined) return { ok: false, reason: NOT_AVAILABLE };
      if (size > 8) return { ok: false, reason: `${size} bytes do not fit register ${p.reg}` };
      return { ok: true, bytes: bytesOf(v, size), register: p.reg };
    }
    case 'memory': {
      const out = new Uint8Array(size);
      for (let i = 0; i < size;) {
        const n = Math.min(8, size - i);
        const v = ctx.read(u64(p.addr + BigInt(i)), n);
        if (v === undefined) return { ok: false, reason: `memory at 0x${u64(p.addr + BigInt(i)).toString(16)} cannot be read` };
        out.set(bytesOf(v, n), i);
        i += n;
      }
      return { ok: true, bytes: out, address: p.addr };
    }
    case 'pieces': {
      // §2.6.1.2 composite: pieces in order from the lowest byte. Any missing piece makes the whole partial.
      const out = new Uint8Array(size);
      let at = 0;
      for (const piece of p.pieces) {
        const r = readPlace(piece.place, piece.size, ctx);
        if (!r.ok) return { ok: false, reason: r.reason === OPTIMIZED_OUT || r.reason === NOT_AVAILABLE ? `partly ${r.reason}` : r.reason };
        out.set(r.bytes.subarray(0, Math.max(0, Math.min(piece.size, size - at))), at);
        at += piece.size;
      }
      return { ok: true, bytes: out };
    }
  }
}

/** The expression of a location at `pc` (§2.6.2: the list entry whose range holds it; none = optimized out). */
export function expressionAt(loc: Location, pc: number): Uint8Array | undefined {
  if (loc.kind === 'expr') return loc.expr;
  if (loc.kind === 'list') {
    const bounded = loc.entries.find((e) => e.start !== -Infinity && pc >= e.start && pc < e.end);
    return (bounded ?? loc.entries.find((e) => e.start === -Infinity))?.expr;
  }
  return undefined;
}

/** A variable's `size` bytes at `pc` in a frame. */
export function readVariable(loc: Location, pc: number, size: number, ctx: ExprContext): ValueBytes {
  if (loc.kind === 'const') { const b = new Uint8Array(size); b.set(loc.bytes.subarray(0, size)); return { ok: true, bytes: b }; }
  const expr = expressionAt(loc, pc);
  if (!expr) return { ok: false, reason: OPTIMIZED_OUT };
  return readPlace(evaluate(expr, ctx), size, ctx);
}
