// Helpers shared by instruction handlers: effective addresses, register writes, the illegal-instruction trap.
import type { Hart } from '../hart';
import type { Op } from '../op';
import { Cause } from '../privilege';

const TWO32 = 4294967296;

/** High word of the last effective address computed by ea(). */
export const EA = { hi: 0 };

/** rs1 + imm as a 64-bit (lo, hi) pair: returns lo, hi in EA.hi. */
export function ea(h: Hart, d: Op): number {
  const s = (h.lo[d.rs1] >>> 0) + (d.imm >>> 0);
  EA.hi = (h.hi[d.rs1] + (d.imm >> 31) + (s > 4294967295 ? 1 : 0)) | 0;
  return s | 0;
}

/** Writes a sign-extended 32-bit result. */
export function setW(h: Hart, rd: number, v: number): void {
  h.lo[rd] = v;
  h.hi[rd] = v >> 31;
}

/** pc-relative value (auipc, link addresses) as a register pair. */
export function setFromNumber(h: Hart, rd: number, v: number): void {
  h.lo[rd] = v | 0;
  h.hi[rd] = Math.floor(v / TWO32) | 0;
}

/** Illegal instruction: mtval holds the instruction bits (Priv §3.1.16), as QEMU reports them. */
export function illegal(h: Hart, d: Op): void {
  h.raise(Cause.IllegalInsn, d.raw, 0);
}

/** Virtual instruction (H extension, cause 22): tval is written as for an illegal instruction (Priv §13.6.1). */
export function virtualInstruction(h: Hart, d: Op): void {
  h.raise(Cause.VirtualInsn, d.raw, 0);
}
