// Trap entry, interrupt selection and trap return (privileged spec §3.1.6.1, §3.1.7–3.1.9, §3.3.2, §10.1.1),
// with the H extension's virtualization mode: delegation M → HS → VS, VS-level interrupts (§13.2.2–13.2.3),
// trap entry into VS, HS and M (§13.6.2) and trap return with V (§13.6.4).
import { CsrSideEffects, midelegOf } from './csr-file';
import { Hart, NO_TRAP } from './hart';
import { pcFromPair } from './int64';
import {
  HSTATUS_GVA, HSTATUS_SPV, HSTATUS_SPVP, INTERRUPT_PRIORITY, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP,
  MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUSH_GVA, MSTATUSH_MPV, PRIV_M,
  PRIV_S, PRIV_U, Privilege,
} from './privilege';

const TWO32 = 4294967296;

/** Observers of trap entry/return (the VMM's exit stream and the debugger hook in here). `fromVirt`/`toVirt`
 *  are the virtualization mode V before and after (a trap into VS-mode has toPriv = S, toVirt = true). */
export interface TrapListener {
  onTrap?(h: Hart, cause: number, interrupt: boolean, fromPriv: Privilege, toPriv: Privilege,
    fromVirt?: boolean, toVirt?: boolean): void;
}

/** Enters privilege `p` with virtualization mode `virt`. Translation caches hold one mode's translations
 *  only (their tags carry neither privilege nor V), so any change of either flushes them. */
export function setMode(h: Hart, p: Privilege, virt: boolean, fx: CsrSideEffects): void {
  if (h.priv !== p || h.virt !== virt) {
    const fromPriv = h.priv, fromVirt = h.virt;
    h.priv = p;
    h.virt = virt;
    fx.translationChanged(h);
    fx.modeChanged?.(h, fromPriv, fromVirt);
  }
  h.interruptCheck = true;
}

function pcToPair(pc: number, csr: number, h: Hart): void {
  h.csrLo[csr] = pc | 0;
  h.csrHi[csr] = Math.floor(pc / TWO32) | 0;
}

/** Exceptions whose tval is the faulting address (misaligned, access fault, page fault, guest-page fault). */
const ADDRESS_CAUSES = (1 << 0) | (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 12) | (1 << 13) |
  (1 << 15) | (1 << 20) | (1 << 21) | (1 << 23);

/**
 * Enters the trap handler for an exception (interrupt=false) or interrupt; `pc` is the trapping instruction.
 * Exceptions take mtval2/htval, mtinst/htinst and the GVA flag from what the memory system recorded with
 * the fault (Hart.excTval2Lo/Hi, excTinst, excGva); interrupts write zeros there.
 */
export function enterTrap(h: Hart, cause: number, interrupt: boolean, tvalLo: number, tvalHi: number,
  fx: CsrSideEffects, listener?: TrapListener): void {
  const from = h.priv, fromVirt = h.virt;
  // Delegation (Priv §13.6.2 "Trap Entry"): from below M a trap goes to HS when medeleg/mideleg says so, and on
  // to VS when it came from V=1 and hedeleg/hideleg says so too.
  let toHS = false, toVS = false;
  if (from !== PRIV_M && (((interrupt ? midelegOf(h) : h.medeleg) >>> cause) & 1) === 1) {
    toHS = true;
    toVS = fromVirt && (((interrupt ? h.csrLo[0x603] : h.csrLo[0x602]) >>> cause) & 1) === 1;
  }
  const causeHi = interrupt ? 0x80000000 | 0 : 0;
  const tval2Lo = interrupt ? 0 : h.excTval2Lo, tval2Hi = interrupt ? 0 : h.excTval2Hi;
  const tinst = interrupt ? 0 : h.excTinst;
  // GVA: the trap writes a guest virtual address to xtval (Priv §13.2.1, §13.4.1).
  const gva = !interrupt && ((ADDRESS_CAUSES >>> cause) & 1) === 1 && (fromVirt || h.excGva);
  h.waitingForInterrupt = false;
  if (toVS) {
    // VS-level interrupts arrive as their S-level codes: 2 → 1, 6 → 5, 10 → 9 (Priv §13.2.2).
    const vcause = interrupt && (cause === 2 || cause === 6 || cause === 10) ? cause - 1 : cause;
    recordSupervisorTrap(h, true, h.pc | 0, Math.floor(h.pc / TWO32) | 0, vcause, causeHi, tvalLo, tvalHi, from === PRIV_S);
    h.pc = vectorTarget(h, 0x205, vcause, interrupt);
    setMode(h, PRIV_S, true, fx);
  } else if (toHS) {
    recordSupervisorTrap(h, false, h.pc | 0, Math.floor(h.pc / TWO32) | 0, cause, causeHi, tvalLo, tvalHi, from === PRIV_S);
    h.csrLo[0x643] = tval2Lo; h.csrHi[0x643] = tval2Hi;
    h.csrLo[0x64a] = tinst; h.csrHi[0x64a] = 0;
    let hs = h.csrLo[0x600] & ~(HSTATUS_SPV | HSTATUS_GVA);
    if (fromVirt) hs = (from === PRIV_S ? hs | HSTATUS_SPVP : hs & ~HSTATUS_SPVP) | HSTATUS_SPV;
    h.csrLo[0x600] = gva ? hs | HSTATUS_GVA : hs;
    h.pc = vectorTarget(h, 0x105, cause, interrupt);
    setMode(h, PRIV_S, false, fx);
  } else {
    pcToPair(h.pc, 0x341, h);
    h.csrLo[0x342] = cause; h.csrHi[0x342] = causeHi;
    h.csrLo[0x343] = tvalLo; h.csrHi[0x343] = tvalHi;
    h.csrLo[0x34b] = tval2Lo; h.csrHi[0x34b] = tval2Hi;
    h.csrLo[0x34a] = tinst; h.csrHi[0x34a] = 0;
    let s = h.mstatus;
    s = (s & MSTATUS_MIE) ? s | MSTATUS_MPIE : s & ~MSTATUS_MPIE;
    s = (s & ~MSTATUS_MPP) | (from << MSTATUS_MPP_SHIFT);
    let sh = h.mstatusHi & ~(MSTATUSH_MPV | MSTATUSH_GVA);
    if (fromVirt) sh |= MSTATUSH_MPV;
    if (gva) sh |= MSTATUSH_GVA;
    const mprvModeChanged = ((s ^ h.mstatus) & MSTATUS_MPP) !== 0 || ((sh ^ h.mstatusHi) & MSTATUSH_MPV) !== 0;
    h.mstatus = s & ~MSTATUS_MIE;
    h.mstatusHi = sh;
    // Under MPRV, M-mode data accesses use MPP's (and MPV's) translation: a new MPP/MPV makes cached ones stale.
    if (mprvModeChanged && (s & MSTATUS_MPRV) !== 0) fx.translationChanged(h);
    h.pc = vectorTarget(h, 0x305, cause, interrupt);
    setMode(h, PRIV_M, false, fx);
  }
  listener?.onTrap?.(h, cause, interrupt, from, h.priv, fromVirt, h.virt);
}

/**
 * The CSR half of a trap taken into S-mode (Priv §10.1.1 sstatus, §13.6.2): sepc, scause, stval and, in sstatus,
 * SPIE ← SIE, SPP ← whether it came from S, SIE ← 0; with `vs`, the VS-level CSRs (vsepc, vscause, vstval,
 * vsstatus). Trap entry uses it, and so does software delivering a trap on the hardware's behalf (the firmware
 * redirecting an exception to S, the hw VMM injecting one into its guest).
 */
export function recordSupervisorTrap(h: Hart, vs: boolean, epcLo: number, epcHi: number, causeLo: number, causeHi: number,
  tvalLo: number, tvalHi: number, fromS: boolean): void {
  const base = vs ? 0x240 : 0x140;
  h.csrLo[base + 1] = epcLo; h.csrHi[base + 1] = epcHi;
  h.csrLo[base + 2] = causeLo; h.csrHi[base + 2] = causeHi;
  h.csrLo[base + 3] = tvalLo; h.csrHi[base + 3] = tvalHi;
  let s = vs ? h.csrLo[0x200] : h.mstatus;
  s = (s & MSTATUS_SIE) ? s | MSTATUS_SPIE : s & ~MSTATUS_SPIE;
  s = fromS ? s | MSTATUS_SPP : s & ~MSTATUS_SPP;
  if (vs) h.csrLo[0x200] = s & ~MSTATUS_SIE; else h.mstatus = s & ~MSTATUS_SIE;
}

/** Direct mode: base; vectored mode: base + 4·cause for interrupts (Priv §3.1.7). */
function vectorTarget(h: Hart, tvec: number, cause: number, interrupt: boolean): number {
  const lo = h.csrLo[tvec], hi = h.csrHi[tvec];
  const base = pcFromPair(lo & ~3, hi);
  return interrupt && (lo & 3) === 1 ? base + 4 * cause : base;
}

/**
 * Highest-priority interrupt that is pending, enabled and deliverable in the current mode, or -1 (Priv §3.1.9,
 * §13.2.3). Levels: M (not delegated), HS (delegated by mideleg, not by hideleg), VS (delegated by both; only
 * while V=1). A level is enabled below its own mode, or in it with its xIE set; M outranks HS outranks VS.
 * VS-level interrupts are returned with their own codes (2, 6, 10): enterTrap translates them for VS.
 */
export function pendingInterrupt(h: Hart): number {
  const pending = h.mip & h.mie;
  if (pending === 0) return -1;
  const mideleg = midelegOf(h), hideleg = h.csrLo[0x603];
  const mEnabled = h.priv < PRIV_M || (h.mstatus & MSTATUS_MIE) !== 0;
  const hsEnabled = h.virt || h.priv < PRIV_S || (h.priv === PRIV_S && (h.mstatus & MSTATUS_SIE) !== 0);
  const vsEnabled = h.virt && (h.priv === PRIV_U || (h.csrLo[0x200] & MSTATUS_SIE) !== 0);
  const mLevel = pending & ~mideleg & (mEnabled ? -1 : 0);
  const hsLevel = pending & mideleg & ~hideleg & (hsEnabled ? -1 : 0);
  const vsLevel = pending & mideleg & hideleg & (vsEnabled ? -1 : 0);
  // Higher levels first; within a level, the fixed priority order.
  for (const set of [mLevel, hsLevel, vsLevel]) {
    if (set === 0) continue;
    for (const cause of INTERRUPT_PRIORITY) if ((set >>> cause) & 1) return cause;
  }
  return -1;
}

/** Whether any interrupt is pending and enabled in mie, regardless of global enables: wakes wfi (Priv §3.3.3). */
export function wakesFromWfi(h: Hart): boolean {
  return (h.mip & h.mie) !== 0;
}

/** MRET (Priv §3.3.2, §13.6.4): privilege = MPP, V = MPV unless MPP = M; MPV = 0, MPP = U, MIE = MPIE, MPIE = 1. */
export function mret(h: Hart, fx: CsrSideEffects): void {
  const s = h.mstatus;
  const mpp = ((s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT) as Privilege;
  const mpv = mpp !== PRIV_M && (h.mstatusHi & MSTATUSH_MPV) !== 0;
  let n = (s & MSTATUS_MPIE) ? s | MSTATUS_MIE : s & ~MSTATUS_MIE;
  n = (n | MSTATUS_MPIE) & ~MSTATUS_MPP; // MPP = U, the least-privileged supported mode
  if (mpp !== PRIV_M) n &= ~MSTATUS_MPRV;
  h.mstatus = n;
  h.mstatusHi &= ~MSTATUSH_MPV;
  h.npc = pcFromPair(h.csrLo[0x341] & ~1, h.csrHi[0x341]);
  // Leaving M, setMode flushes the translation caches. Staying in M with MPRV set, loads and stores now translate
  // as the new MPP (U) and MPV (0): flush for that.
  setMode(h, mpp, mpv, fx);
  if (mpp === PRIV_M && (n & MSTATUS_MPRV) !== 0) fx.translationChanged(h);
}

/**
 * SRET (Priv §3.3.2, §13.6.4). From M or HS (V=0): privilege = sstatus.SPP, V = hstatus.SPV; SPV = 0, SPP = U,
 * SIE = SPIE, SPIE = 1, MPRV = 0. From VS (V=1): the same on vsstatus, to VS or VU, pc = vsepc.
 */
export function sret(h: Hart, fx: CsrSideEffects): void {
  if (h.virt) {
    const s = h.csrLo[0x200];
    const spp: Privilege = (s & MSTATUS_SPP) ? PRIV_S : PRIV_U;
    const n = ((s & MSTATUS_SPIE) ? s | MSTATUS_SIE : s & ~MSTATUS_SIE) | MSTATUS_SPIE;
    h.csrLo[0x200] = n & ~MSTATUS_SPP;
    h.npc = pcFromPair(h.csrLo[0x241] & ~1, h.csrHi[0x241]);
    setMode(h, spp, true, fx);
    return;
  }
  const s = h.mstatus;
  const spp: Privilege = (s & MSTATUS_SPP) ? PRIV_S : PRIV_U;
  const spv = (h.csrLo[0x600] & HSTATUS_SPV) !== 0;
  let n = (s & MSTATUS_SPIE) ? s | MSTATUS_SIE : s & ~MSTATUS_SIE;
  n = (n | MSTATUS_SPIE) & ~MSTATUS_SPP;
  n &= ~MSTATUS_MPRV; // the new privilege is below M
  h.mstatus = n;
  h.csrLo[0x600] &= ~HSTATUS_SPV;
  h.npc = pcFromPair(h.csrLo[0x141] & ~1, h.csrHi[0x141]);
  // Clearing MPRV matters only in M-mode, which sret leaves (setMode then flushes) or was never in.
  setMode(h, spp, spv, fx);
}

export { NO_TRAP };
