// RV64M semantics (unprivileged spec chapter 7): multiplies on pairs, divides with RISC-V's defined corner cases.
import { div64, mul64, mulh64, mulhu64, RESULT } from '../int64';
import type { Handler } from '../op';
import { setW } from './common';

const INT32_MIN = -2147483648;

export const RV64M_HANDLERS: Record<string, Handler> = {
  mul: (h, d) => { const l = mul64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  mulh: (h, d) => { const l = mulh64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], true); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  mulhsu: (h, d) => { const l = mulh64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], false); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  mulhu: (h, d) => { const l = mulhu64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2]); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  div: (h, d) => { const l = div64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], false, true); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  divu: (h, d) => { const l = div64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], false, false); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  rem: (h, d) => { const l = div64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], true, true); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  remu: (h, d) => { const l = div64(h.lo[d.rs1], h.hi[d.rs1], h.lo[d.rs2], h.hi[d.rs2], true, false); h.lo[d.rd] = l; h.hi[d.rd] = RESULT.hi; },
  mulw: (h, d) => setW(h, d.rd, Math.imul(h.lo[d.rs1], h.lo[d.rs2])),
  divw: (h, d) => {
    const a = h.lo[d.rs1], b = h.lo[d.rs2];
    setW(h, d.rd, b === 0 ? -1 : a === INT32_MIN && b === -1 ? a : (a / b) | 0);
  },
  divuw: (h, d) => {
    const a = h.lo[d.rs1] >>> 0, b = h.lo[d.rs2] >>> 0;
    setW(h, d.rd, b === 0 ? -1 : (a / b) | 0);
  },
  remw: (h, d) => {
    const a = h.lo[d.rs1], b = h.lo[d.rs2];
    setW(h, d.rd, b === 0 ? a : a === INT32_MIN && b === -1 ? 0 : (a % b) | 0);
  },
  remuw: (h, d) => {
    const a = h.lo[d.rs1] >>> 0, b = h.lo[d.rs2] >>> 0;
    setW(h, d.rd, b === 0 ? a | 0 : (a % b) | 0);
  },
};
