// Hand encoders for RV64IMAC + Zicsr/Zifencei + privileged instructions, so CPU tests can place exact words in RAM
// (formats from the unprivileged spec §2.2–2.3 and §16 "C" extension; encoder.test.ts checks them against GNU as).

import type { FieldSpec } from '../../engine/isa/fields';

/** ABI register numbers. */
export const X = {
  zero: 0, ra: 1, sp: 2, gp: 3, tp: 4, t0: 5, t1: 6, t2: 7, s0: 8, s1: 9,
  a0: 10, a1: 11, a2: 12, a3: 13, a4: 14, a5: 15, a6: 16, a7: 17,
  s2: 18, s3: 19, s4: 20, s5: 21, s6: 22, s7: 23, s8: 24, s9: 25, s10: 26, s11: 27,
  t3: 28, t4: 29, t5: 30, t6: 31,
} as const;

function reg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new Error(`bad register ${r}`);
  return r;
}

function fits(v: number, bits: number, signed: boolean, what: string): void {
  const lo = signed ? -(2 ** (bits - 1)) : 0, hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} ${v} does not fit ${bits} bits`);
}

const bit = (v: number, b: number) => (v >>> b) & 1;
const bits = (v: number, hi: number, lo: number) => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);

// ---- 32-bit formats ----------------------------------------------------------------------------------------
export function rType(f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number {
  return ((f7 << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | op) >>> 0;
}
export function iType(imm: number, rs1: number, f3: number, rd: number, op: number): number {
  fits(imm, 12, true, 'I-immediate');
  return (((imm & 0xfff) << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | op) >>> 0;
}
export function sType(imm: number, rs2: number, rs1: number, f3: number, op: number): number {
  fits(imm, 12, true, 'S-immediate');
  return ((bits(imm, 11, 5) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (f3 << 12) | (bits(imm, 4, 0) << 7) | op) >>> 0;
}
export function bType(imm: number, rs2: number, rs1: number, f3: number, op: number): number {
  fits(imm, 13, true, 'B-offset');
  if (imm & 1) throw new Error('branch offset must be even');
  return ((bit(imm, 12) << 31) | (bits(imm, 10, 5) << 25) | (reg(rs2) << 20) | (reg(rs1) << 15) | (f3 << 12)
    | (bits(imm, 4, 1) << 8) | (bit(imm, 11) << 7) | op) >>> 0;
}
export function uType(imm20: number, rd: number, op: number): number {
  if (!Number.isInteger(imm20) || imm20 < -0x80000 || imm20 > 0xfffff) throw new Error(`U-immediate ${imm20}`);
  return (((imm20 & 0xfffff) << 12) | (reg(rd) << 7) | op) >>> 0;
}
export function jType(imm: number, rd: number, op: number): number {
  fits(imm, 21, true, 'J-offset');
  if (imm & 1) throw new Error('jump offset must be even');
  return ((bit(imm, 20) << 31) | (bits(imm, 10, 1) << 21) | (bit(imm, 11) << 20) | (bits(imm, 19, 12) << 12)
    | (reg(rd) << 7) | op) >>> 0;
}

const OP = 0x33, OP_32 = 0x3b, OP_IMM = 0x13, OP_IMM_32 = 0x1b, LOAD = 0x03, STORE = 0x23, BRANCH = 0x63;
const SYSTEM = 0x73, AMO = 0x2f, MISC_MEM = 0x0f;

// RV64I
export const lui = (rd: number, imm20: number) => uType(imm20, rd, 0x37);
export const auipc = (rd: number, imm20: number) => uType(imm20, rd, 0x17);
export const jal = (rd: number, off: number) => jType(off, rd, 0x6f);
export const jalr = (rd: number, rs1: number, off: number) => iType(off, rs1, 0, rd, 0x67);
export const beq = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 0, BRANCH);
export const bne = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 1, BRANCH);
export const blt = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 4, BRANCH);
export const bge = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 5, BRANCH);
export const bltu = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 6, BRANCH);
export const bgeu = (rs1: number, rs2: number, off: number) => bType(off, rs2, rs1, 7, BRANCH);
export const lb = (rd: number, rs1: number, off: number) => iType(off, rs1, 0, rd, LOAD);
export const lh = (rd: number, rs1: number, off: number) => iType(off, rs1, 1, rd, LOAD);
export const lw = (rd: number, rs1: number, off: number) => iType(off, rs1, 2, rd, LOAD);
export const ld = (rd: number, rs1: number, off: number) => iType(off, rs1, 3, rd, LOAD);
export const lbu = (rd: number, rs1: number, off: number) => iType(off, rs1, 4, rd, LOAD);
export const lhu = (rd: number, rs1: number, off: number) => iType(off, rs1, 5, rd, LOAD);
export const lwu = (rd: number, rs1: number, off: number) => iType(off, rs1, 6, rd, LOAD);
export const sb = (rs2: number, rs1: number, off: number) => sType(off, rs2, rs1, 0, STORE);
export const sh = (rs2: number, rs1: number, off: number) => sType(off, rs2, rs1, 1, STORE);
export const sw = (rs2: number, rs1: number, off: number) => sType(off, rs2, rs1, 2, STORE);
export const sd = (rs2: number, rs1: number, off: number) => sType(off, rs2, rs1, 3, STORE);
export const addi = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 0, rd, OP_IMM);
export const slti = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 2, rd, OP_IMM);
export const sltiu = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 3, rd, OP_IMM);
export const xori = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 4, rd, OP_IMM);
export const ori = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 6, rd, OP_IMM);
export const andi = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 7, rd, OP_IMM);
function shamt(s: number, max: number): number { fits(s, max === 63 ? 6 : 5, false, 'shift amount'); return s; }
export const slli = (rd: number, rs1: number, s: number) => iType(shamt(s, 63), rs1, 1, rd, OP_IMM);
export const srli = (rd: number, rs1: number, s: number) => iType(shamt(s, 63), rs1, 5, rd, OP_IMM);
export const srai = (rd: number, rs1: number, s: number) => iType(0x400 | shamt(s, 63), rs1, 5, rd, OP_IMM);
export const add = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 0, rd, OP);
export const sub = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 0, rd, OP);
export const sll = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 1, rd, OP);
export const slt = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 2, rd, OP);
export const sltu = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 3, rd, OP);
export const xor = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 4, rd, OP);
export const srl = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 5, rd, OP);
export const sra = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 5, rd, OP);
export const or = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 6, rd, OP);
export const and = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 7, rd, OP);
export const addiw = (rd: number, rs1: number, imm: number) => iType(imm, rs1, 0, rd, OP_IMM_32);
export const slliw = (rd: number, rs1: number, s: number) => iType(shamt(s, 31), rs1, 1, rd, OP_IMM_32);
export const srliw = (rd: number, rs1: number, s: number) => iType(shamt(s, 31), rs1, 5, rd, OP_IMM_32);
export const sraiw = (rd: number, rs1: number, s: number) => iType(0x400 | shamt(s, 31), rs1, 5, rd, OP_IMM_32);
export const addw = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 0, rd, OP_32);
export const subw = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 0, rd, OP_32);
export const sllw = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 1, rd, OP_32);
export const srlw = (rd: number, rs1: number, rs2: number) => rType(0, rs2, rs1, 5, rd, OP_32);
export const sraw = (rd: number, rs1: number, rs2: number) => rType(0x20, rs2, rs1, 5, rd, OP_32);
/** fence iorw, iorw by default (pred/succ as 4-bit sets). */
export const fence = (pred = 0xf, succ = 0xf) => ((pred << 24) | (succ << 20) | MISC_MEM) >>> 0;
export const fence_i = () => 0x0000100f;
export const ecall = () => 0x00000073;
export const ebreak = () => 0x00100073;

// RV64M
const mExt = (f3: number, op: number) => (rd: number, rs1: number, rs2: number) => rType(1, rs2, rs1, f3, rd, op);
export const mul = mExt(0, OP), mulh = mExt(1, OP), mulhsu = mExt(2, OP), mulhu = mExt(3, OP);
export const div = mExt(4, OP), divu = mExt(5, OP), rem = mExt(6, OP), remu = mExt(7, OP);
export const mulw = mExt(0, OP_32), divw = mExt(4, OP_32), divuw = mExt(5, OP_32), remw = mExt(6, OP_32), remuw = mExt(7, OP_32);

// RV64A: rd, rs2, (rs1) as in assembly
const amoOp = (f5: number, f3: number) => (rd: number, rs2: number, rs1: number, aq = 0, rl = 0) =>
  rType((f5 << 2) | (aq << 1) | rl, rs2, rs1, f3, rd, AMO);
export const lr_w = (rd: number, rs1: number) => amoOp(0b00010, 2)(rd, 0, rs1);
export const lr_d = (rd: number, rs1: number) => amoOp(0b00010, 3)(rd, 0, rs1);
export const sc_w = amoOp(0b00011, 2), sc_d = amoOp(0b00011, 3);
export const amoswap_w = amoOp(0b00001, 2), amoswap_d = amoOp(0b00001, 3);
export const amoadd_w = amoOp(0b00000, 2), amoadd_d = amoOp(0b00000, 3);
export const amoxor_w = amoOp(0b00100, 2), amoxor_d = amoOp(0b00100, 3);
export const amoand_w = amoOp(0b01100, 2), amoand_d = amoOp(0b01100, 3);
export const amoor_w = amoOp(0b01000, 2), amoor_d = amoOp(0b01000, 3);
export const amomin_w = amoOp(0b10000, 2), amomin_d = amoOp(0b10000, 3);
export const amomax_w = amoOp(0b10100, 2), amomax_d = amoOp(0b10100, 3);
export const amominu_w = amoOp(0b11000, 2), amominu_d = amoOp(0b11000, 3);
export const amomaxu_w = amoOp(0b11100, 2), amomaxu_d = amoOp(0b11100, 3);

// Zicsr (csr is the 12-bit address; the immediate forms take a 5-bit uimm)
const csrOp = (f3: number) => (rd: number, csr: number, rs1: number) => {
  fits(csr, 12, false, 'CSR address');
  return (((csr << 20) | (reg(rs1) << 15) | (f3 << 12) | (reg(rd) << 7) | SYSTEM) >>> 0);
};
export const csrrw = csrOp(1), csrrs = csrOp(2), csrrc = csrOp(3);
export const csrrwi = csrOp(5), csrrsi = csrOp(6), csrrci = csrOp(7);
export const csrr = (rd: number, csr: number) => csrrs(rd, csr, 0);
export const csrw = (csr: number, rs1: number) => csrrw(0, csr, rs1);

// Privileged
export const mret = () => 0x30200073;
export const sret = () => 0x10200073;
export const wfi = () => 0x10500073;
export const sfence_vma = (rs1 = 0, rs2 = 0) => rType(0x09, rs2, rs1, 0, 0, SYSTEM);

// ---- compressed (16-bit) forms -------------------------------------------------------------------------------
function cReg(r: number): number {
  if (r < 8 || r > 15) throw new Error(`compressed register x${r} is not one of x8–x15`);
  return r - 8;
}
const q = (f3: number, quadrant: number) => (f3 << 13) | quadrant;

export const c_addi4spn = (rd: number, uimm: number) => {
  fits(uimm, 10, false, 'c.addi4spn immediate');
  return q(0, 0) | (bits(uimm, 5, 4) << 11) | (bits(uimm, 9, 6) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 3) << 5) | (cReg(rd) << 2);
};
export const c_lw = (rd: number, rs1: number, uimm: number) =>
  q(2, 0) | (bits(uimm, 5, 3) << 10) | (cReg(rs1) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 6) << 5) | (cReg(rd) << 2);
export const c_ld = (rd: number, rs1: number, uimm: number) =>
  q(3, 0) | (bits(uimm, 5, 3) << 10) | (cReg(rs1) << 7) | (bits(uimm, 7, 6) << 5) | (cReg(rd) << 2);
export const c_sw = (rs2: number, rs1: number, uimm: number) =>
  q(6, 0) | (bits(uimm, 5, 3) << 10) | (cReg(rs1) << 7) | (bit(uimm, 2) << 6) | (bit(uimm, 6) << 5) | (cReg(rs2) << 2);
export const c_sd = (rs2: number, rs1: number, uimm: number) =>
  q(7, 0) | (bits(uimm, 5, 3) << 10) | (cReg(rs1) << 7) | (bits(uimm, 7, 6) << 5) | (cReg(rs2) << 2);
export const c_nop = () => 0x0001;
const ci = (f3: number, quadrant: number) => (rd: number, imm: number) => {
  fits(imm, 6, true, 'CI immediate');
  return q(f3, quadrant) | (bit(imm, 5) << 12) | (reg(rd) << 7) | (bits(imm, 4, 0) << 2);
};
export const c_addi = ci(0, 1);
export const c_addiw = ci(1, 1);
export const c_li = ci(2, 1);
export const c_addi16sp = (imm: number) => {
  fits(imm, 10, true, 'c.addi16sp immediate');
  return q(3, 1) | (bit(imm, 9) << 12) | (2 << 7) | (bit(imm, 4) << 6) | (bit(imm, 6) << 5) | (bits(imm, 8, 7) << 3) | (bit(imm, 5) << 2);
};
/** c.lui rd, imm6 (the assembler's 6-bit nzimm[17:12], written as 1..0x1f or 0xfffe0..0xfffff). */
export const c_lui = (rd: number, imm6: number) => q(3, 1) | (bit(imm6, 5) << 12) | (reg(rd) << 7) | (bits(imm6, 4, 0) << 2);
const cShift = (f2: number) => (rd: number, s: number) =>
  q(4, 1) | (bit(s, 5) << 12) | (f2 << 10) | (cReg(rd) << 7) | (bits(s, 4, 0) << 2);
export const c_srli = cShift(0), c_srai = cShift(1);
export const c_andi = (rd: number, imm: number) => {
  fits(imm, 6, true, 'c.andi immediate');
  return q(4, 1) | (bit(imm, 5) << 12) | (2 << 10) | (cReg(rd) << 7) | (bits(imm, 4, 0) << 2);
};
const ca = (b12: number, f2: number) => (rd: number, rs2: number) =>
  q(4, 1) | (b12 << 12) | (3 << 10) | (cReg(rd) << 7) | (f2 << 5) | (cReg(rs2) << 2);
export const c_sub = ca(0, 0), c_xor = ca(0, 1), c_or = ca(0, 2), c_and = ca(0, 3), c_subw = ca(1, 0), c_addw = ca(1, 1);
export const c_j = (off: number) => {
  fits(off, 12, true, 'c.j offset');
  return q(5, 1) | (bit(off, 11) << 12) | (bit(off, 4) << 11) | (bits(off, 9, 8) << 9) | (bit(off, 10) << 8)
    | (bit(off, 6) << 7) | (bit(off, 7) << 6) | (bits(off, 3, 1) << 3) | (bit(off, 5) << 2);
};
const cb = (f3: number) => (rs1: number, off: number) => {
  fits(off, 9, true, 'c.b offset');
  return q(f3, 1) | (bit(off, 8) << 12) | (bits(off, 4, 3) << 10) | (cReg(rs1) << 7) | (bits(off, 7, 6) << 5)
    | (bits(off, 2, 1) << 3) | (bit(off, 5) << 2);
};
export const c_beqz = cb(6), c_bnez = cb(7);
export const c_slli = (rd: number, s: number) => q(0, 2) | (bit(s, 5) << 12) | (reg(rd) << 7) | (bits(s, 4, 0) << 2);
export const c_lwsp = (rd: number, uimm: number) =>
  q(2, 2) | (bit(uimm, 5) << 12) | (reg(rd) << 7) | (bits(uimm, 4, 2) << 4) | (bits(uimm, 7, 6) << 2);
export const c_ldsp = (rd: number, uimm: number) =>
  q(3, 2) | (bit(uimm, 5) << 12) | (reg(rd) << 7) | (bits(uimm, 4, 3) << 5) | (bits(uimm, 8, 6) << 2);
export const c_jr = (rs1: number) => q(4, 2) | (reg(rs1) << 7);
export const c_mv = (rd: number, rs2: number) => q(4, 2) | (reg(rd) << 7) | (reg(rs2) << 2);
export const c_ebreak = () => 0x9002;
export const c_jalr = (rs1: number) => q(4, 2) | (1 << 12) | (reg(rs1) << 7);
export const c_add = (rd: number, rs2: number) => q(4, 2) | (1 << 12) | (reg(rd) << 7) | (reg(rs2) << 2);
export const c_swsp = (rs2: number, uimm: number) => q(6, 2) | (bits(uimm, 5, 2) << 9) | (bits(uimm, 7, 6) << 7) | (reg(rs2) << 2);
export const c_sdsp = (rs2: number, uimm: number) => q(7, 2) | (bits(uimm, 5, 3) << 10) | (bits(uimm, 8, 6) << 7) | (reg(rs2) << 2);

/** Length in bytes of an encoded instruction (the low two bits tell 16- from 32-bit forms). */
export function insnSize(word: number): 2 | 4 {
  return (word & 3) === 3 ? 4 : 2;
}

/** `j .`: a trap handler that parks the hart so tests can inspect the trap CSRs at leisure. */
export const J_SELF = 0x0000006f;

/** Writes `value` into the bits `f` reads (the inverse of fields.ts `extract`). */
export function encodeField(word: number, f: FieldSpec, value: number): number {
  const v = value - f.bias;
  for (const s of f.slices) {
    const m = ((1 << (s.hi - s.lo + 1)) - 1) << s.lo;
    word = (word & ~m) | (((v >> s.at) << s.lo) & m);
  }
  return word >>> 0;
}
