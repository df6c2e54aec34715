// The "Locals" scope: a stack frame's function parameters and the local variables in scope at its pc, from the
// symbol file's .debug_info, located by DWARF expressions in that frame (its registers, its CFA; values at entry
// from the caller's call site) and printed by type. Structs, arrays and pointers expand as children, read when
// the client asks for them.
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { evaluateValue, ExprContext, NOT_AVAILABLE, OPTIMIZED_OUT, readVariable, ValueBytes } from '../engine/loader/dwarf-expr';
import { DwarfType, sizeOf, stripType, Subprogram, typeName, Variable } from '../engine/loader/dwarf-info';
import { EvalError } from './expression';
import { DebugImage } from './images';
import { Target } from './target';

/** Where a frame's locals come from. `caller`: its pc is a return address (the call is at pc - 1). `up`: the frame
 *  that called this one, whose call site gives the values its parameters had on entry. */
export interface LocalsFrame {
  kind: 'locals'; hartId: number; pc: number; caller: boolean; unwound?: ReadonlyMap<number, bigint>; up?: LocalsFrame;
}

/** A value with children: the bytes of a struct or array, or a pointer's target read on expansion. */
export interface ValueNode {
  kind: 'value';
  hartId: number;
  type: DwarfType | undefined;
  bytes?: Uint8Array;
  /** Where to read the value when `bytes` is absent (a pointer's target). */
  address?: bigint;
  path: string;
  depth: number;
}

export type LocalsContainer = LocalsFrame | ValueNode;

/** Handles for children (the Variables' handle table). */
export type MakeRef = (c: LocalsContainer) => number;

// §7.8 base type encodings.
const ATE_boolean = 0x02, ATE_float = 0x04, ATE_signed = 0x05, ATE_signed_char = 0x06, ATE_unsigned_char = 0x08, ATE_UTF = 0x10;
/** Nesting past this shows no more children (cyclic lists would otherwise go on forever). */
const MAX_DEPTH = 8;
/** Array elements listed as children, and shown in a summary. */
const MAX_ELEMENTS = 256, SUMMARY_ELEMENTS = 8;
const MAX_STRING = 64;
/** Callers asked in a row for entry values (a call value may itself be an entry value of the caller). */
const MAX_ENTRY_DEPTH = 8;

const RO = { attributes: ['readOnly'] };

function int(bytes: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return signed && bytes.length ? BigInt.asIntN(bytes.length * 8, v) : v;
}

function charText(code: number): string {
  const esc: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (esc[code]) return esc[code];
  return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : `\\x${code.toString(16).padStart(2, '0')}`;
}

function quoted(codes: number[]): string {
  return '"' + codes.map((c) => (c === 34 ? '\\"' : c === 39 ? "'" : charText(c))).join('') + '"';
}

const isChar = (t: DwarfType | undefined) => {
  const s = stripType(t);
  return s?.kind === 'base' && s.size === 1 && (s.encoding === ATE_signed_char || s.encoding === ATE_unsigned_char || s.encoding === ATE_UTF);
};

export class Locals {
  constructor(private readonly target: Target) {}

  /** The frame's image and function, when its pc is in code described by .debug_info. */
  functionOf(pc: number, caller: boolean): { image: DebugImage; fn: Subprogram; at: number } | undefined {
    const at = caller ? pc - 1 : pc;
    const image = this.target.images.at(at);
    const fn = image?.functionAt(at);
    return image && fn ? { image, fn, at } : undefined;
  }

  /** The evaluation context of a frame: its registers (the hart's for frame 0, else what unwinding recovered),
   *  its CFA from the CFI row at the pc, the hart's view of memory, and entry values from the caller. */
  private context(h: Hart, f: LocalsFrame, image: DebugImage, fn: Subprogram, at: number, depth = 0): ExprContext {
    const known = f.unwound ?? (f.caller ? new Map<number, bigint>() : undefined);
    const reg = (n: number) => (known ? known.get(n) : n < 32 ? h.getX(n) : undefined);
    const row = image.unwindRow(at);
    const base = row?.cfa ? reg(row.cfa.reg) : undefined;
    return {
      reg,
      ...(row?.cfa && base !== undefined ? { cfa: BigInt.asUintN(64, base + BigInt(row.cfa.offset)) } : {}),
      ...(fn.frameBase ? { frameBase: fn.frameBase } : {}),
      read: (addr, size) => this.read(h, addr, size),
      addrx: (i) => image.info!.addrx(fn.unit, i),
      relocate: image.offset,
      entryValue: (r) => this.entryValue(h, f, fn, r, depth),
    };
  }

  /** A register's value when `fn` was entered (§2.5.1.7): the argument the caller's call site gives for it,
   *  computed in the caller's frame (§3.4.2: from what the call preserves, so still right after it returns). */
  private entryValue(h: Hart, f: LocalsFrame, fn: Subprogram, reg: number, depth: number): bigint | undefined {
    const up = f.up;
    if (!up?.caller || depth >= MAX_ENTRY_DEPTH) return undefined;
    const where = this.functionOf(up.pc, true);
    const site = where && where.image.info!.callSiteAt(where.fn, up.pc - where.image.offset);
    // A call to another function (or an indirect one) there: this frame may have been entered by a tail call
    // from that callee, with other arguments.
    if (!where || site?.callee !== fn.name) return undefined;
    const arg = site.parameters.find((p) => p.reg === reg);
    return arg && evaluateValue(arg.value, this.context(h, up, where.image, where.fn, where.at, depth + 1));
  }

  private read(h: Hart, addr: bigint, size: number): bigint | undefined {
    try { return this.target.readValue(h, BigInt.asUintN(64, addr), size); } catch { return undefined; }
  }

  /** Whether a frame gets a Locals scope: its function is described, or its symbol file's .debug_info is
   *  missing or unreadable (the scope then says why). */
  hasScope(pc: number, caller: boolean): boolean {
    if (this.functionOf(pc, caller)) return true;
    const image = this.target.images.at(caller ? pc - 1 : pc);
    return image !== undefined && image.info === null;
  }

  /** Each variable in scope at the frame's pc with its bytes (or why there are none). */
  values(f: LocalsFrame): { variable: Variable; value: ValueBytes }[] | undefined {
    const where = this.functionOf(f.pc, f.caller);
    if (!where) return undefined;
    const { image, fn, at } = where;
    const h = this.target.hart(f.hartId);
    const ctx = this.context(h, f, image, fn, at);
    const linkPc = at - image.offset;
    return image.info!.variablesAt(fn, linkPc).map((variable) => {
      const size = sizeOf(variable.type);
      const value: ValueBytes = size > 0 || variable.location.kind === 'none'
        ? readVariable(variable.location, linkPc, Math.max(size, 0), ctx)
        : { ok: false, reason: `the size of ${typeName(variable.type)} is unknown` };
      return { variable, value };
    });
  }

  /** The Locals scope's variables: parameters, then locals (innermost block first). */
  list(f: LocalsFrame, ref: MakeRef): DebugProtocol.Variable[] {
    const values = this.values(f);
    if (!values) {
      // No locals because the symbol file has no readable .debug_info: say so rather than show an empty scope.
      const problem = this.target.images.at(f.caller ? f.pc - 1 : f.pc)?.infoProblem;
      return problem ? [{ name: '<no locals>', value: problem, variablesReference: 0, presentationHint: RO }] : [];
    }
    const shadowed = new Set<string>();
    return values.map(({ variable, value }) => {
      // An inner block's variable hides an outer one of the same name (§3.5); the outer stays listed, marked.
      const name = shadowed.has(variable.name) ? `${variable.name} (outer)` : variable.name;
      shadowed.add(variable.name);
      if (!value.ok) {
        return { name, value: unavailable(value.reason), type: typeName(variable.type), variablesReference: 0, presentationHint: RO };
      }
      const v = this.variable(f.hartId, name, variable.name, variable.type, value.bytes, value.address, 0, ref);
      const s = stripType(variable.type);
      const scalar = s && (s.kind === 'pointer' || s.kind === 'enum' || (s.kind === 'base' && s.encoding !== ATE_float));
      const settable = scalar && name === variable.name && (value.address !== undefined || (value.register !== undefined && !f.caller && !f.unwound));
      if (settable) delete v.presentationHint;
      return v;
    });
  }

  /** One value as a DAP variable: its text, and a handle when it has children. */
  variable(hartId: number, name: string, path: string, type: DwarfType | undefined, bytes: Uint8Array, address: bigint | undefined,
    depth: number, ref: MakeRef): DebugProtocol.Variable {
    const h = this.target.hart(hartId);
    const s = stripType(type);
    let children = 0, indexed: number | undefined;
    if (depth < MAX_DEPTH) {
      if (s?.kind === 'struct' && s.members.length) children = ref({ kind: 'value', hartId, type, bytes, path, depth: depth + 1 });
      else if (s?.kind === 'array' && (s.counts[0] ?? 0) > 0 && sizeOf(s.element) > 0) {
        children = ref({ kind: 'value', hartId, type, bytes, path, depth: depth + 1 });
        indexed = Math.min(s.counts[0] ?? 0, MAX_ELEMENTS);
      } else if (s?.kind === 'pointer' && int(bytes, false) !== 0n) {
        const target = stripType(s.target);
        if (target && target.kind !== 'function' && sizeOf(target) > 0 && !isChar(target)) {
          children = ref({ kind: 'value', hartId, type: s.target, address: int(bytes, false), path: `${path}[0]`, depth: depth + 1 });
        }
      }
    }
    return {
      name, value: this.format(h, type, bytes, 0), type: typeName(type), evaluateName: path, variablesReference: children,
      ...(indexed !== undefined ? { indexedVariables: indexed } : {}),
      ...(address !== undefined ? { memoryReference: `v:0x${BigInt.asUintN(64, address).toString(16)}` } : {}),
      presentationHint: RO,
    };
  }

  /** The children of a struct, an array or a pointer's target. */
  children(c: ValueNode, ref: MakeRef): DebugProtocol.Variable[] {
    const h = this.target.hart(c.hartId);
    let bytes = c.bytes;
    if (!bytes) {
      const size = sizeOf(c.type);
      const read = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const b = this.read(h, (c.address ?? 0n) + BigInt(i), 1);
        if (b === undefined) {
          return [{ name: c.path, value: `<memory at 0x${((c.address ?? 0n) + BigInt(i)).toString(16)} cannot be read>`, variablesReference: 0 }];
        }
        read[i] = Number(b);
      }
      // A pointer's target: one child, the object itself, so a struct shows its members one level down.
      return [this.variable(c.hartId, `*${c.path.slice(0, -3)}`, c.path, c.type, read, c.address, c.depth, ref)];
    }
    const s = stripType(c.type);
    const at = (off: number, n: number) => bytes!.subarray(off, off + n);
    const addr = (off: number) => (c.address !== undefined ? c.address + BigInt(off) : undefined);
    if (s?.kind === 'struct') {
      return s.members.map((m) => {
        const n = sizeOf(m.type);
        let b = at(m.offset, n);
        if (m.bitSize !== undefined) {
          // A bit field (§5.7.6): its bits from data_bit_offset, little-endian, into a value of the member's type.
          const all = int(bytes!.subarray(m.offset, m.offset + Math.max(n, Math.ceil(((m.bitOffset ?? 0) + m.bitSize) / 8))), false);
          const v = (all >> BigInt(m.bitOffset ?? 0)) & ((1n << BigInt(m.bitSize)) - 1n);
          b = new Uint8Array(n).map((_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
        }
        return this.variable(c.hartId, m.name, `${c.path}.${m.name}`, m.type, b, addr(m.offset), c.depth, ref);
      });
    }
    if (s?.kind === 'array') {
      const n = sizeOf(s.element);
      const count = Math.min(s.counts[0] ?? 0, MAX_ELEMENTS);
      // A multi-dimensional array's element is the array of the remaining dimensions.
      const element: DwarfType | undefined = s.counts.length > 1 ? { kind: 'array', element: s.element, counts: s.counts.slice(1) } : s.element;
      const size = s.counts.length > 1 ? n * s.counts.slice(1).reduce<number>((a, x) => a * (x ?? 0), 1) : n;
      return Array.from({ length: count }, (_, i) =>
        this.variable(c.hartId, `[${i}]`, `${c.path}[${i}]`, element, at(i * size, size), addr(i * size), c.depth, ref));
    }
    return [];
  }

  /** The value as text: integers in decimal and hex, chars quoted, pointers with their symbol, enums by name. */
  format(h: Hart, type: DwarfType | undefined, bytes: Uint8Array, depth: number): string {
    const s = stripType(type);
    if (!s) return `<${bytes.length} bytes>`;
    switch (s.kind) {
      case 'base': {
        if (s.encoding === ATE_boolean) return int(bytes, false) === 0n ? 'false' : 'true';
        if (s.encoding === ATE_float && (s.size === 4 || s.size === 8)) {
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          return String(s.size === 4 ? v.getFloat32(0, true) : v.getFloat64(0, true));
        }
        const signed = s.encoding === ATE_signed || s.encoding === ATE_signed_char;
        const v = int(bytes, signed);
        if (isChar(s)) return `${v} '${charText(Number(int(bytes, false)))}'`;
        return `${v} (0x${int(bytes, false).toString(16)})`;
      }
      case 'enum': {
        const v = int(bytes, false), sv = int(bytes, true);
        const e = s.enumerators.find((x) => x.value === v || x.value === sv);
        return e ? `${e.name} (${sv})` : String(sv);
      }
      case 'pointer': {
        const v = int(bytes, false);
        if (v === 0n) return '0x0 (null)';
        const sym = this.target.symbolize(Number(BigInt.asIntN(64, v)));
        let text = `0x${v.toString(16)}${sym ? ` <${sym}>` : ''}`;
        if (isChar(s.target)) text += ` ${this.cString(h, v)}`;
        return text;
      }
      case 'array': {
        const count = s.counts[0] ?? 0, n = sizeOf(s.element);
        if (isChar(s.element) && s.counts.length === 1) {
          const codes = [...bytes.subarray(0, count)];
          const nul = codes.indexOf(0);
          return quoted(nul < 0 ? codes : codes.slice(0, nul));
        }
        if (depth > 0 || n === 0) return `[${count}]`;
        const shown = Array.from({ length: Math.min(count, SUMMARY_ELEMENTS) },
          (_, i) => this.format(h, s.counts.length > 1 ? undefined : s.element, bytes.subarray(i * n, (i + 1) * n), depth + 1).split(' (')[0]);
        return `[${shown.join(', ')}${count > SUMMARY_ELEMENTS ? ', …' : ''}]`;
      }
      case 'struct': {
        if (depth > 0) return '{…}';
        const parts = s.members.slice(0, 6).map((m) => {
          const text = m.bitSize !== undefined ? '…' : this.format(h, m.type, bytes.subarray(m.offset, m.offset + sizeOf(m.type)), depth + 1);
          return `${m.name} = ${text.split(' (')[0]}`;
        });
        return `{${parts.join(', ')}${s.members.length > 6 ? ', …' : ''}}`;
      }
      default: return `<${typeName(type)}>`;
    }
  }

  /** A C string at a guest address, cut at MAX_STRING characters. */
  private cString(h: Hart, addr: bigint): string {
    const codes: number[] = [];
    for (let i = 0; i < MAX_STRING; i++) {
      const b = this.read(h, addr + BigInt(i), 1);
      if (b === undefined) return codes.length ? quoted(codes) + '…' : '<unreadable>';
      if (b === 0n) return quoted(codes);
      codes.push(Number(b));
    }
    return quoted(codes) + '…';
  }

  /**
   * A local, or a part of one as the Locals view names them (`p[0].x`, `arr[2]`, `hdr.label`), in a frame, for
   * evaluate, hovers and watches; undefined when the expression is not such a path or names no local.
   */
  lookup(f: LocalsFrame, expression: string, ref: MakeRef): DebugProtocol.Variable | undefined {
    const m = /^\s*([A-Za-z_]\w*)((?:\s*(?:\.\s*[A-Za-z_]\w*|\[\s*\d+\s*\]))*)\s*$/.exec(expression);
    if (!m) return undefined;
    const found = (this.values(f) ?? []).filter((x) => x.variable.name === m[1]);
    // Parameters come first in the list, block locals innermost first: the innermost declaration wins.
    const hit = found.find((x) => !x.variable.isParameter) ?? found[0];
    if (!hit) return undefined;
    const text = expression.replace(/\s+/g, '');
    if (!hit.value.ok) return { name: text, value: unavailable(hit.value.reason), type: typeName(hit.variable.type), variablesReference: 0 };
    const h = this.target.hart(f.hartId);
    let type = hit.variable.type, bytes = hit.value.bytes, address = hit.value.address;
    for (const step of m[2].replace(/\s+/g, '').match(/\.\w+|\[\d+\]/g) ?? []) {
      const s = stripType(type);
      if (step.startsWith('.')) {
        const member = s?.kind === 'struct' ? s.members.find((x) => x.name === step.slice(1)) : undefined;
        if (!member || member.bitSize !== undefined) throw new EvalError(`${typeName(type)} has no member '${step.slice(1)}' to show`);
        type = member.type;
        bytes = bytes.subarray(member.offset, member.offset + sizeOf(type));
        address = address !== undefined ? address + BigInt(member.offset) : undefined;
        continue;
      }
      const i = Number(step.slice(1, -1));
      if (s?.kind === 'array' && s.counts.length === 1) {
        const n = sizeOf(s.element);
        if (s.counts[0] !== undefined && i >= s.counts[0]) throw new EvalError(`index ${i} is past the end of ${typeName(type)}`);
        type = s.element;
        bytes = bytes.subarray(i * n, (i + 1) * n);
        address = address !== undefined ? address + BigInt(i * n) : undefined;
      } else if (s?.kind === 'pointer') {
        const n = sizeOf(s.target);
        if (n === 0) throw new EvalError(`${typeName(type)} points to something of unknown size`);
        address = int(bytes, false) + BigInt(i * n);
        type = s.target;
        const read = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          const b = this.read(h, address + BigInt(k), 1);
          if (b === undefined) throw new EvalError(`memory at 0x${(address + BigInt(k)).toString(16)} cannot be read`);
          read[k] = Number(b);
        }
        bytes = read;
      } else throw new EvalError(`${typeName(type)} cannot be indexed`);
    }
    return this.variable(f.hartId, text, text, type, bytes, address, 0, ref);
  }

  /** Integer and pointer locals as numbers, for arithmetic in expressions (`sector + 1`). */
  /**
   * setVariable on a scalar (integer, char, bool, enum, pointer) local: written where it lives now, in memory
   * through the hart's translation or, in the innermost frame, in its register (extended to 64 bits as the
   * RISC-V psABI keeps narrow values: by signedness, 32-bit ones always sign-extended). Returns the value read
   * back. Values in caller frames' registers, constants and composites are refused with why.
   */
  set(f: LocalsFrame, name: string, value: bigint): string {
    const found = (this.values(f) ?? []).find((x) => x.variable.name === name);
    if (!found) throw new EvalError(`no local named '${name}' in this frame`);
    const { variable, value: where } = found;
    if (!where.ok) throw new EvalError(`'${name}' is ${unavailable(where.reason)} here: there is nowhere to write it`);
    const s = stripType(variable.type);
    const size = sizeOf(variable.type);
    if (!s || !(s.kind === 'base' || s.kind === 'pointer' || s.kind === 'enum') || (s.kind === 'base' && s.encoding === ATE_float) || size < 1 || size > 8) {
      throw new EvalError(`'${name}' is a ${typeName(variable.type)}: only integer, char, bool, enum and pointer locals can be set`);
    }
    const h = this.target.hart(f.hartId);
    const bits = BigInt(size * 8);
    if (where.address !== undefined) {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn);
      if (this.target.writeVirtual(h, Number(BigInt.asIntN(64, where.address)), bytes) < size) {
        throw new EvalError(`'${name}' at 0x${where.address.toString(16)} cannot be written`);
      }
    } else if (where.register !== undefined && where.register < 32) {
      if (f.caller || f.unwound) throw new EvalError(`'${name}' lives in register x${where.register} of a caller frame: set it where it is live (the innermost frame)`);
      const signed = size === 4 || (s.kind !== 'pointer' && !(s.kind === 'base' && [0x02, 0x07, 0x08].includes(s.encoding)));
      h.setX(where.register, signed ? BigInt.asIntN(Number(bits), value) : BigInt.asUintN(Number(bits), value));
    } else {
      throw new EvalError(`'${name}' is not stored anywhere at this pc (a constant or a computed value): it cannot be set`);
    }
    const back = (this.values(f) ?? []).find((x) => x.variable.name === name)!.value;
    return back.ok ? this.format(h, variable.type, back.bytes, 0) : unavailable(back.reason);
  }

  scalars(f: LocalsFrame): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    const all = this.values(f) ?? [];
    // Parameters first, then locals from the outermost block in: an inner declaration replaces an outer one.
    for (const { variable, value } of [...all.filter((x) => x.variable.isParameter), ...all.filter((x) => !x.variable.isParameter).reverse()]) {
      const s = stripType(variable.type);
      if (!value.ok || !s || !(s.kind === 'base' || s.kind === 'pointer' || s.kind === 'enum')) continue;
      if (s.kind === 'base' && s.encoding === ATE_float) continue;
      const signed = s.kind !== 'pointer' && !(s.kind === 'base' && [0x02, 0x07, 0x08].includes(s.encoding));
      out[variable.name] = BigInt.asIntN(64, int(value.bytes, signed));
    }
    return out;
  }
}

function unavailable(reason: string): string {
  return reason === OPTIMIZED_OUT ? '<optimized out>' : reason === NOT_AVAILABLE ? '<not available>' : `<${reason}>`;
}
