// Range lists and location lists: DWARF 5 .debug_rnglists (§2.17.3, DW_RLE_*) and .debug_loclists (§2.6.2,
// DW_LLE_*), and their DWARF 2–4 forms .debug_ranges/.debug_loc (address pairs with base-address selection).
import { Cursor } from './dwarf-cursor';
import { AttrValue, InfoSections, Unit } from './dwarf-die';

/** A half-open address range [start, end). */
export interface Range { start: number; end: number }

/** One location-list entry: where the expression holds. */
export interface LocEntry extends Range { expr: Uint8Array }

// §7.25 and §7.29 entry kinds.
const RLE_end = 0, RLE_base_addressx = 1, RLE_startx_endx = 2, RLE_startx_length = 3, RLE_offset_pair = 4;
const RLE_base_address = 5, RLE_start_end = 6, RLE_start_length = 7;
const LLE_end = 0, LLE_base_addressx = 1, LLE_startx_endx = 2, LLE_startx_length = 3, LLE_offset_pair = 4;
const LLE_default_location = 5, LLE_base_address = 6, LLE_start_end = 7, LLE_start_length = 8;

function addrx(s: InfoSections, u: Unit, i: number, c: Cursor): number {
  const a = new Cursor(s.debugAddr ?? new Uint8Array(0), u.addrBase + i * u.addressSize, s.debugAddr?.length ?? 0, c.where);
  if (!s.debugAddr) c.fail(`.debug_addr entry ${i} is needed but the file has no .debug_addr`);
  return a.address(u.addressSize);
}

/** The offset a rnglistx/loclistx index names: base + the offset table's entry (§7.28, §7.29). */
function listOffset(sec: Uint8Array, base: number, i: number, u: Unit, where: string): number {
  const c = new Cursor(sec, base + i * (u.is64 ? 8 : 4), sec.length, where);
  return base + c.offset(u.is64);
}

function section(sec: Uint8Array | undefined, name: string, where: string): Uint8Array {
  const c: Cursor = new Cursor(new Uint8Array(0), 0, 0, where);
  if (!sec) c.fail(`the attribute points into ${name}, which the file does not have`);
  return sec;
}

/** The ranges of a DW_AT_ranges value (sec_offset or rnglistx). */
export function readRanges(v: AttrValue, u: Unit, s: InfoSections): Range[] {
  const where = `DW_AT_ranges of the unit at 0x${u.offset.toString(16)}`;
  if (u.version < 5) {
    if (v.k !== 'sec' && v.k !== 'const') return [];
    const sec = section(s.debugRanges, '.debug_ranges', where);
    return pairs(sec, v.k === 'sec' ? v.v : Number(v.v), u, where, false).map(({ start, end }) => ({ start, end }));
  }
  const sec = section(s.debugRnglists, '.debug_rnglists', where);
  const off = v.k === 'listx' ? listOffset(sec, u.rnglistsBase, v.i, u, where) : v.k === 'sec' ? v.v : -1;
  if (off < 0) return [];
  const c = new Cursor(sec, off, sec.length, `.debug_rnglists list at 0x${off.toString(16)}`);
  const out: Range[] = [];
  let base = u.baseAddress;
  for (;;) {
    const kind = c.u8();
    switch (kind) {
      case RLE_end: return out;
      case RLE_base_addressx: base = addrx(s, u, c.uleb(), c); break;
      case RLE_startx_endx: { const a = addrx(s, u, c.uleb(), c); out.push({ start: a, end: addrx(s, u, c.uleb(), c) }); break; }
      case RLE_startx_length: { const a = addrx(s, u, c.uleb(), c); out.push({ start: a, end: a + c.uleb() }); break; }
      case RLE_offset_pair: { const a = c.uleb(); out.push({ start: base + a, end: base + c.uleb() }); break; }
      case RLE_base_address: base = c.address(u.addressSize); break;
      case RLE_start_end: { const a = c.address(u.addressSize); out.push({ start: a, end: c.address(u.addressSize) }); break; }
      case RLE_start_length: { const a = c.address(u.addressSize); out.push({ start: a, end: a + c.uleb() }); break; }
      default: c.fail(`range list entry kind ${kind} is not defined`);
    }
  }
}

/** The entries of a location list (a DW_AT_location of class loclist); a default entry covers every address. */
export function readLocList(v: AttrValue, u: Unit, s: InfoSections): LocEntry[] {
  const where = `location list of the unit at 0x${u.offset.toString(16)}`;
  if (u.version < 5) {
    if (v.k !== 'sec') return [];
    return pairs(section(s.debugLoc, '.debug_loc', where), v.v, u, where, true);
  }
  const sec = section(s.debugLoclists, '.debug_loclists', where);
  const off = v.k === 'listx' ? listOffset(sec, u.loclistsBase, v.i, u, where) : v.k === 'sec' ? v.v : -1;
  if (off < 0) return [];
  const c = new Cursor(sec, off, sec.length, `.debug_loclists list at 0x${off.toString(16)}`);
  const out: LocEntry[] = [];
  const expr = () => { const n = c.uleb(); const b = c.bytes.subarray(c.pos, c.pos + n); c.pos += n; if (c.pos > c.end) c.fail('an expression runs past the section'); return b; };
  let base = u.baseAddress;
  for (;;) {
    const kind = c.u8();
    switch (kind) {
      case LLE_end: return out;
      case LLE_base_addressx: base = addrx(s, u, c.uleb(), c); break;
      case LLE_startx_endx: { const a = addrx(s, u, c.uleb(), c); const b = addrx(s, u, c.uleb(), c); out.push({ start: a, end: b, expr: expr() }); break; }
      case LLE_startx_length: { const a = addrx(s, u, c.uleb(), c); const n = c.uleb(); out.push({ start: a, end: a + n, expr: expr() }); break; }
      case LLE_offset_pair: { const a = c.uleb(); const b = c.uleb(); out.push({ start: base + a, end: base + b, expr: expr() }); break; }
      case LLE_default_location: out.push({ start: -Infinity, end: Infinity, expr: expr() }); break;
      case LLE_base_address: base = c.address(u.addressSize); break;
      case LLE_start_end: { const a = c.address(u.addressSize); const b = c.address(u.addressSize); out.push({ start: a, end: b, expr: expr() }); break; }
      case LLE_start_length: { const a = c.address(u.addressSize); const n = c.uleb(); out.push({ start: a, end: a + n, expr: expr() }); break; }
      default: c.fail(`location list entry kind ${kind} is not defined`);
    }
  }
}

/** DWARF 2–4 lists (§2.6.2 / §2.17.3 of DWARF 4): (start, end) offsets from the base, (0, 0) ends, a start of
 *  all ones selects a new base; location entries add a 2-byte length and an expression. */
function pairs(sec: Uint8Array, off: number, u: Unit, where: string, withExpr: boolean): LocEntry[] {
  const c = new Cursor(sec, off, sec.length, where);
  const out: LocEntry[] = [];
  let base = u.baseAddress;
  const all = u.addressSize === 8 ? -1 : 0xffffffff;
  for (;;) {
    const a = c.address(u.addressSize), b = c.address(u.addressSize);
    if (a === 0 && b === 0) return out;
    if (a === all) { base = b; continue; }
    let expr: Uint8Array = new Uint8Array(0);
    if (withExpr) { const n = c.u16(); expr = c.bytes.subarray(c.pos, c.pos + n); c.pos += n; }
    out.push({ start: base + a, end: base + b, expr });
  }
}
