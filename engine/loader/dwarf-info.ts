// Functions, their parameters and local variables, and the types to print them, from .debug_info (DWARF 5 §3.3
// subprograms, §3.5 lexical blocks, §4.1 data objects, §5 types), for a debugger's "Locals" view.
//
// Out-of-line copies of inline functions and partially inlined clones name their parameters through
// DW_AT_abstract_origin (§3.3.8.2): names and types come from the origin, locations from the concrete DIE.
// Inlined subroutines (§3.3.8) are kept as scopes of their own that frames do not list.
//
// Each function keeps the calls it describes (§3.4 call sites) by return address, with the argument registers
// and how the caller computed them: a callee's DW_OP_entry_value is the caller's DW_AT_call_value.
import { AttrValue, Die, DwarfError, InfoSections, parseDies, Unit } from './dwarf-die';
import { LocEntry, Range, readLocList, readRanges } from './dwarf-lists';
import { registerOf } from './dwarf-expr';
import { ElfImage, findSection } from './elf';

export { DwarfError, InfoSections, LocEntry, Range };

// §7.5.4 tags and §7.5.5 attributes that this file reads.
const T = {
  array: 0x01, enumeration: 0x04, formal_parameter: 0x05, lexical_block: 0x0b, member: 0x0d, pointer: 0x0f,
  reference: 0x10, compile_unit: 0x11, structure: 0x13, subroutine_type: 0x15, typedef: 0x16, union: 0x17,
  inlined_subroutine: 0x1d, subrange: 0x21, base: 0x24, const: 0x26, enumerator: 0x28, subprogram: 0x2e,
  variable: 0x34, volatile: 0x35, restrict: 0x37, partial_unit: 0x3c, atomic: 0x47, rvalue_reference: 0x42,
  class: 0x02, unspecified_type: 0x3b, call_site: 0x48, call_site_parameter: 0x49,
  GNU_call_site: 0x4109, GNU_call_site_parameter: 0x410a,
} as const;
const A = {
  location: 0x02, name: 0x03, byte_size: 0x0b, bit_size: 0x0d, low_pc: 0x11, high_pc: 0x12, const_value: 0x1c,
  upper_bound: 0x2f, abstract_origin: 0x31, count: 0x37, data_member_location: 0x38, declaration: 0x3c,
  encoding: 0x3e, frame_base: 0x40, specification: 0x47, type: 0x49, ranges: 0x55, data_bit_offset: 0x6b,
  linkage_name: 0x6e, bit_offset: 0x0c, call_return_pc: 0x7d, call_value: 0x7e, call_origin: 0x7f, call_pc: 0x81,
  call_tail_call: 0x82, GNU_call_site_value: 0x2111, GNU_tail_call: 0x2115,
} as const;

/** A type, enough to print a value (§5). Objects are shared and may be cyclic (a struct pointing to itself). */
export type DwarfType =
  | { kind: 'base'; name: string; size: number; encoding: number }
  | { kind: 'pointer'; size: number; target: DwarfType | undefined }
  | { kind: 'typedef'; name: string; target: DwarfType | undefined }
  | { kind: 'qualified'; qualifier: 'const' | 'volatile' | 'restrict' | 'atomic'; target: DwarfType | undefined }
  | { kind: 'array'; element: DwarfType | undefined; counts: (number | undefined)[] }
  | { kind: 'struct'; keyword: 'struct' | 'union' | 'class'; name?: string; size: number; members: Member[] }
  | { kind: 'enum'; name?: string; size: number; enumerators: { name: string; value: bigint }[] }
  | { kind: 'function'; name?: string }
  | { kind: 'unknown'; name: string };

export interface Member {
  name: string;
  type: DwarfType | undefined;
  offset: number;
  /** Bit fields (§5.7.6): width and offset from the member's byte offset in bits. */
  bitSize?: number;
  bitOffset?: number;
}

/** Where a variable lives: one expression for its whole lifetime, or a list by pc (§2.6), or nowhere. */
export type Location =
  | { kind: 'expr'; expr: Uint8Array }
  | { kind: 'list'; entries: LocEntry[] }
  | { kind: 'const'; bytes: Uint8Array }
  | { kind: 'none' };

export interface Variable {
  name: string;
  type: DwarfType | undefined;
  /** .debug_info offset of the type DIE (for tests and diagnostics). */
  typeOffset?: number;
  location: Location;
  isParameter: boolean;
  offset: number;
}

/** A lexical block or an inlined call, with the variables declared in it. */
export interface Scope {
  ranges: Range[];
  variables: Variable[];
  scopes: Scope[];
  /** For an inlined call: the inlined function's name. */
  inlined?: string;
}

/** An argument of a call (§3.4.2): the register it is passed in and an expression for its value in the caller's
 *  frame, which uses only what the call preserves (callee-saved registers, the frame, constants). */
export interface CallSiteParameter { reg: number; value: Uint8Array }

/** A call a function makes (§3.4.1), at link addresses: the return address (DW_AT_call_return_pc, or low_pc of
 *  the GNU DWARF 4 form) or only the call instruction's address (DW_AT_call_pc); the callee's name when known. */
export interface CallSite { returnPc?: number; callPc?: number; callee?: string; parameters: CallSiteParameter[] }

export interface Subprogram extends Scope {
  name: string;
  offset: number;
  /** DW_AT_frame_base (§3.3.5), usually DW_OP_call_frame_cfa. */
  frameBase?: Uint8Array;
  unit: Unit;
  /** The calls it makes that describe their arguments, inlined code's included. */
  callSites: CallSite[];
}

function str(d: Die, at: number): string | undefined {
  const v = d.attrs.get(at);
  return v?.k === 'str' ? v.v : undefined;
}

function num(v: AttrValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.k === 'const') return Number(v.signed ? v.v : BigInt.asIntN(64, v.v));
  return v.k === 'addr' || v.k === 'sec' ? v.v : undefined;
}

/** Every function with code in a file, with lookups by pc. Build once per image: parsing is not incremental. */
export class DebugInfo {
  readonly subprograms: Subprogram[] = [];
  private readonly byOffset: Map<number, Die>;
  private readonly types = new Map<number, DwarfType>();

  constructor(private readonly s: InfoSections) {
    const { units, byOffset } = parseDies(s);
    this.byOffset = byOffset;
    for (const u of units) this.walk(u.root);
    this.subprograms.sort((a, b) => (a.ranges[0]?.start ?? 0) - (b.ranges[0]?.start ?? 0));
  }

  /** The debugging information of an ELF, or undefined when it has no .debug_info (built without -g). */
  static fromElf(elf: ElfImage): DebugInfo | undefined {
    const sec = (name: string) => findSection(elf, name);
    const debugInfo = sec('.debug_info'), debugAbbrev = sec('.debug_abbrev');
    if (!debugInfo || !debugAbbrev) return undefined;
    return new DebugInfo({
      debugInfo, debugAbbrev, debugStr: sec('.debug_str'), debugLineStr: sec('.debug_line_str'),
      debugStrOffsets: sec('.debug_str_offsets'), debugAddr: sec('.debug_addr'), debugRnglists: sec('.debug_rnglists'),
      debugLoclists: sec('.debug_loclists'), debugLoc: sec('.debug_loc'), debugRanges: sec('.debug_ranges'),
    });
  }

  /** An address from the unit's .debug_addr table (DW_OP_addrx). */
  addrx(unit: Unit, index: number): number {
    const a = this.s.debugAddr;
    const v = a && index >= 0 ? new DataView(a.buffer, a.byteOffset, a.byteLength) : undefined;
    const at = unit.addrBase + index * unit.addressSize;
    if (!v || at + 8 > a!.length) throw new DwarfError(`.debug_addr entry ${index} of the unit at 0x${unit.offset.toString(16)} is missing`);
    return Number(v.getBigInt64(at, true));
  }

  /** The innermost subprogram whose code holds `pc` (link address). */
  functionAt(pc: number): Subprogram | undefined {
    return this.subprograms.find((f) => f.ranges.some((r) => pc >= r.start && pc < r.end));
  }

  /** The call in `fn` that returns to `returnPc` (link address): by its return address, or, when only the call's
   *  address is given, the nearest call before it (at most auipc + jalr, 8 bytes, back). */
  callSiteAt(fn: Subprogram, returnPc: number): CallSite | undefined {
    const exact = fn.callSites.find((c) => c.returnPc === returnPc);
    if (exact) return exact;
    const near = fn.callSites.filter((c) => c.returnPc === undefined && c.callPc !== undefined && c.callPc < returnPc && returnPc - c.callPc <= 8);
    return near.sort((a, b) => b.callPc! - a.callPc!)[0];
  }

  /** Parameters then locals of `fn` that are in scope at `pc`: the function's own and those of the lexical blocks
   *  holding `pc`, innermost first after the parameters; inlined calls' variables stay out (another frame's). */
  variablesAt(fn: Subprogram, pc: number): Variable[] {
    const params = fn.variables.filter((v) => v.isParameter);
    const locals: Variable[][] = [fn.variables.filter((v) => !v.isParameter)];
    let scopes = fn.scopes;
    for (;;) {
      const inner = scopes.find((b) => !b.inlined && b.ranges.some((r) => pc >= r.start && pc < r.end));
      if (!inner) break;
      locals.unshift(inner.variables);
      scopes = inner.scopes;
    }
    return [...params, ...locals.flat()];
  }

  /** The DIE whose attributes a concrete DIE inherits (§3.3.8.2 abstract origin, §2.13.2 specification). */
  private origin(d: Die): Die | undefined {
    const r = d.attrs.get(A.abstract_origin) ?? d.attrs.get(A.specification);
    return r?.k === 'ref' ? this.byOffset.get(r.v) : undefined;
  }

  private inherited(d: Die, at: number): AttrValue | undefined {
    for (let x: Die | undefined = d, n = 0; x && n < 4; x = this.origin(x), n++) {
      const v = x.attrs.get(at);
      if (v) return v;
    }
    return undefined;
  }

  private ranges(d: Die): Range[] {
    const low = d.attrs.get(A.low_pc), high = d.attrs.get(A.high_pc), ranges = d.attrs.get(A.ranges);
    if (ranges) return readRanges(ranges, d.unit, this.s);
    if (low?.k !== 'addr') return [];
    // §2.17.2: a constant-class high_pc is the size of the range.
    const end = high?.k === 'addr' ? high.v : high?.k === 'const' ? low.v + Number(high.v) : low.v;
    return end > low.v ? [{ start: low.v, end }] : [];
  }

  private walk(d: Die): void {
    for (const child of d.children) {
      if (child.tag === T.subprogram) this.subprogram(child);
      else if (child.tag === T.compile_unit || child.tag === T.partial_unit || child.tag === T.structure) this.walk(child);
    }
  }

  private subprogram(d: Die): void {
    if (d.attrs.get(A.declaration)) return;
    const ranges = this.ranges(d);
    if (ranges.length === 0) return; // abstract instance or declaration: no code of its own
    const fb = d.attrs.get(A.frame_base);
    const inh = this.inherited(d, A.name);
    const fn: Subprogram = {
      name: inh?.k === 'str' ? inh.v : `<function at 0x${ranges[0].start.toString(16)}>`, offset: d.offset, unit: d.unit,
      ranges, variables: [], scopes: [], callSites: [], ...(fb?.k === 'block' ? { frameBase: fb.v } : {}),
    };
    this.fill(fn, d);
    this.callSites(d, fn.callSites);
    this.subprograms.push(fn);
  }

  /** Adds `d`'s variables and nested scopes to `scope` (§3.5: blocks nest; their variables shadow outer ones). */
  private fill(scope: Scope, d: Die): void {
    for (const c of d.children) {
      switch (c.tag) {
        case T.formal_parameter: case T.variable: {
          const v = this.variable(c);
          if (v) scope.variables.push(v);
          break;
        }
        case T.lexical_block: case T.inlined_subroutine: {
          const inner: Scope = { ranges: this.ranges(c), variables: [], scopes: [] };
          if (c.tag === T.inlined_subroutine) { const n = this.inherited(c, A.name); inner.inlined = n?.k === 'str' ? n.v : '<inlined>'; }
          this.fill(inner, c);
          scope.scopes.push(inner);
          break;
        }
        case T.subprogram: this.subprogram(c); break; // nested functions (GNU C)
        default: break;
      }
    }
  }

  /** The call sites with described arguments under `d`, in blocks and inlined code too, not in nested functions. */
  private callSites(d: Die, out: CallSite[]): void {
    for (const c of d.children) {
      if (c.tag === T.subprogram) continue;
      if (c.tag !== T.call_site && c.tag !== T.GNU_call_site) { this.callSites(c, out); continue; }
      // A tail call never returns here: no frame's return address names it.
      if ([A.call_tail_call, A.GNU_tail_call].some((a) => { const f = c.attrs.get(a); return f?.k === 'flag' && f.v; })) continue;
      const parameters: CallSiteParameter[] = [];
      for (const p of c.children) {
        if (p.tag !== T.call_site_parameter && p.tag !== T.GNU_call_site_parameter) continue;
        const loc = p.attrs.get(A.location), value = p.attrs.get(A.call_value) ?? p.attrs.get(A.GNU_call_site_value);
        const reg = loc?.k === 'block' ? registerOf(loc.v) : undefined;
        if (reg !== undefined && value?.k === 'block') parameters.push({ reg, value: value.v });
      }
      if (parameters.length === 0) continue;
      const ret = c.attrs.get(c.tag === T.call_site ? A.call_return_pc : A.low_pc), at = c.attrs.get(A.call_pc);
      // DW_AT_call_origin; the GNU form names the callee with DW_AT_abstract_origin.
      const origin = c.attrs.get(A.call_origin) ?? c.attrs.get(A.abstract_origin);
      const od = origin?.k === 'ref' ? this.byOffset.get(origin.v) : undefined;
      const callee = od ? this.inherited(od, A.name) : undefined;
      out.push({
        ...(ret?.k === 'addr' ? { returnPc: ret.v } : {}), ...(at?.k === 'addr' ? { callPc: at.v } : {}),
        ...(callee?.k === 'str' ? { callee: callee.v } : {}), parameters,
      });
    }
  }

  private variable(d: Die): Variable | undefined {
    const nameAttr = this.inherited(d, A.name);
    if (nameAttr?.k !== 'str') return undefined; // unnamed (artificial) parameters have nothing to show
    // A static or global declared inside a function has an address expression; a declaration has none.
    if (d.attrs.get(A.declaration)) return undefined;
    const typeAttr = this.inherited(d, A.type);
    const typeOffset = typeAttr?.k === 'ref' ? typeAttr.v : undefined;
    const loc = d.attrs.get(A.location), cv = d.attrs.get(A.const_value);
    let location: Location = { kind: 'none' };
    if (loc?.k === 'block') location = { kind: 'expr', expr: loc.v };
    else if (loc?.k === 'sec' || loc?.k === 'listx') location = { kind: 'list', entries: readLocList(loc, d.unit, this.s) };
    else if (cv) location = { kind: 'const', bytes: constBytes(cv) };
    return {
      name: nameAttr.v, type: typeOffset === undefined ? undefined : this.type(typeOffset), location,
      isParameter: d.tag === T.formal_parameter, offset: d.offset, ...(typeOffset !== undefined ? { typeOffset } : {}),
    };
  }

  /** The type at a .debug_info offset (§5), built once and shared. */
  type(offset: number): DwarfType | undefined {
    const known = this.types.get(offset);
    if (known) return known;
    const d = this.byOffset.get(offset);
    if (!d) return undefined;
    const target = () => { const r = d.attrs.get(A.type); return r?.k === 'ref' ? this.type(r.v) : undefined; };
    const name = str(d, A.name);
    const size = num(d.attrs.get(A.byte_size));
    let t: DwarfType;
    switch (d.tag) {
      case T.base: t = { kind: 'base', name: name ?? '?', size: size ?? 0, encoding: num(d.attrs.get(A.encoding)) ?? 0 }; break;
      case T.pointer: case T.reference: case T.rvalue_reference:
        t = { kind: 'pointer', size: size ?? d.unit.addressSize, target: undefined };
        this.types.set(offset, t);
        t.target = target();
        return t;
      case T.typedef: t = { kind: 'typedef', name: name ?? '?', target: undefined }; this.types.set(offset, t); t.target = target(); return t;
      case T.const: case T.volatile: case T.restrict: case T.atomic: {
        const qualifier = d.tag === T.const ? 'const' : d.tag === T.volatile ? 'volatile' : d.tag === T.restrict ? 'restrict' : 'atomic';
        t = { kind: 'qualified', qualifier, target: undefined };
        this.types.set(offset, t);
        t.target = target();
        return t;
      }
      case T.array: {
        // §5.13: one subrange per dimension; count, or upper bound minus the lower bound (C: 0) plus one.
        const counts = d.children.filter((c) => c.tag === T.subrange).map((c) => {
          const n = num(c.attrs.get(A.count)), ub = c.attrs.get(A.upper_bound);
          return n ?? (ub?.k === 'const' ? num(ub)! + 1 : undefined);
        });
        t = { kind: 'array', element: undefined, counts: counts.length ? counts : [undefined] };
        this.types.set(offset, t);
        t.element = target();
        return t;
      }
      case T.structure: case T.union: case T.class: {
        const keyword = d.tag === T.union ? 'union' : d.tag === T.class ? 'class' : 'struct';
        const st: Extract<DwarfType, { kind: 'struct' }> = { kind: 'struct', keyword, ...(name ? { name } : {}), size: size ?? 0, members: [] };
        this.types.set(offset, st);
        for (const m of d.children) {
          if (m.tag !== T.member) continue;
          const r = m.attrs.get(A.type), loc = m.attrs.get(A.data_member_location);
          const bitSize = num(m.attrs.get(A.bit_size)), dbo = num(m.attrs.get(A.data_bit_offset));
          const offsetBytes = loc?.k === 'const' ? Number(loc.v) : dbo !== undefined ? Math.floor(dbo / 8) : 0;
          st.members.push({
            name: str(m, A.name) ?? '<anonymous>', type: r?.k === 'ref' ? this.type(r.v) : undefined, offset: offsetBytes,
            ...(bitSize !== undefined ? { bitSize, bitOffset: dbo !== undefined ? dbo - offsetBytes * 8 : 0 } : {}),
          });
        }
        return st;
      }
      case T.enumeration:
        t = {
          kind: 'enum', ...(name ? { name } : {}), size: size ?? 4,
          enumerators: d.children.filter((c) => c.tag === T.enumerator).map((c) => {
            const v = c.attrs.get(A.const_value);
            return { name: str(c, A.name) ?? '?', value: v?.k === 'const' ? v.v : 0n };
          }),
        };
        break;
      case T.subroutine_type: case T.subprogram: t = { kind: 'function', ...(name ? { name } : {}) }; break;
      default: t = { kind: 'unknown', name: name ?? `<tag 0x${d.tag.toString(16)}>` };
    }
    this.types.set(offset, t);
    return t;
  }
}

/** DW_AT_const_value (§4.1 item 10) as little-endian bytes. */
function constBytes(v: AttrValue): Uint8Array {
  if (v.k === 'block') return v.v;
  if (v.k === 'str') return new TextEncoder().encode(v.v + '\0');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v.k === 'const' ? BigInt.asUintN(64, v.v) : 0n, true);
  return out;
}

/** C spelling of a type: `const char *`, `struct point`, `int[4]`. */
export function typeName(t: DwarfType | undefined): string {
  if (!t) return 'void';
  switch (t.kind) {
    case 'base': return t.name;
    case 'typedef': return t.name;
    case 'pointer': {
      const inner = t.target;
      if (inner?.kind === 'function') return `${inner.name ?? 'function'} *`;
      return `${typeName(inner)} *`;
    }
    case 'qualified': return t.target?.kind === 'pointer' ? `${typeName(t.target)} ${t.qualifier}` : `${t.qualifier} ${typeName(t.target)}`;
    case 'array': return `${typeName(t.element)}${t.counts.map((n) => `[${n ?? ''}]`).join('')}`;
    case 'struct': return `${t.keyword} ${t.name ?? '<anonymous>'}`;
    case 'enum': return `enum ${t.name ?? '<anonymous>'}`;
    case 'function': return 'function';
    case 'unknown': return t.name;
  }
}

/** The type with typedefs and qualifiers peeled off. */
export function stripType(t: DwarfType | undefined): DwarfType | undefined {
  for (let i = 0; t && (t.kind === 'typedef' || t.kind === 'qualified') && i < 16; i++) t = t.target;
  return t;
}

/** Size in bytes of a value of this type (0 when unknown). */
export function sizeOf(t: DwarfType | undefined): number {
  const s = stripType(t);
  if (!s) return 0;
  switch (s.kind) {
    case 'base': case 'pointer': case 'struct': case 'enum': return s.size;
    case 'array': return s.counts.reduce<number>((n, c) => n * (c ?? 0), sizeOf(s.element));
    default: return 0;
  }
}
