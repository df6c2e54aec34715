// DWARF .debug_info as a tree of DIEs: unit headers (DWARF 5 §7.5.1, DWARF 4 §7.5.1.1), abbreviation tables
// (§7.5.3) and attribute values in every form of §7.5.6, with strx/addrx resolved through the unit's
// DW_AT_str_offsets_base/DW_AT_addr_base (§7.26, §7.27). References become .debug_info offsets.
import { Cursor, DwarfError } from './dwarf-cursor';

export { DwarfError };

/** The sections a unit's attributes may point into (all but .debug_info optional). */
export interface InfoSections {
  debugInfo: Uint8Array;
  debugAbbrev: Uint8Array;
  debugStr?: Uint8Array;
  debugLineStr?: Uint8Array;
  debugStrOffsets?: Uint8Array;
  debugAddr?: Uint8Array;
  debugRnglists?: Uint8Array;
  debugLoclists?: Uint8Array;
  /** DWARF 4 location and range lists. */
  debugLoc?: Uint8Array;
  debugRanges?: Uint8Array;
}

/** One attribute value, by form class (§7.5.5). Constants stay bigint: data8 and DW_AT_const_value need all bits. */
export type AttrValue =
  | { k: 'const'; v: bigint; signed: boolean }
  | { k: 'addr'; v: number }
  | { k: 'str'; v: string }
  | { k: 'ref'; v: number }
  | { k: 'sec'; v: number }
  /** DW_FORM_loclistx / rnglistx: an index into the unit's offsets table. */
  | { k: 'listx'; i: number }
  | { k: 'block'; v: Uint8Array }
  | { k: 'flag'; v: boolean }
  | { k: 'other' };

export interface Die {
  offset: number;
  tag: number;
  attrs: Map<number, AttrValue>;
  children: Die[];
  parent?: Die;
  unit: Unit;
}

export interface Unit {
  offset: number;
  version: number;
  addressSize: number;
  is64: boolean;
  root: Die;
  /** Unit attributes for indexed forms and lists (§3.1.1). */
  addrBase: number;
  strOffsetsBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** DW_AT_low_pc of the unit: the default base of its lists (§2.6.2, §2.17.3). */
  baseAddress: number;
}

// §7.5.6 form encodings.
const F = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25, strx2: 0x26,
  strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

const DW_AT_low_pc = 0x11, DW_AT_str_offsets_base = 0x72, DW_AT_addr_base = 0x73, DW_AT_rnglists_base = 0x74;
const DW_AT_loclists_base = 0x8c, DW_AT_GNU_addr_base = 0x2133;
// §7.5.1 unit types.
const DW_UT_compile = 1, DW_UT_type = 2, DW_UT_partial = 3, DW_UT_skeleton = 4, DW_UT_split_compile = 5, DW_UT_split_type = 6;

interface AbbrevAttr { at: number; form: number; implicit?: bigint }
interface Abbrev { tag: number; hasChildren: boolean; attrs: AbbrevAttr[] }

function parseAbbrevs(bytes: Uint8Array, offset: number): Map<number, Abbrev> {
  const c = new Cursor(bytes, offset, bytes.length, `.debug_abbrev table at 0x${offset.toString(16)}`);
  const out = new Map<number, Abbrev>();
  for (;;) {
    const code = c.uleb();
    if (code === 0) return out;
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const attrs: AbbrevAttr[] = [];
    for (;;) {
      const at = c.uleb(), form = c.uleb();
      if (at === 0 && form === 0) break;
      attrs.push(form === F.implicit_const ? { at, form, implicit: BigInt(c.sleb()) } : { at, form });
    }
    out.set(code, { tag, hasChildren, attrs });
  }
}

/** A value read before the unit's bases are known (the unit DIE itself names them): resolved after. */
type Raw = AttrValue | { k: 'strx'; i: number } | { k: 'addrx'; i: number };

function block(c: Cursor, n: number): Uint8Array {
  if (c.pos + n > c.end) c.fail(`a block of ${n} bytes runs past the unit`);
  const b = c.bytes.subarray(c.pos, c.pos + n);
  c.pos += n;
  return b;
}

function u24(c: Cursor): number { const lo = c.u16(); return lo | (c.u8() << 16); }

function readForm(c: Cursor, form: number, u: Unit, s: InfoSections, implicit: bigint | undefined): Raw {
  const str = (sec: Uint8Array | undefined, name: string, off: number): Raw => ({ k: 'str', v: stringAt(sec, name, off, c) });
  switch (form) {
    case F.addr: return { k: 'addr', v: c.address(u.addressSize) };
    case F.data1: return { k: 'const', v: BigInt(c.u8()), signed: false };
    case F.data2: return { k: 'const', v: BigInt(c.u16()), signed: false };
    case F.data4: return { k: 'const', v: BigInt(c.u32()), signed: false };
    case F.data8: return { k: 'const', v: c.u64(), signed: false };
    case F.data16: return { k: 'block', v: block(c, 16) };
    case F.sdata: return { k: 'const', v: BigInt(c.sleb()), signed: true };
    case F.udata: return { k: 'const', v: BigInt(c.uleb()), signed: false };
    case F.implicit_const: return { k: 'const', v: implicit ?? 0n, signed: true };
    case F.string: return { k: 'str', v: c.cstring() };
    case F.strp: return str(s.debugStr, '.debug_str', c.offset(u.is64));
    case F.line_strp: return str(s.debugLineStr, '.debug_line_str', c.offset(u.is64));
    case F.strp_sup: case F.GNU_strp_alt: c.offset(u.is64); return { k: 'other' };
    case F.strx: case F.GNU_str_index: return { k: 'strx', i: c.uleb() };
    case F.strx1: return { k: 'strx', i: c.u8() };
    case F.strx2: return { k: 'strx', i: c.u16() };
    case F.strx3: return { k: 'strx', i: u24(c) };
    case F.strx4: return { k: 'strx', i: c.u32() };
    case F.addrx: case F.GNU_addr_index: return { k: 'addrx', i: c.uleb() };
    case F.addrx1: return { k: 'addrx', i: c.u8() };
    case F.addrx2: return { k: 'addrx', i: c.u16() };
    case F.addrx3: return { k: 'addrx', i: u24(c) };
    case F.addrx4: return { k: 'addrx', i: c.u32() };
    case F.ref1: return { k: 'ref', v: u.offset + c.u8() };
    case F.ref2: return { k: 'ref', v: u.offset + c.u16() };
    case F.ref4: return { k: 'ref', v: u.offset + c.u32() };
    case F.ref8: return { k: 'ref', v: u.offset + c.exact(c.u64(), 'ref8') };
    case F.ref_udata: return { k: 'ref', v: u.offset + c.uleb() };
    // DWARF 2 ref_addr is address-sized; later versions offset-sized (§7.5.4).
    case F.ref_addr: return { k: 'ref', v: u.version <= 2 ? c.address(u.addressSize) : c.offset(u.is64) };
    case F.ref_sup4: c.u32(); return { k: 'other' };
    case F.ref_sup8: case F.ref_sig8: c.u64(); return { k: 'other' };
    case F.GNU_ref_alt: c.offset(u.is64); return { k: 'other' };
    case F.sec_offset: return { k: 'sec', v: c.offset(u.is64) };
    case F.loclistx: case F.rnglistx: return { k: 'listx', i: c.uleb() };
    case F.exprloc: case F.block: return { k: 'block', v: block(c, c.uleb()) };
    case F.block1: return { k: 'block', v: block(c, c.u8()) };
    case F.block2: return { k: 'block', v: block(c, c.u16()) };
    case F.block4: return { k: 'block', v: block(c, c.u32()) };
    case F.flag: return { k: 'flag', v: c.u8() !== 0 };
    case F.flag_present: return { k: 'flag', v: true };
    case F.indirect: { const f = c.uleb(); return readForm(c, f, u, s, implicit); }
    default: return c.fail(`form 0x${form.toString(16)} is not supported`);
  }
}

const utf8 = new TextDecoder('utf-8');

function stringAt(section: Uint8Array | undefined, name: string, off: number, c: Cursor): string {
  if (!section) c.fail(`a string refers to ${name}, which the file does not have`);
  const nul = section.indexOf(0, off);
  if (off >= section.length || nul < 0) c.fail(`${name} offset 0x${off.toString(16)} is not a NUL-terminated string`);
  return utf8.decode(section.subarray(off, nul));
}

/** An entry of an offsets table (.debug_str_offsets, .debug_addr, list offsets) at `base` + i * size. */
function tableEntry(sec: Uint8Array | undefined, name: string, base: number, i: number, size: number, where: string): number {
  const c = new Cursor(sec ?? new Uint8Array(0), base + i * size, sec?.length ?? 0, `${where}: ${name} entry ${i}`);
  if (!sec) c.fail('the section is missing');
  return size === 8 ? c.address(8) : c.u32();
}

function resolve(r: Raw, u: Unit, s: InfoSections, where: string): AttrValue {
  if (r.k === 'strx') {
    const off = tableEntry(s.debugStrOffsets, '.debug_str_offsets', u.strOffsetsBase, r.i, u.is64 ? 8 : 4, where);
    return { k: 'str', v: stringAt(s.debugStr, '.debug_str', off, new Cursor(new Uint8Array(0), 0, 0, where)) };
  }
  if (r.k === 'addrx') return { k: 'addr', v: tableEntry(s.debugAddr, '.debug_addr', u.addrBase, r.i, u.addressSize, where) };
  return r;
}

function constOf(v: Raw | undefined): number | undefined {
  return v && (v.k === 'sec' || v.k === 'addr') ? v.v : v?.k === 'const' ? Number(v.v) : undefined;
}

/** Parses every unit of .debug_info into DIE trees, and indexes every DIE by its offset. */
export function parseDies(s: InfoSections): { units: Unit[]; byOffset: Map<number, Die> } {
  const units: Unit[] = [];
  const byOffset = new Map<number, Die>();
  const abbrevCache = new Map<number, Map<number, Abbrev>>();
  const bytes = s.debugInfo;
  for (let off = 0; off < bytes.length;) {
    const where = `.debug_info unit at 0x${off.toString(16)}`;
    let c: Cursor = new Cursor(bytes, off, bytes.length, where);
    let length = c.u32();
    let is64 = false;
    if (length === 0xffffffff) { is64 = true; length = c.exact(c.u64(), 'unit_length'); }
    else if (length >= 0xfffffff0) c.fail(`reserved unit_length 0x${length.toString(16)}`);
    const end = c.pos + length;
    if (end > bytes.length) c.fail(`unit_length ${length} runs past the section`);
    c = new Cursor(bytes, c.pos, end, where);
    const version = c.u16();
    if (version < 2 || version > 5) c.fail(`version ${version} is not supported (2 to 5)`);
    let unitType = DW_UT_compile, addressSize: number, abbrevOffset: number;
    if (version >= 5) {
      unitType = c.u8();
      addressSize = c.u8();
      abbrevOffset = c.offset(is64);
      if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) c.u64(); // dwo_id
      else if (unitType === DW_UT_type || unitType === DW_UT_split_type) { c.u64(); c.offset(is64); }
      else if (unitType !== DW_UT_compile && unitType !== DW_UT_partial) c.fail(`unit type ${unitType} is not supported`);
    } else {
      abbrevOffset = c.offset(is64);
      addressSize = c.u8();
    }
    let abbrevs = abbrevCache.get(abbrevOffset);
    if (!abbrevs) abbrevCache.set(abbrevOffset, abbrevs = parseAbbrevs(s.debugAbbrev, abbrevOffset));
    const unit: Unit = {
      offset: off, version, addressSize, is64, root: undefined as unknown as Die,
      addrBase: 0, strOffsetsBase: 0, rnglistsBase: 0, loclistsBase: 0, baseAddress: 0,
    };
    const pending: { die: Die; raw: [number, Raw][] }[] = [];
    const stack: Die[] = [];
    while (c.pos < end) {
      const at = c.pos;
      const code = c.uleb();
      if (code === 0) { stack.pop(); continue; } // end of a sibling chain (§7.5.2)
      const ab = abbrevs.get(code);
      if (!ab) c.fail(`DIE at 0x${at.toString(16)} uses abbreviation ${code}, which the table does not define`);
      const raw: [number, Raw][] = ab.attrs.map((a) => [a.at, readForm(c, a.form, unit, s, a.implicit)]);
      const parent = stack[stack.length - 1];
      const die: Die = { offset: at, tag: ab.tag, attrs: new Map(), children: [], parent, unit };
      if (parent) parent.children.push(die);
      else if (!unit.root) unit.root = die;
      else break; // padding after the unit DIE's chain
      byOffset.set(at, die);
      pending.push({ die, raw });
      if (ab.hasChildren) stack.push(die);
    }
    if (!unit.root) c.fail('the unit has no DIE');
    // The unit DIE's bases first (they are plain offsets), then every indexed value (§3.1.1).
    const rootRaw = new Map(pending[0].raw);
    unit.addrBase = constOf(rootRaw.get(DW_AT_addr_base) ?? rootRaw.get(DW_AT_GNU_addr_base)) ?? 8;
    unit.strOffsetsBase = constOf(rootRaw.get(DW_AT_str_offsets_base)) ?? 8;
    unit.rnglistsBase = constOf(rootRaw.get(DW_AT_rnglists_base)) ?? 0;
    unit.loclistsBase = constOf(rootRaw.get(DW_AT_loclists_base)) ?? 0;
    for (const { die, raw } of pending) for (const [at, r] of raw) die.attrs.set(at, resolve(r, unit, s, where));
    const low = unit.root.attrs.get(DW_AT_low_pc);
    unit.baseAddress = low?.k === 'addr' ? low.v : 0;
    units.push(unit);
    off = end;
  }
  return { units, byOffset };
}
