// Call frame information (DWARF 5 §6.4; DWARF 4 §6.4 for version 1/3 CIEs): .debug_frame and .eh_frame parsed
// into CIEs and FDEs, the CFA program run to the row for an address (§6.4.1 the table, §6.4.2 the
// instructions), and one unwinding step that recovers a caller's registers from a callee's.
//
// .eh_frame differs from .debug_frame (the LSB's "Exception Frames"): a CIE id of 0, FDEs pointing back at their
// CIE relative to the pointer itself, and addresses in the encodings the CIE's augmentation string names.
// Expressions (DW_CFA_def_cfa_expression, DW_CFA_expression…) are not evaluated: a row that needs one reports
// its CFA or register as unknown, and unwinding stops there instead of guessing.
import { Cursor, DwarfError } from './dwarf-cursor';

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  /** Saved at CFA + n. */
  | { kind: 'offset'; n: number }
  /** The value is CFA + n. */
  | { kind: 'val-offset'; n: number }
  | { kind: 'register'; reg: number }
  | { kind: 'expression' };

export interface UnwindRow {
  /** CFA = reg + offset; undefined when an expression defines it. */
  cfa: { reg: number; offset: number } | undefined;
  /** Rules of the registers the program mentions; the rest keep their value (callee-saved) or are lost. */
  rules: Map<number, RegisterRule>;
  returnAddressRegister: number;
  /** The FDE's range [start, end). */
  start: number;
  end: number;
}

interface Cie {
  codeAlign: number;
  dataAlign: number;
  raReg: number;
  initial: Uint8Array;
  /** .eh_frame pointer encoding of FDE addresses ('R' augmentation), or -1 for plain addresses. */
  fdeEncoding: number;
  hasAugmentationData: boolean;
  addressSize: number;
}

interface Fde {
  start: number;
  end: number;
  cie: Cie;
  program: Uint8Array;
}

// §7.24 call frame instruction encodings.
const DW_CFA_advance_loc = 0x40, DW_CFA_offset = 0x80, DW_CFA_restore = 0xc0;
const DW_CFA_nop = 0x00, DW_CFA_set_loc = 0x01, DW_CFA_advance_loc1 = 0x02, DW_CFA_advance_loc2 = 0x03;
const DW_CFA_advance_loc4 = 0x04, DW_CFA_offset_extended = 0x05, DW_CFA_restore_extended = 0x06;
const DW_CFA_undefined = 0x07, DW_CFA_same_value = 0x08, DW_CFA_register = 0x09, DW_CFA_remember_state = 0x0a;
const DW_CFA_restore_state = 0x0b, DW_CFA_def_cfa = 0x0c, DW_CFA_def_cfa_register = 0x0d;
const DW_CFA_def_cfa_offset = 0x0e, DW_CFA_def_cfa_expression = 0x0f, DW_CFA_expression = 0x10;
const DW_CFA_offset_extended_sf = 0x11, DW_CFA_def_cfa_sf = 0x12, DW_CFA_def_cfa_offset_sf = 0x13;
const DW_CFA_val_offset = 0x14, DW_CFA_val_offset_sf = 0x15, DW_CFA_val_expression = 0x16;
const DW_CFA_GNU_args_size = 0x2e, DW_CFA_GNU_negative_offset_extended = 0x2f;
// LSB exception-frame pointer encodings (DW_EH_PE_*).
const PE_omit = 0xff, PE_absptr = 0x00, PE_uleb128 = 0x01, PE_udata2 = 0x02, PE_udata4 = 0x03, PE_udata8 = 0x04;
const PE_sleb128 = 0x09, PE_sdata2 = 0x0a, PE_sdata4 = 0x0b, PE_sdata8 = 0x0c, PE_pcrel = 0x10;

export class CallFrameTable {
  private readonly fdes: Fde[];

  private constructor(fdes: Fde[]) {
    this.fdes = fdes.sort((a, b) => a.start - b.start);
  }

  /** Parses .debug_frame (addresses of `addressSize` bytes unless a v4 CIE says otherwise). */
  static fromDebugFrame(bytes: Uint8Array, addressSize = 8): CallFrameTable {
    return new CallFrameTable(parseEntries(bytes, false, 0, addressSize));
  }

  /** Parses .eh_frame loaded at `sectionAddress` (pc-relative encodings are relative to it). */
  static fromEhFrame(bytes: Uint8Array, sectionAddress: number, addressSize = 8): CallFrameTable {
    return new CallFrameTable(parseEntries(bytes, true, sectionAddress, addressSize));
  }

  get size(): number { return this.fdes.length; }

  /** Whether an FDE covers `pc`. */
  covers(pc: number): boolean { return this.find(pc) !== undefined; }

  /** The unwind row in effect at `pc`, or undefined when no FDE covers it. */
  rowAt(pc: number): UnwindRow | undefined {
    const fde = this.find(pc);
    return fde ? execute(fde, pc) : undefined;
  }

  private find(pc: number): Fde | undefined {
    let lo = 0, hi = this.fdes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.fdes[mid];
      if (pc < f.start) hi = mid - 1;
      else if (pc >= f.end) lo = mid + 1;
      else return f;
    }
    return undefined;
  }
}

function parseEntries(bytes: Uint8Array, eh: boolean, sectionAddress: number, addressSize: number): Fde[] {
  const section = eh ? '.eh_frame' : '.debug_frame';
  const cies = new Map<number, Cie>();
  const pendingFdes: { at: number; cieAt: number; body: Cursor; is64: boolean }[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const at = pos;
    const head = new Cursor(bytes, pos, bytes.length, `${section} entry at 0x${at.toString(16)}`);
    let length = head.u32();
    let is64 = false;
    if (length === 0xffffffff) { is64 = true; length = head.exact(head.u64(), 'entry length'); }
    if (length === 0) { // .eh_frame's zero terminator (and padding)
      if (eh) break;
      pos = head.pos;
      continue;
    }
    const end = head.pos + length;
    if (end > bytes.length) head.fail(`length ${length} runs past the end of the section`);
    const c = new Cursor(bytes, head.pos, end, head.where);
    const idPos = c.pos;
    const id = is64 ? c.u64() : BigInt(c.u32());
    const isCie = eh ? id === 0n : id === (is64 ? 0xffffffffffffffffn : 0xffffffffn);
    if (isCie) cies.set(at, parseCie(c, eh, addressSize));
    else pendingFdes.push({ at, cieAt: eh ? idPos - Number(id) : Number(id), body: c, is64 });
    pos = end;
  }
  return pendingFdes.map(({ cieAt, body }) => {
    const cie = cies.get(cieAt);
    if (!cie) return body.fail(`its CIE pointer 0x${cieAt.toString(16)} names no CIE`);
    return parseFde(body, cie, eh, sectionAddress);
  });
}

function parseCie(c: Cursor, eh: boolean, defaultAddressSize: number): Cie {
  const version = c.u8();
  if (![1, 3, 4].includes(version)) c.fail(`CIE version ${version} is not supported (1, 3 or 4)`);
  const augmentation = c.cstring();
  let addressSize = defaultAddressSize;
  if (version === 4) {
    addressSize = c.u8();
    if (c.u8() !== 0) c.fail('segment selectors are not supported');
  }
  const codeAlign = c.uleb();
  const dataAlign = c.sleb();
  const raReg = version === 1 ? c.u8() : c.uleb();
  let fdeEncoding = -1;
  const hasAugmentationData = augmentation.startsWith('z');
  if (hasAugmentationData) {
    const len = c.uleb();
    const dataEnd = c.pos + len;
    for (const ch of augmentation.slice(1)) {
      if (ch === 'R') fdeEncoding = c.u8();
      else if (ch === 'L') c.u8();
      else if (ch === 'P') { const enc = c.u8(); readEncoded(c, enc, 0, addressSize); }
      else if (ch === 'S' || ch === 'B') { /* signal frame, BTI: no data */ } else break; // unknown: skip the rest
    }
    c.pos = dataEnd;
  } else if (augmentation !== '' && augmentation !== 'eh') {
    c.fail(`CIE augmentation "${augmentation}" is not understood`);
  }
  if (eh && fdeEncoding < 0) fdeEncoding = PE_absptr;
  return { codeAlign, dataAlign, raReg, initial: c.bytes.subarray(c.pos, c.end), fdeEncoding, hasAugmentationData, addressSize };
}

function parseFde(c: Cursor, cie: Cie, eh: boolean, sectionAddress: number): Fde {
  let start: number, range: number;
  if (eh) {
    start = readEncoded(c, cie.fdeEncoding, sectionAddress, cie.addressSize);
    range = readEncoded(c, cie.fdeEncoding & 0x0f, 0, cie.addressSize);
  } else {
    start = c.address(cie.addressSize);
    range = c.address(cie.addressSize);
  }
  if (cie.hasAugmentationData) c.pos += c.uleb();
  if (c.pos > c.end) c.fail('augmentation data runs past the entry');
  return { start, end: start + range, cie, program: c.bytes.subarray(c.pos, c.end) };
}

/** An .eh_frame pointer (DW_EH_PE_*): the value format in the low nibble, pc-relative when 0x10 is set. */
function readEncoded(c: Cursor, enc: number, sectionAddress: number, addressSize: number): number {
  if (enc === PE_omit) return 0;
  const fieldAddress = sectionAddress + c.pos;
  let v: number;
  switch (enc & 0x0f) {
    case PE_absptr: v = c.address(addressSize); break;
    case PE_uleb128: v = c.uleb(); break;
    case PE_udata2: v = c.u16(); break;
    case PE_udata4: v = c.u32(); break;
    case PE_udata8: v = c.exact(c.u64(), 'pointer'); break;
    case PE_sleb128: v = c.sleb(); break;
    case PE_sdata2: v = (c.u16() << 16) >> 16; break;
    case PE_sdata4: v = c.u32() | 0; break;
    case PE_sdata8: v = Number(BigInt.asIntN(64, c.u64())); break;
    default: c.fail(`pointer encoding 0x${enc.toString(16)} is not supported`);
  }
  switch (enc & 0x70) {
    case 0: return v;
    case PE_pcrel: return fieldAddress + v;
    default: c.fail(`pointer application 0x${(enc & 0x70).toString(16)} is not supported`);
  }
}

interface State { cfa: UnwindRow['cfa']; rules: Map<number, RegisterRule> }

/** Runs the CIE's initial instructions, then the FDE's up to the row containing `pc` (§6.4.2). */
function execute(fde: Fde, pc: number): UnwindRow {
  const cie = fde.cie;
  const state: State = { cfa: undefined, rules: new Map() };
  run(cie.initial, cie, state, undefined, Infinity, fde.start);
  const initial = new Map(state.rules);
  run(fde.program, cie, state, initial, pc, fde.start);
  return { cfa: state.cfa, rules: state.rules, returnAddressRegister: cie.raReg, start: fde.start, end: fde.end };
}

function run(program: Uint8Array, cie: Cie, s: State, initial: Map<number, RegisterRule> | undefined, pc: number, start: number): void {
  const c = new Cursor(program, 0, program.length, 'call frame instructions');
  const stack: State[] = [];
  let loc = start;
  const advance = (delta: number): boolean => { loc += delta * cie.codeAlign; return loc > pc; };
  const restore = (reg: number) => {
    const r = initial?.get(reg);
    if (r) s.rules.set(reg, r); else s.rules.delete(reg);
  };
  while (c.pos < c.end) {
    const op = c.u8();
    const high = op & 0xc0, low = op & 0x3f;
    if (high === DW_CFA_advance_loc) { if (advance(low)) return; continue; }
    if (high === DW_CFA_offset) { s.rules.set(low, { kind: 'offset', n: c.uleb() * cie.dataAlign }); continue; }
    if (high === DW_CFA_restore) { restore(low); continue; }
    switch (op) {
      case DW_CFA_nop: break;
      case DW_CFA_set_loc: loc = c.address(cie.addressSize); if (loc > pc) return; break;
      case DW_CFA_advance_loc1: if (advance(c.u8())) return; break;
      case DW_CFA_advance_loc2: if (advance(c.u16())) return; break;
      case DW_CFA_advance_loc4: if (advance(c.u32())) return; break;
      case DW_CFA_offset_extended: { const r = c.uleb(); s.rules.set(r, { kind: 'offset', n: c.uleb() * cie.dataAlign }); break; }
      case DW_CFA_offset_extended_sf: { const r = c.uleb(); s.rules.set(r, { kind: 'offset', n: c.sleb() * cie.dataAlign }); break; }
      case DW_CFA_GNU_negative_offset_extended: { const r = c.uleb(); s.rules.set(r, { kind: 'offset', n: -c.uleb() * cie.dataAlign }); break; }
      case DW_CFA_restore_extended: restore(c.uleb()); break;
      case DW_CFA_undefined: s.rules.set(c.uleb(), { kind: 'undefined' }); break;
      case DW_CFA_same_value: s.rules.set(c.uleb(), { kind: 'same' }); break;
      case DW_CFA_register: { const r = c.uleb(); s.rules.set(r, { kind: 'register', reg: c.uleb() }); break; }
      case DW_CFA_remember_state: stack.push({ cfa: s.cfa && { ...s.cfa }, rules: new Map(s.rules) }); break;
      case DW_CFA_restore_state: {
        const prev = stack.pop();
        if (!prev) return c.fail('DW_CFA_restore_state without a remembered state');
        s.cfa = prev.cfa; s.rules = prev.rules;
        break;
      }
      case DW_CFA_def_cfa: { const reg = c.uleb(); s.cfa = { reg, offset: c.uleb() }; break; }
      case DW_CFA_def_cfa_sf: { const reg = c.uleb(); s.cfa = { reg, offset: c.sleb() * cie.dataAlign }; break; }
      case DW_CFA_def_cfa_register: s.cfa = { reg: c.uleb(), offset: s.cfa?.offset ?? 0 }; break;
      case DW_CFA_def_cfa_offset: s.cfa = { reg: s.cfa?.reg ?? 2, offset: c.uleb() }; break;
      case DW_CFA_def_cfa_offset_sf: s.cfa = { reg: s.cfa?.reg ?? 2, offset: c.sleb() * cie.dataAlign }; break;
      case DW_CFA_def_cfa_expression: c.pos += c.uleb(); s.cfa = undefined; break;
      case DW_CFA_expression: case DW_CFA_val_expression: { const r = c.uleb(); c.pos += c.uleb(); s.rules.set(r, { kind: 'expression' }); break; }
      case DW_CFA_val_offset: { const r = c.uleb(); s.rules.set(r, { kind: 'val-offset', n: c.uleb() * cie.dataAlign }); break; }
      case DW_CFA_val_offset_sf: { const r = c.uleb(); s.rules.set(r, { kind: 'val-offset', n: c.sleb() * cie.dataAlign }); break; }
      case DW_CFA_GNU_args_size: c.uleb(); break;
      default: c.fail(`call frame instruction 0x${op.toString(16)} is not supported`);
    }
  }
}

/** RISC-V callee-saved registers (psABI): sp, s0–s1, s2–s11. Without a rule they keep their value in the caller. */
const CALLEE_SAVED = new Set([2, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);

/**
 * One unwinding step (§6.4.1): from the registers of a frame stopped in the row's range, the caller's registers
 * (x0–x31 by DWARF number, which is the x register number on RISC-V) and its pc (the return address). Undefined
 * when the CFA or the return address cannot be recovered.
 */
export function unwindStep(row: UnwindRow, regs: ReadonlyMap<number, bigint>,
  readU64: (addr: bigint) => bigint | undefined): { regs: Map<number, bigint>; pc: bigint } | undefined {
  if (!row.cfa) return undefined;
  const base = regs.get(row.cfa.reg);
  if (base === undefined) return undefined;
  const cfa = BigInt.asUintN(64, base + BigInt(row.cfa.offset));
  const out = new Map<number, bigint>();
  for (const r of CALLEE_SAVED) { const v = regs.get(r); if (v !== undefined) out.set(r, v); }
  out.set(2, cfa); // the CFA is the caller's sp at the call (RISC-V psABI)
  for (const [r, rule] of row.rules) {
    switch (rule.kind) {
      case 'undefined': case 'expression': out.delete(r); break;
      case 'same': { const v = regs.get(r); if (v === undefined) out.delete(r); else out.set(r, v); break; }
      case 'offset': {
        const v = readU64(BigInt.asUintN(64, cfa + BigInt(rule.n)));
        if (v === undefined) out.delete(r); else out.set(r, v);
        break;
      }
      case 'val-offset': out.set(r, BigInt.asUintN(64, cfa + BigInt(rule.n))); break;
      case 'register': { const v = regs.get(rule.reg); if (v === undefined) out.delete(r); else out.set(r, v); break; }
    }
  }
  // The return address: its rule's value, or, with no rule, the register itself (a leaf that never saved ra).
  const ra = row.rules.has(row.returnAddressRegister) ? out.get(row.returnAddressRegister) : regs.get(row.returnAddressRegister);
  if (ra === undefined || ra === 0n) return undefined;
  out.set(row.returnAddressRegister, ra);
  return { regs: out, pc: ra };
}

export { DwarfError };
