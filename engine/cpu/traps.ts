// Trap entry, interrupt selection and trap return (privileged spec §3.1.6.1, §3.1.7–3.1.9, §3.3.2, §10.1.1).
import { CsrSideEffects } from './csr-file';
import { Hart, NO_TRAP } from './hart';
import {
  INTERRUPT_PRIORITY, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_SIE,
  MSTATUS_SPIE, MSTATUS_SPP, PRIV_M, PRIV_S, PRIV_U, Privilege,
} from './privilege';

const TWO32 = 4294967296;

/** Observers of trap entry/return (the VMM's exit stream and the debugger hook in here). */
export interface TrapListener {
  onTrap?(h: Hart, cause: number, interrupt: boolean, fromPriv: Privilege, toPriv: Privilege): void;
}

function setPriv(h: Hart, p: Privilege, fx: CsrSideEffects): void {
  if (h.priv !== p) {
    h.priv = p;
    fx.translationChanged(h);
  }
  h.interruptCheck = true;
}

function pcToPair(pc: number, csr: number, h: Hart): void {
  h.csrLo[csr] = pc | 0;
  h.csrHi[csr] = Math.floor(pc / TWO32) | 0;
}

/** The pc a 64-bit CSR value (mepc, mtvec base) names; values beyond 2^53 are clamped to an unmappable address. */
function pairToPc(lo: number, hi: number): number {
  if (hi >= -2097152 && hi < 2097152) return hi * TWO32 + (lo >>> 0);
  return hi < 0 ? -(2 ** 53) : 2 ** 53;
}

/** Enters the trap handler for an exception (interrupt=false) or interrupt; `pc` is the trapping instruction. */
export function enterTrap(h: Hart, cause: number, interrupt: boolean, tvalLo: number, tvalHi: number,
  fx: CsrSideEffects, listener?: TrapListener): void {
  const from = h.priv;
  const delegated = from <= PRIV_S && (((interrupt ? h.mideleg : h.medeleg) >>> cause) & 1) === 1;
  const causeHi = interrupt ? 0x80000000 | 0 : 0;
  h.waitingForInterrupt = false;
  if (delegated) {
    pcToPair(h.pc, 0x141, h);
    h.csrLo[0x142] = cause; h.csrHi[0x142] = causeHi;
    h.csrLo[0x143] = tvalLo; h.csrHi[0x143] = tvalHi;
    let s = h.mstatus;
    s = (s & MSTATUS_SIE) ? s | MSTATUS_SPIE : s & ~MSTATUS_SPIE;
    s = from === PRIV_S ? s | MSTATUS_SPP : s & ~MSTATUS_SPP;
    h.mstatus = s & ~MSTATUS_SIE;
    h.pc = vectorTarget(h, 0x105, cause, interrupt);
    setPriv(h, PRIV_S, fx);
  } else {
    pcToPair(h.pc, 0x341, h);
    h.csrLo[0x342] = cause; h.csrHi[0x342] = causeHi;
    h.csrLo[0x343] = tvalLo; h.csrHi[0x343] = tvalHi;
    let s = h.mstatus;
    s = (s & MSTATUS_MIE) ? s | MSTATUS_MPIE : s & ~MSTATUS_MPIE;
    s = (s & ~MSTATUS_MPP) | (from << MSTATUS_MPP_SHIFT);
    const mppChanged = ((s ^ h.mstatus) & MSTATUS_MPP) !== 0;
    h.mstatus = s & ~MSTATUS_MIE;
    // Under MPRV, M-mode data accesses use MPP's translation: a new MPP makes cached translations stale.
    if (mppChanged && (s & MSTATUS_MPRV) !== 0) fx.translationChanged(h);
    h.pc = vectorTarget(h, 0x305, cause, interrupt);
    setPriv(h, PRIV_M, fx);
  }
  listener?.onTrap?.(h, cause, interrupt, from, h.priv);
}

/** Direct mode: base; vectored mode: base + 4·cause for interrupts (Priv §3.1.7). */
function vectorTarget(h: Hart, tvec: number, cause: number, interrupt: boolean): number {
  const lo = h.csrLo[tvec], hi = h.csrHi[tvec];
  const base = pairToPc(lo & ~3, hi);
  return interrupt && (lo & 3) === 1 ? base + 4 * cause : base;
}

/** Highest-priority interrupt that is pending, enabled and deliverable at the current privilege, or -1. */
export function pendingInterrupt(h: Hart): number {
  const pending = h.mip & h.mie;
  if (pending === 0) return -1;
  const mEnabled = h.priv < PRIV_M || (h.mstatus & MSTATUS_MIE) !== 0;
  const sEnabled = h.priv < PRIV_S || (h.priv === PRIV_S && (h.mstatus & MSTATUS_SIE) !== 0);
  const mLevel = pending & ~h.mideleg & (mEnabled ? -1 : 0);
  const sLevel = pending & h.mideleg & (sEnabled ? -1 : 0);
  // M-level interrupts outrank S-level ones; within a level, the fixed priority order.
  for (const set of [mLevel, sLevel]) {
    if (set === 0) continue;
    for (const cause of INTERRUPT_PRIORITY) if ((set >>> cause) & 1) return cause;
  }
  return -1;
}

/** Whether any interrupt is pending and enabled in mie, regardless of global enables: wakes wfi (Priv §3.3.3). */
export function wakesFromWfi(h: Hart): boolean {
  return (h.mip & h.mie) !== 0;
}

export function mret(h: Hart, fx: CsrSideEffects): void {
  const s = h.mstatus;
  const mpp = ((s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT) as Privilege;
  let n = (s & MSTATUS_MPIE) ? s | MSTATUS_MIE : s & ~MSTATUS_MIE;
  n = (n | MSTATUS_MPIE) & ~MSTATUS_MPP; // MPP = U, the least-privileged supported mode
  if (mpp !== PRIV_M) n &= ~MSTATUS_MPRV;
  h.mstatus = n;
  h.npc = pairToPc(h.csrLo[0x341] & ~1, h.csrHi[0x341]);
  setPriv(h, mpp, fx);
  fx.translationChanged(h);
}

export function sret(h: Hart, fx: CsrSideEffects): void {
  const s = h.mstatus;
  const spp: Privilege = (s & MSTATUS_SPP) ? PRIV_S : PRIV_U;
  let n = (s & MSTATUS_SPIE) ? s | MSTATUS_SIE : s & ~MSTATUS_SIE;
  n = (n | MSTATUS_SPIE) & ~MSTATUS_SPP;
  n &= ~MSTATUS_MPRV; // the new privilege is below M
  h.mstatus = n;
  h.npc = pairToPc(h.csrLo[0x141] & ~1, h.csrHi[0x141]);
  setPriv(h, spp, fx);
  fx.translationChanged(h);
}

export { NO_TRAP };
