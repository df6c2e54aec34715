// RV64I semantics, one handler per instruction (unprivileged spec chapters 2 and 4).
import type { Hart } from '../hart';
import { ltSigned, ltUnsigned, pcFromPair } from '../int64';
import type { Handler } from '../op';
import { Cause, PRIV_S } from '../privilege';
import { EA, ea, setFromNumber, setW } from './common';

type Cmp = (al: number, ah: number, bl: number, bh: number) => boolean;
const eq: Cmp = (al, ah, bl, bh) => al === bl && ah === bh;

function branch(cond: Cmp, negate: boolean): Handler {
  return (h, d) => {
    if (cond(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]) !== negate) h.npc = h.pc + d.imm;
  };
}

// Shifts by 0–63 on pairs; results return lo with hi through SHIFT.hi.
const SHIFT = { hi: 0 };
function shl(lo: number, hi: number, s: number): number {
  if (s === 0) { SHIFT.hi = hi; return lo; }
  if (s < 32) { SHIFT.hi = (hi << s) | (lo >>> (32 - s)); return lo << s; }
  SHIFT.hi = lo << (s - 32); return 0;
}
function shr(lo: number, hi: number, s: number, arithmetic: boolean): number {
  if (s === 0) { SHIFT.hi = hi; return lo; }
  if (s < 32) {
    SHIFT.hi = arithmetic ? hi >> s : (hi >>> s) | 0;
    return (lo >>> s) | (hi << (32 - s));
  }
  SHIFT.hi = arithmetic ? hi >> 31 : 0;
  return arithmetic ? hi >> (s - 32) : (hi >>> (s - 32)) | 0;
}

function add(h: Hart, rd: number, al: number, ah: number, bl: number, bh: number): void {
  const s = (al >>> 0) + (bl >>> 0);
  h.hi[rd] = (ah + bh + (s > 4294967295 ? 1 : 0)) | 0;
  h.lo[rd] = s | 0;
}
function sub(h: Hart, rd: number, al: number, ah: number, bl: number, bh: number): void {
  const s = (al >>> 0) - (bl >>> 0);
  h.hi[rd] = (ah - bh - (s < 0 ? 1 : 0)) | 0;
  h.lo[rd] = s | 0;
}

function load(width: 1 | 2 | 4 | 8, signed: boolean): Handler {
  switch (width) {
    case 1: return (h, d) => {
      const a = ea(h, d); const v = h.mem.load8(a, EA.hi);
      if (h.exc < 0) setW(h, d.rd, signed ? (v << 24) >> 24 : v);
    };
    case 2: return (h, d) => {
      const a = ea(h, d); const v = h.mem.load16(a, EA.hi);
      if (h.exc < 0) setW(h, d.rd, signed ? (v << 16) >> 16 : v);
    };
    case 4: return (h, d) => {
      const a = ea(h, d); const v = h.mem.load32(a, EA.hi);
      if (h.exc < 0) { h.lo[d.rd] = v; h.hi[d.rd] = signed ? v >> 31 : 0; }
    };
    default: return (h, d) => {
      const a = ea(h, d); const v = h.mem.load64(a, EA.hi);
      if (h.exc < 0) { h.lo[d.rd] = v; h.hi[d.rd] = h.mem.hiOut; }
    };
  }
}

export const RV64I_HANDLERS: Record<string, Handler> = {
  lui: (h, d) => setW(h, d.rd, d.imm),
  auipc: (h, d) => setFromNumber(h, d.rd, h.pc + d.imm),
  jal: (h, d) => { setFromNumber(h, d.rd, h.pc + d.size); h.npc = h.pc + d.imm; },
  jalr: (h, d) => {
    const target = pcFromPair(ea(h, d) & ~1, EA.hi); // read rs1 before writing rd (rd may equal rs1)
    setFromNumber(h, d.rd, h.pc + d.size);
    h.npc = target;
  },
  beq: branch(eq, false),
  bne: branch(eq, true),
  blt: branch(ltSigned, false),
  bge: branch(ltSigned, true),
  bltu: branch(ltUnsigned, false),
  bgeu: branch(ltUnsigned, true),
  lb: load(1, true), lh: load(2, true), lw: load(4, true), ld: load(8, true),
  lbu: load(1, false), lhu: load(2, false), lwu: load(4, false),
  sb: (h, d) => { const a = ea(h, d); h.mem.store8(a, EA.hi, h.lo[d.rs2]); },
  sh: (h, d) => { const a = ea(h, d); h.mem.store16(a, EA.hi, h.lo[d.rs2]); },
  sw: (h, d) => { const a = ea(h, d); h.mem.store32(a, EA.hi, h.lo[d.rs2]); },
  sd: (h, d) => { const a = ea(h, d); h.mem.store64(a, EA.hi, h.lo[d.rs2], h.hi[d.rs2]); },
  addi: (h, d) => add(h, d.rd, h.lo[d.rs1], h.hi[d.rs1], d.imm, d.imm >> 31),
  slti: (h, d) => setW(h, d.rd, ltSigned(h.lo[d.rs1], h.hi[d.rs1], d.imm, d.imm >> 31) ? 1 : 0),
  sltiu: (h, d) => setW(h, d.rd, ltUnsigned(h.lo[d.rs1], h.hi[d.rs1], d.imm, d.imm >> 31) ? 1 : 0),
  xori: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] ^ d.imm; h.hi[d.rd] = h.hi[d.rs1] ^ (d.imm >> 31); },
  ori: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] | d.imm; h.hi[d.rd] = h.hi[d.rs1] | (d.imm >> 31); },
  andi: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] & d.imm; h.hi[d.rd] = h.hi[d.rs1] & (d.imm >> 31); },
  slli: (h, d) => { const l = shl(h.lo[d.rs1], h.hi[d.rs1], d.imm); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  srli: (h, d) => { const l = shr(h.lo[d.rs1], h.hi[d.rs1], d.imm, false); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  srai: (h, d) => { const l = shr(h.lo[d.rs1], h.hi[d.rs1], d.imm, true); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  add: (h, d) => add(h, d.rd, h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]),
  sub: (h, d) => sub(h, d.rd, h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]),
  sll: (h, d) => { const l = shl(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2] & 63); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  slt: (h, d) => setW(h, d.rd, ltSigned(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]) ? 1 : 0),
  sltu: (h, d) => setW(h, d.rd, ltUnsigned(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]) ? 1 : 0),
  xor: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] ^ h.lo[d.rs2]; h.hi[d.rd] = h.hi[d.rs1] ^ h.hi[d.rs2]; },
  srl: (h, d) => { const l = shr(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2] & 63, false); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  sra: (h, d) => { const l = shr(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2] & 63, true); h.lo[d.rd] = l; h.hi[d.rd] = SHIFT.hi; },
  or: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] | h.lo[d.rs2]; h.hi[d.rd] = h.hi[d.rs1] | h.hi[d.rs2]; },
  and: (h, d) => { h.lo[d.rd] = h.lo[d.rs1] & h.lo[d.rs2]; h.hi[d.rd] = h.hi[d.rs1] & h.hi[d.rs2]; },
  addiw: (h, d) => setW(h, d.rd, (h.lo[d.rs1] + d.imm) | 0),
  slliw: (h, d) => setW(h, d.rd, h.lo[d.rs1] << d.imm),
  srliw: (h, d) => setW(h, d.rd, (h.lo[d.rs1] >>> d.imm) | 0),
  sraiw: (h, d) => setW(h, d.rd, h.lo[d.rs1] >> d.imm),
  addw: (h, d) => setW(h, d.rd, (h.lo[d.rs1] + h.lo[d.rs2]) | 0),
  subw: (h, d) => setW(h, d.rd, (h.lo[d.rs1] - h.lo[d.rs2]) | 0),
  sllw: (h, d) => setW(h, d.rd, h.lo[d.rs1] << (h.lo[d.rs2] & 31)),
  srlw: (h, d) => setW(h, d.rd, (h.lo[d.rs1] >>> (h.lo[d.rs2] & 31)) | 0),
  sraw: (h, d) => setW(h, d.rd, h.lo[d.rs1] >> (h.lo[d.rs2] & 31)),
  // The hart executes in program order and memory is coherent, so fences order nothing further here.
  fence: () => undefined,
  'fence.tso': () => undefined,
  // Cause by mode: U and VU 8, HS 9, VS 10, M 11 (Priv §13.6.1).
  ecall: (h) => h.raise(h.virt && h.priv === PRIV_S ? Cause.EcallFromVS : Cause.EcallFromU + h.priv),
  // mtval = 0 for breakpoints, as QEMU reports them (the spec also allows the pc).
  ebreak: (h) => h.raise(Cause.Breakpoint),
};
