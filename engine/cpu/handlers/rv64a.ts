// RV64A semantics (unprivileged spec chapter 8): LR/SC reservations and read-modify-write AMOs.
import { Access } from '../../mmu/hart-memory';
import type { Hart } from '../hart';
import { ltSigned, ltUnsigned } from '../int64';
import type { Handler, Op } from '../op';

/** AMO operation on (lo, hi) pairs; returns the new low word, new high word in OUT.hi. */
type AmoOp = (ml: number, mh: number, rl: number, rh: number) => number;
const OUT = { hi: 0 };

const swap: AmoOp = (_ml, _mh, rl, rh) => { OUT.hi = rh; return rl; };
const addOp: AmoOp = (ml, mh, rl, rh) => { const s = (ml >>> 0) + (rl >>> 0); OUT.hi = (mh + rh + (s > 4294967295 ? 1 : 0)) | 0; return s | 0; };
const xorOp: AmoOp = (ml, mh, rl, rh) => { OUT.hi = mh ^ rh; return ml ^ rl; };
const andOp: AmoOp = (ml, mh, rl, rh) => { OUT.hi = mh & rh; return ml & rl; };
const orOp: AmoOp = (ml, mh, rl, rh) => { OUT.hi = mh | rh; return ml | rl; };
const pick = (takeReg: (ml: number, mh: number, rl: number, rh: number) => boolean): AmoOp =>
  (ml, mh, rl, rh) => { if (takeReg(ml, mh, rl, rh)) { OUT.hi = rh; return rl; } OUT.hi = mh; return ml; };
const minOp = pick((ml, mh, rl, rh) => ltSigned(rl, rh, ml, mh));
const maxOp = pick((ml, mh, rl, rh) => ltSigned(ml, mh, rl, rh));
const minuOp = pick((ml, mh, rl, rh) => ltUnsigned(rl, rh, ml, mh));
const maxuOp = pick((ml, mh, rl, rh) => ltUnsigned(ml, mh, rl, rh));

function amo(width: 4 | 8, op: AmoOp): Handler {
  return (h: Hart, d: Op) => {
    const m = h.mem;
    const p = m.atomicAddress(h.lo[d.rs1], h.hi[d.rs1], width, Access.Store);
    if (p < 0) return;
    const tl = h.lo[d.rs1], th = h.hi[d.rs1];
    const ml = m.physLoad(p, width, tl, th);
    if (h.exc >= 0) return;
    const mh = width === 8 ? m.hiOut : ml >> 31;
    const rl = h.lo[d.rs2], rh = width === 8 ? h.hi[d.rs2] : h.lo[d.rs2] >> 31;
    const nl = op(ml, mh, rl, rh);
    m.physStore(p, width, nl, OUT.hi, tl, th);
    if (h.exc >= 0) return;
    h.lo[d.rd] = ml; h.hi[d.rd] = mh;
  };
}

function lr(width: 4 | 8): Handler {
  return (h, d) => {
    const m = h.mem;
    const p = m.atomicAddress(h.lo[d.rs1], h.hi[d.rs1], width, Access.Load);
    if (p < 0) return;
    const v = m.physLoad(p, width, h.lo[d.rs1], h.hi[d.rs1]);
    if (h.exc >= 0) return;
    h.hi[d.rd] = width === 8 ? m.hiOut : v >> 31;
    h.lo[d.rd] = v;
    m.phys.reserve(h.id, p);
  };
}

function sc(width: 4 | 8): Handler {
  return (h, d) => {
    const m = h.mem;
    const p = m.atomicAddress(h.lo[d.rs1], h.hi[d.rs1], width, Access.Store);
    if (p < 0) return;
    const ok = m.phys.takeReservation(h.id, p);
    if (ok) {
      m.physStore(p, width, h.lo[d.rs2], h.hi[d.rs2], h.lo[d.rs1], h.hi[d.rs1]);
      if (h.exc >= 0) return;
    }
    h.lo[d.rd] = ok ? 0 : 1; h.hi[d.rd] = 0;
  };
}

export const RV64A_HANDLERS: Record<string, Handler> = {
  'lr.w': lr(4), 'lr.d': lr(8), 'sc.w': sc(4), 'sc.d': sc(8),
  'amoswap.w': amo(4, swap), 'amoswap.d': amo(8, swap),
  'amoadd.w': amo(4, addOp), 'amoadd.d': amo(8, addOp),
  'amoxor.w': amo(4, xorOp), 'amoxor.d': amo(8, xorOp),
  'amoand.w': amo(4, andOp), 'amoand.d': amo(8, andOp),
  'amoor.w': amo(4, orOp), 'amoor.d': amo(8, orOp),
  'amomin.w': amo(4, minOp), 'amomin.d': amo(8, minOp),
  'amomax.w': amo(4, maxOp), 'amomax.d': amo(8, maxOp),
  'amominu.w': amo(4, minuOp), 'amominu.d': amo(8, minuOp),
  'amomaxu.w': amo(4, maxuOp), 'amomaxu.d': amo(8, maxuOp),
};
