// 64-bit arithmetic on (lo, hi) int32 pairs: the register representation chosen by measurement
// (docs/performance.md). Results that need two words come back through the RESULT scratch pair.

const TWO32 = 4294967296;

/** Second word of a two-word result (low word is the return value). */
export const RESULT = { hi: 0 };

/** Unsigned 32×32 → 64 product; returns the low word, high word in RESULT.hi. */
export function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33, exact in a double
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  RESULT.hi = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32)) | 0;
  return low | 0;
}

/** Low 64 bits of a × b. */
export function mul64(al: number, ah: number, bl: number, bh: number): number {
  const lo = mulu32(al, bl);
  RESULT.hi = (RESULT.hi + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return lo;
}

/** High 64 bits of the unsigned 128-bit product; returns the low word of that half, its high word in RESULT.hi. */
export function mulhu64(al: number, ah: number, bl: number, bh: number): number {
  // Schoolbook over 32-bit digits: (ah·2^32 + al)(bh·2^32 + bl)
  const p0l = mulu32(al, bl), p0h = RESULT.hi;
  const p1l = mulu32(al, bh), p1h = RESULT.hi;
  const p2l = mulu32(ah, bl), p2h = RESULT.hi;
  const p3l = mulu32(ah, bh), p3h = RESULT.hi;
  void p0l;
  // word1 = p0h + p1l + p2l, carries into word2
  const w1 = (p0h >>> 0) + (p1l >>> 0) + (p2l >>> 0);
  const c1 = Math.floor(w1 / TWO32);
  const w2 = (p1h >>> 0) + (p2h >>> 0) + (p3l >>> 0) + c1;
  const c2 = Math.floor(w2 / TWO32);
  RESULT.hi = ((p3h >>> 0) + c2) | 0;
  return w2 | 0;
}

/** High 64 bits of the signed×signed (bSigned) or signed×unsigned product. */
export function mulh64(al: number, ah: number, bl: number, bh: number, bSigned: boolean): number {
  let lo = mulhu64(al, ah, bl, bh);
  let hi = RESULT.hi;
  // Signed correction: subtract the other operand (mod 2^64) for each negative operand.
  if (ah < 0) { const l = (lo >>> 0) - (bl >>> 0); hi = (hi - bh - (l < 0 ? 1 : 0)) | 0; lo = l | 0; }
  if (bSigned && bh < 0) { const l = (lo >>> 0) - (al >>> 0); hi = (hi - ah - (l < 0 ? 1 : 0)) | 0; lo = l | 0; }
  RESULT.hi = hi;
  return lo;
}

export function toBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

export function toBigUint(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Splits a bigint (any sign, taken mod 2^64) into RESULT.hi and the returned low word. */
export function fromBigInt(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  RESULT.hi = Number(u >> 32n) | 0;
  return Number(u & 0xffffffffn) | 0;
}

/** True when the pair is a sign-extended 32-bit value (fast paths for div/rem). */
export function isInt32(lo: number, hi: number): boolean {
  return hi === lo >> 31;
}

/** Signed 64-bit division semantics of RISC-V (÷0 → −1, INT64_MIN ÷ −1 → INT64_MIN). */
export function div64(al: number, ah: number, bl: number, bh: number, wantRem: boolean, signed: boolean): number {
  if ((bl | bh) === 0) {
    if (wantRem) { RESULT.hi = ah; return al; }
    RESULT.hi = -1; return -1;
  }
  if (signed && isInt32(al, ah) && isInt32(bl, bh) && !(al === -2147483648 && bl === -1)) {
    const r = wantRem ? al % bl : Math.trunc(al / bl);
    RESULT.hi = r < 0 ? -1 : 0; return r | 0;
  }
  if (!signed && ah === 0 && bh === 0) {
    const a = al >>> 0, b = bl >>> 0;
    RESULT.hi = 0; return (wantRem ? a % b : Math.floor(a / b)) | 0;
  }
  if (signed) {
    const a = toBigInt(al, ah), b = toBigInt(bl, bh);
    if (a === -(1n << 63n) && b === -1n) { if (wantRem) { RESULT.hi = 0; return 0; } RESULT.hi = ah; return al; }
    return fromBigInt(wantRem ? a % b : a / b);
  }
  const a = toBigUint(al, ah), b = toBigUint(bl, bh);
  return fromBigInt(wantRem ? a % b : a / b);
}

/** Compare helpers on pairs. */
export function ltSigned(al: number, ah: number, bl: number, bh: number): boolean {
  return ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0));
}
export function ltUnsigned(al: number, ah: number, bl: number, bh: number): boolean {
  return (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0));
}

/** The pc a register pair names, as a JS number (the signed 64-bit value). Addresses beyond ±2^53 exist in
 *  no translation mode here, so they are clamped to an address that faults on fetch. */
export function pcFromPair(lo: number, hi: number): number {
  if (hi >= -2097152 && hi < 2097152) return hi * TWO32 + (lo >>> 0);
  return hi < 0 ? -(2 ** 53) : 2 ** 53;
}
