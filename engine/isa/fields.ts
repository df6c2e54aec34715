// Operand fields as data: bit slices of the instruction word, assembled once at decode time.

/** inst[hi:lo] lands at bit `at` of the operand value. */
export interface BitSlice {
  readonly hi: number;
  readonly lo: number;
  readonly at: number;
}

export interface FieldSpec {
  readonly slices: readonly BitSlice[];
  /** Sign-extend from the operand's top bit. */
  readonly signed: boolean;
  /** Added after extraction (compressed x8–x15 register fields). */
  readonly bias: number;
}

export function field(signed: boolean, ...slices: [hi: number, lo: number, at: number][]): FieldSpec {
  return { signed, bias: 0, slices: slices.map(([hi, lo, at]) => ({ hi, lo, at })) };
}

/** A 3-bit compressed register field naming x8–x15. */
export function cReg(hi: number, lo: number): FieldSpec {
  return { signed: false, bias: 8, slices: [{ hi, lo, at: 0 }] };
}

/** Number of value bits a field produces (its highest target bit + 1). */
export function fieldWidth(f: FieldSpec): number {
  let w = 0;
  for (const s of f.slices) w = Math.max(w, s.at + s.hi - s.lo + 1);
  return w;
}

/** Extracts a field; result fits in int32 for every RISC-V operand (the widest is U-type's 32 bits). */
export function extract(inst: number, f: FieldSpec): number {
  let v = 0;
  for (const s of f.slices) {
    const len = s.hi - s.lo + 1;
    v |= ((inst >>> s.lo) & ((1 << len) - 1)) << s.at;
  }
  if (f.signed) {
    const shift = 32 - fieldWidth(f);
    v = (v << shift) >> shift;
  }
  return v + f.bias;
}

/** Bits of the instruction word that a field reads (for the overlap and coverage tests). */
export function fieldMask(f: FieldSpec): number {
  let m = 0;
  for (const s of f.slices) m |= ((1 << (s.hi - s.lo + 1)) - 1) << s.lo;
  return m >>> 0;
}

// 32-bit formats (unprivileged spec, chapter 2 "Base Instruction Formats" and "Immediate Encoding Variants")
export const F = {
  rd: field(false, [11, 7, 0]),
  rs1: field(false, [19, 15, 0]),
  rs2: field(false, [24, 20, 0]),
  immI: field(true, [31, 20, 0]),
  immS: field(true, [31, 25, 5], [11, 7, 0]),
  immB: field(true, [31, 31, 12], [7, 7, 11], [30, 25, 5], [11, 8, 1]),
  immU: field(true, [31, 12, 12]),
  immJ: field(true, [31, 31, 20], [19, 12, 12], [20, 20, 11], [30, 21, 1]),
  shamt6: field(false, [25, 20, 0]),
  shamt5: field(false, [24, 20, 0]),
  csr: field(false, [31, 20, 0]),
  zimm: field(false, [19, 15, 0]),
  aqrl: field(false, [26, 25, 0]),
  pred: field(false, [27, 24, 0]),
  succ: field(false, [23, 20, 0]),
  // Compressed formats (unprivileged spec, chapter "C" Standard Extension, "Compressed Instruction Formats")
  cRd: field(false, [11, 7, 0]),
  cRs2: field(false, [6, 2, 0]),
  cRdP: cReg(4, 2),
  cRs1P: cReg(9, 7),
  cRs2P: cReg(4, 2),
  cImm6: field(true, [12, 12, 5], [6, 2, 0]),
  cUimm6: field(false, [12, 12, 5], [6, 2, 0]),
  cLui: field(true, [12, 12, 17], [6, 2, 12]),
  cAddi16sp: field(true, [12, 12, 9], [6, 6, 4], [5, 5, 6], [4, 3, 7], [2, 2, 5]),
  cAddi4spn: field(false, [12, 11, 4], [10, 7, 6], [6, 6, 2], [5, 5, 3]),
  cLw: field(false, [12, 10, 3], [6, 6, 2], [5, 5, 6]),
  cLd: field(false, [12, 10, 3], [6, 5, 6]),
  cLwsp: field(false, [12, 12, 5], [6, 4, 2], [3, 2, 6]),
  cLdsp: field(false, [12, 12, 5], [6, 5, 3], [4, 2, 6]),
  cSwsp: field(false, [12, 9, 2], [8, 7, 6]),
  cSdsp: field(false, [12, 10, 3], [9, 7, 6]),
  cJ: field(true, [12, 12, 11], [11, 11, 4], [10, 9, 8], [8, 8, 10], [7, 7, 6], [6, 6, 7], [5, 3, 1], [2, 2, 5]),
  cB: field(true, [12, 12, 8], [11, 10, 3], [6, 5, 6], [4, 3, 1], [2, 2, 5]),
} as const;
