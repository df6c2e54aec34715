// DWARF .debug_line: decodes the line-number programs (DWARF 2–5, §6.2) into address → source rows and back.
//
// Layout and semantics follow DWARF 5 §6.2 "Line Number Information" (§6.2.2 state machine registers, §6.2.4
// the header with v5's entry-format-described directory and file tables, §6.2.5 the standard, extended and
// special opcodes) and DWARF 4 §6.2 for the older header (include_directories / file_names as NUL-terminated
// lists). gcc 12 for RISC-V emits version 5 with DW_FORM_line_strp paths into .debug_line_str and, for some
// files, DW_FORM_data16 MD5 sums; `gcc -gdwarf-4` emits version 4. Not a hot path: this runs once per load.

import { Cursor, DwarfError } from './dwarf-cursor';

export { DwarfError };

/** One entry of a unit's file table. `path` joins directory and name (relative paths stay relative to the
 *  compilation directory, which is `compDir` when the table records it). */
export interface LineFile {
  readonly name: string;
  readonly dir: string;
  readonly path: string;
  /** DW_LNCT_MD5 as 32 hex digits, when the producer recorded one. */
  readonly md5?: string;
}

/** One row of the line-number matrix (DWARF 5 §6.2.2), with its file resolved. */
export interface LineRow {
  /** Guest virtual address as a signed 64-bit value (engine convention). */
  readonly address: number;
  /** The file's `path` (see LineFile). */
  readonly file: string;
  readonly line: number;
  /** 0 = unknown column (DWARF's "left edge"). */
  readonly column: number;
  readonly isStmt: boolean;
  /** The first address after a sequence; this row's line/file carry no meaning (§6.2.5.3 DW_LNE_end_sequence). */
  readonly endSequence: boolean;
  readonly prologueEnd: boolean;
}

/** One line-number program (one per compilation unit). */
export interface LineProgram {
  /** Offset of the unit in .debug_line (DW_AT_stmt_list points here). */
  readonly offset: number;
  readonly version: number;
  readonly compDir?: string;
  /** By DWARF index: 0-based in v5 (file 0 = the primary source), 1-based before. */
  readonly files: ReadonlyMap<number, LineFile>;
  readonly rows: readonly LineRow[];
}

// §7.22 Line number information: content type codes and forms used in v5 entry formats.
const DW_LNCT_path = 1, DW_LNCT_directory_index = 2, DW_LNCT_MD5 = 5;
const DW_FORM_block = 0x09, DW_FORM_block1 = 0x0a, DW_FORM_block2 = 0x03, DW_FORM_block4 = 0x04;
const DW_FORM_data1 = 0x0b, DW_FORM_data2 = 0x05, DW_FORM_data4 = 0x06, DW_FORM_data8 = 0x07, DW_FORM_data16 = 0x1e;
const DW_FORM_string = 0x08, DW_FORM_strp = 0x0e, DW_FORM_line_strp = 0x1f, DW_FORM_udata = 0x0f;
const DW_FORM_sdata = 0x0d, DW_FORM_strx = 0x1a, DW_FORM_strx1 = 0x25, DW_FORM_strx4 = 0x28;
// §6.2.5.2 standard opcodes, §6.2.5.3 extended opcodes.
const DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_advance_line = 3, DW_LNS_set_file = 4;
const DW_LNS_set_column = 5, DW_LNS_negate_stmt = 6, DW_LNS_set_basic_block = 7, DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9, DW_LNS_set_prologue_end = 10, DW_LNS_set_epilogue_begin = 11, DW_LNS_set_isa = 12;
const DW_LNE_end_sequence = 1, DW_LNE_set_address = 2, DW_LNE_define_file = 3, DW_LNE_set_discriminator = 4;

const utf8 = new TextDecoder('utf-8');

function stringAt(section: Uint8Array | undefined, name: string, off: number, c: Cursor): string {
  if (!section) c.fail(`a path refers to ${name}, which the file does not have`);
  if (off >= section.length) c.fail(`${name} offset 0x${off.toString(16)} is outside the section (${section.length} bytes)`);
  const nul = section.indexOf(0, off);
  if (nul < 0) c.fail(`${name} string at 0x${off.toString(16)} is not NUL-terminated`);
  return utf8.decode(section.subarray(off, nul));
}

/** POSIX-style join that keeps relative paths relative: ("." , "common", "uart.c") → "common/uart.c". */
export function joinPath(...parts: string[]): string {
  let out: string[] = [];
  let absolute = false;
  for (const p of parts) {
    if (p === '') continue;
    if (p.startsWith('/')) { out = []; absolute = true; }
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (seg !== '..' || !absolute) out.push(seg);
    }
  }
  const s = out.join('/');
  return absolute ? '/' + s : s === '' ? '.' : s;
}

/** Sections a line table may point into. */
export interface DwarfSections {
  debugLine: Uint8Array;
  debugLineStr?: Uint8Array;
  debugStr?: Uint8Array;
}

interface EntryFormat { type: number; form: number }

type FieldValue = string | number | Uint8Array;

/** Reads one attribute value of a v5 directory/file entry (§7.5.6 forms; §6.2.4.1 content types). */
function readForm(c: Cursor, form: number, is64: boolean, s: DwarfSections): FieldValue {
  switch (form) {
    case DW_FORM_string: return c.cstring();
    case DW_FORM_line_strp: return stringAt(s.debugLineStr, '.debug_line_str', c.offset(is64), c);
    case DW_FORM_strp: return stringAt(s.debugStr, '.debug_str', c.offset(is64), c);
    case DW_FORM_udata: return c.uleb();
    case DW_FORM_sdata: return c.sleb();
    case DW_FORM_data1: return c.u8();
    case DW_FORM_data2: return c.u16();
    case DW_FORM_data4: return c.u32();
    case DW_FORM_data8: return c.exact(c.u64(), 'data8 value');
    case DW_FORM_data16: return c.bytes.slice(c.pos, (c.pos += 16, c.pos));
    case DW_FORM_block: { const n = c.uleb(); return c.bytes.slice(c.pos, (c.pos += n, c.pos)); }
    case DW_FORM_block1: { const n = c.u8(); return c.bytes.slice(c.pos, (c.pos += n, c.pos)); }
    case DW_FORM_block2: { const n = c.u16(); return c.bytes.slice(c.pos, (c.pos += n, c.pos)); }
    case DW_FORM_block4: { const n = c.u32(); return c.bytes.slice(c.pos, (c.pos += n, c.pos)); }
    default:
      if (form === DW_FORM_strx || (form >= DW_FORM_strx1 && form <= DW_FORM_strx4)) {
        c.fail(`form 0x${form.toString(16)} (strx) needs .debug_str_offsets, which line tables do not use in practice`);
      }
      return c.fail(`form 0x${form.toString(16)} is not valid in a directory or file entry format`);
  }
}

function readFormats(c: Cursor): EntryFormat[] {
  const n = c.u8();
  const out: EntryFormat[] = [];
  for (let i = 0; i < n; i++) out.push({ type: c.uleb(), form: c.uleb() });
  return out;
}

function readEntries(c: Cursor, formats: EntryFormat[], is64: boolean, s: DwarfSections): Map<number, FieldValue>[] {
  const count = c.uleb();
  const out: Map<number, FieldValue>[] = [];
  for (let i = 0; i < count; i++) {
    const e = new Map<number, FieldValue>();
    for (const f of formats) e.set(f.type, readForm(c, f.form, is64, s));
    if (c.pos > c.end) c.fail('entry table runs past the header');
    out.push(e);
  }
  return out;
}

function hex16(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Parses the line-number program at `offset` of .debug_line; returns it and the offset of the next unit. */
function parseUnit(s: DwarfSections, offset: number): { program: LineProgram; next: number } {
  const bytes = s.debugLine;
  const where = `0x${offset.toString(16)}`;
  let c: Cursor = new Cursor(bytes, offset, bytes.length, `.debug_line unit at ${where}`);
  let unitLength = c.u32();
  let is64 = false;
  if (unitLength === 0xffffffff) { is64 = true; unitLength = c.exact(c.u64(), 'unit_length'); }
  else if (unitLength >= 0xfffffff0) c.fail(`reserved unit_length 0x${unitLength.toString(16)}`);
  const end = c.pos + unitLength;
  if (end > bytes.length) c.fail(`unit_length ${unitLength} runs past the section (${bytes.length} bytes)`);
  c = new Cursor(bytes, c.pos, end, `.debug_line unit at ${where}`);
  const version = c.u16();
  if (version < 2 || version > 5) c.fail(`version ${version} is not supported (need 2 to 5)`);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = c.u8();
    const segSel = c.u8();
    if (segSel !== 0) c.fail(`segment selector size ${segSel} is not supported`);
  }
  const headerLength = c.offset(is64);
  const programStart = c.pos + headerLength;
  if (programStart > end) c.fail(`header_length ${headerLength} runs past the unit`);
  const minInsnLength = c.u8();
  const maxOps = version >= 4 ? c.u8() : 1;
  if (maxOps === 0) c.fail('maximum_operations_per_instruction is 0');
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = c.i8();
  const lineRange = c.u8();
  if (lineRange === 0) c.fail('line_range is 0');
  const opcodeBase = c.u8();
  if (opcodeBase === 0) c.fail('opcode_base is 0');
  const stdLengths = [0];
  for (let i = 1; i < opcodeBase; i++) stdLengths.push(c.u8());

  const files = new Map<number, LineFile>();
  const legacyDirs = [''];
  let compDir: string | undefined;
  if (version >= 5) {
    const dirFormats = readFormats(c);
    const dirs = readEntries(c, dirFormats, is64, s).map((e) => {
      const p = e.get(DW_LNCT_path);
      if (typeof p !== 'string') c.fail('a directory entry has no DW_LNCT_path string');
      return p;
    });
    compDir = dirs[0];
    const fileFormats = readFormats(c);
    readEntries(c, fileFormats, is64, s).forEach((e, i) => {
      const name = e.get(DW_LNCT_path);
      if (typeof name !== 'string') c.fail(`file entry ${i} has no DW_LNCT_path string`);
      const di = e.get(DW_LNCT_directory_index) ?? 0;
      if (typeof di !== 'number' || di >= dirs.length) c.fail(`file entry ${i} names directory ${String(di)} of ${dirs.length}`);
      // Directory 0 is the compilation directory; the others are relative to it unless absolute (§6.2.4.1).
      const dir = dirs[di];
      const md5 = e.get(DW_LNCT_MD5);
      files.set(i, {
        name, dir,
        path: joinPath(di === 0 ? '' : dir, name),
        ...(md5 instanceof Uint8Array && md5.length === 16 ? { md5: hex16(md5) } : {}),
      });
    });
  } else {
    // DWARF 2–4 §6.2.4: include_directories (index 1..), then file_names (index 1..), each list ending in 0.
    const dirs = legacyDirs;
    for (let d = c.cstring(); d !== ''; d = c.cstring()) dirs.push(d);
    let index = 1;
    for (let name = c.cstring(); name !== ''; name = c.cstring()) {
      const di = c.uleb();
      c.uleb(); c.uleb(); // modification time, length
      if (di >= dirs.length) c.fail(`file entry ${index} names directory ${di} of ${dirs.length - 1}`);
      files.set(index++, { name, dir: dirs[di], path: joinPath(dirs[di], name) });
    }
  }

  // The program (§6.2.5): a state machine appending rows.
  c.pos = programStart;
  const rows: LineRow[] = [];
  const fileOf = (i: number): string => {
    const f = files.get(i);
    return f ? f.path : `<file ${i}>`;
  };
  let address = 0, opIndex = 0, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
  let prologueEnd = false;
  const reset = () => {
    address = 0; opIndex = 0; file = 1; line = 1; column = 0; isStmt = defaultIsStmt; prologueEnd = false;
  };
  const emit = (endSequence: boolean) => {
    rows.push({ address, file: fileOf(file), line, column, isStmt, endSequence, prologueEnd });
    prologueEnd = false;
  };
  // §6.2.5.1: "operation advance" moves address and op_index together (op_index is always 0 when max_ops = 1).
  const advance = (operationAdvance: number) => {
    const total = opIndex + operationAdvance;
    address += minInsnLength * Math.floor(total / maxOps);
    opIndex = total % maxOps;
  };
  while (c.pos < end) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adjusted = op - opcodeBase;
      advance(Math.floor(adjusted / lineRange));
      line += lineBase + (adjusted % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb();
        if (len === 0) c.fail(`empty extended opcode at 0x${(c.pos - 1).toString(16)}`);
        const next = c.pos + len;
        if (next > end) c.fail(`extended opcode at 0x${(c.pos - 1).toString(16)} runs past the unit`);
        const sub = c.u8();
        switch (sub) {
          case DW_LNE_end_sequence: emit(true); reset(); break;
          case DW_LNE_set_address:
            if (version >= 5 && len - 1 !== addressSize) c.fail(`DW_LNE_set_address of ${len - 1} bytes; the header says ${addressSize}`);
            address = c.address(len - 1);
            opIndex = 0;
            break;
          case DW_LNE_define_file: { // DWARF 2–4 only (removed in v5): appends to the file table
            const name = c.cstring();
            const di = c.uleb(); c.uleb(); c.uleb();
            const dir = legacyDirs[di] ?? '';
            files.set(Math.max(0, ...files.keys()) + 1, { name, dir, path: joinPath(dir, name) });
            break;
          }
          case DW_LNE_set_discriminator: c.uleb(); break;
          default: break; // vendor extensions: skipped by length (§6.2.5.3)
        }
        c.pos = next;
        break;
      }
      case DW_LNS_copy: emit(false); break;
      case DW_LNS_advance_pc: advance(c.uleb()); break;
      case DW_LNS_advance_line: line += c.sleb(); break;
      case DW_LNS_set_file: file = c.uleb(); break;
      case DW_LNS_set_column: column = c.uleb(); break;
      case DW_LNS_negate_stmt: isStmt = !isStmt; break;
      case DW_LNS_set_basic_block: break;
      case DW_LNS_const_add_pc: advance(Math.floor((255 - opcodeBase) / lineRange)); break;
      case DW_LNS_fixed_advance_pc: address += c.u16(); opIndex = 0; break;
      case DW_LNS_set_prologue_end: prologueEnd = true; break;
      case DW_LNS_set_epilogue_begin: break;
      case DW_LNS_set_isa: c.uleb(); break;
      default:
        // An opcode this reader does not know: the header says how many ULEB operands to skip (§6.2.4 item 12).
        for (let i = 0; i < stdLengths[op]; i++) c.uleb();
    }
  }
  return { program: { offset, version, compDir, files, rows }, next: end };
}

/** Parses every unit of a .debug_line section. Throws DwarfError naming the unit on malformed input. */
export function parseDebugLine(s: DwarfSections): LineProgram[] {
  const out: LineProgram[] = [];
  for (let off = 0; off < s.debugLine.length;) {
    const { program, next } = parseUnit(s, off);
    out.push(program);
    off = next;
  }
  return out;
}

/** A contiguous run of rows (one DW_LNE_end_sequence-terminated sequence) for address lookups. */
interface Sequence { start: number; end: number; rows: LineRow[] }

/**
 * Address → line and file:line → addresses over all units. Lookups follow §6.2.2: a row covers the addresses
 * from its own up to (not including) the next row's in the same sequence.
 */
export class LineTable {
  private readonly sequences: Sequence[] = [];
  private readonly byFile = new Map<string, Map<number, number[]>>();

  constructor(readonly programs: readonly LineProgram[]) {
    for (const p of programs) {
      let current: LineRow[] = [];
      for (const r of p.rows) {
        current.push(r);
        if (!r.endSequence) continue;
        if (current.length > 1) {
          this.sequences.push({ start: current[0].address, end: r.address, rows: current });
        }
        current = [];
      }
    }
    this.sequences.sort((a, b) => a.start - b.start);
    for (const seq of this.sequences) {
      for (let i = 0; i < seq.rows.length - 1; i++) {
        const r = seq.rows[i];
        // A row that covers no address (the next row has the same address) still starts a statement there.
        if (!r.isStmt || r.line === 0) continue;
        let lines = this.byFile.get(r.file);
        if (!lines) this.byFile.set(r.file, lines = new Map());
        const list = lines.get(r.line) ?? [];
        if (!list.includes(r.address)) list.push(r.address);
        lines.set(r.line, list);
      }
    }
  }

  static fromSections(s: DwarfSections): LineTable {
    return new LineTable(parseDebugLine(s));
  }

  /** Every file path that has rows. */
  files(): string[] {
    return [...this.byFile.keys()];
  }

  /**
   * The row whose address range holds `addr`, or undefined. Several rows can share an address (inlined
   * code starts with the caller's line, then the callee's); as gdb does, the last is_stmt one wins, else the last.
   */
  lookup(addr: number): LineRow | undefined {
    const seq = this.sequenceAt(addr);
    if (!seq) return undefined;
    const rows = seq.rows;
    let lo = 0, hi = rows.length - 1; // rows[hi] is the end_sequence row, > addr
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid].address <= addr) lo = mid; else hi = mid;
    }
    for (let i = lo; i >= 0 && rows[i].address === rows[lo].address; i--) if (rows[i].isStmt) return rows[i];
    return rows[lo];
  }

  /** Whether a statement begins exactly at `addr`: some is_stmt row (line ≠ 0) has this address. */
  isStatementStart(addr: number): boolean {
    const seq = this.sequenceAt(addr);
    if (!seq) return false;
    return seq.rows.some((r) => r.address === addr && r.isStmt && !r.endSequence && r.line !== 0);
  }

  /** Addresses where a statement of `file` (a path as recorded) at `line` begins. */
  addressesFor(file: string, line: number): number[] {
    return [...(this.byFile.get(file)?.get(line) ?? [])].sort((a, b) => a - b);
  }

  /** The lines of `file` that have statements, ascending. */
  linesOf(file: string): number[] {
    return [...(this.byFile.get(file)?.keys() ?? [])].sort((a, b) => a - b);
  }

  private sequenceAt(addr: number): Sequence | undefined {
    let lo = 0, hi = this.sequences.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sequences[mid].start <= addr) lo = mid + 1; else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      const s = this.sequences[i];
      if (addr < s.end) return s;
      if (i < lo - 8) break; // sequences rarely overlap; a short look-back finds the few that do
    }
    return undefined;
  }
}
