// CSR semantics: privilege checks (illegal or virtual instruction), views (sstatus, sie, sip, hip, hie, vsip,
// vsie), WARL legalization and counters (privileged spec §2.1 "CSR Address Mapping Conventions", §3.1, §10.1,
// and the H extension's §13.2, §13.4, §13.6.1). Values move as (lo, hi) pairs. csrRead/csrWrite act on the
// CSR an address names, as M-mode (and the debugger) sees it; the V=1 substitution of VS CSRs for S CSRs is
// the instruction's business (csrTarget).
import { CSRS, CsrDef, csrByAddress } from '../isa/csr-table';
import { Hart } from './hart';
import { RESULT } from './int64';
import {
  HSTATUS_HI_VSXL64, HSTATUS_VGEIN, HSTATUS_VGEIN_SHIFT, HSTATUS_VTVM, MIP_SGEIP, MIP_SSIP, MIP_STIP, MIP_VSEIP,
  MIP_VSSIP, MSTATUS_HI_XLEN64, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_TVM, MSTATUSH_MPV,
  PRIV_M, PRIV_S, PRIV_U, S_INTERRUPTS, VS_INTERRUPTS,
} from './privilege';

/** Hooks the memory system registers so CSR writes that change translation or PMP flush its caches. */
export interface CsrSideEffects {
  /** Privilege, MPRV/MPP/SUM/MXR or satp changed: cached translations are stale. */
  translationChanged(h: Hart): void;
  /** pmpcfg/pmpaddr changed: protection regions must be decoded again. */
  pmpChanged(h: Hart): void;
  /** sfence.vma with an address: only translations of that page are stale (Priv §10.2.1). */
  pageChanged(h: Hart, lo: number, hi: number): void;
  /** stimecmp, vstimecmp, htimedelta, menvcfg.STCE or henvcfg.STCE changed: the supervisor timers' levels and
   *  next deadlines must be recomputed. */
  timerChanged(h: Hart): void;
  /** The hart's privilege or V changed (trap entry, xRET): for the debugger's privilege-change breakpoints. */
  modeChanged?(h: Hart, fromPriv: number, fromVirt: boolean): void;
}

/** menvcfg.STCE (bit 63): the Sstc supervisor timer is enabled. */
export function stceEnabled(h: Hart): boolean {
  return (h.csrHi[0x30a] & 0x80000000) !== 0;
}

/** henvcfg.STCE (bit 63), which reads as zero while menvcfg.STCE is 0: vstimecmp drives VSTIP (Sstc: henvcfg.STCE). */
export function vstceEnabled(h: Hart): boolean {
  return (h.csrHi[0x30a] & h.csrHi[0x60a] & 0x80000000) !== 0;
}

const MASK_LO = new Int32Array(4096);
const MASK_HI = new Int32Array(4096);
const IMPLEMENTED = new Uint8Array(4096);
for (const c of CSRS) {
  if (!c.implemented) continue;
  IMPLEMENTED[c.addr] = 1;
  const m = BigInt.asUintN(64, c.writeMask ?? 0n);
  MASK_LO[c.addr] = Number(m & 0xffffffffn) | 0;
  MASK_HI[c.addr] = Number(m >> 32n) | 0;
}

const S_STATUS_MASK = MASK_LO[0x100];
const VS_STATUS_MASK = MASK_LO[0x200];
const H_STATUS_MASK = MASK_LO[0x600];
// A C H I M S U: the H extension is always on (misa is read-only here; Priv §13 "enabled by setting bit 7").
const MISA_LO = (1 << 0) | (1 << 2) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);
const MISA_HI = 0x80000000 | 0; // MXL = 2 (64-bit)
const MIE_MASK = 0xaaa | VS_INTERRUPTS;

/** Counter-enable bit of a user counter CSR (cycle=0, time=1, instret=2, hpmcounterN=N), or -1. */
function counterBit(addr: number): number {
  return addr >= 0xc00 && addr <= 0xc1f ? addr - 0xc00 : -1;
}

/** Outcome of the access check for a CSR instruction. */
export const enum CsrCheck { Ok = 0, Illegal = 1, Virtual = 2 }

/** Bits GEILEN:1 (Priv §13.2.4): the implemented guest external interrupt numbers. */
export function geilenMask(h: Hart): number {
  return h.geilen >= 31 ? -2 : ((1 << (h.geilen + 1)) - 2);
}

/** mideleg as it reads: VS-level interrupts are always delegated past M, SGEI too when GEILEN > 0 (Priv §13.4.2). */
export function midelegOf(h: Hart): number {
  return h.mideleg | VS_INTERRUPTS | (h.geilen > 0 ? MIP_SGEIP : 0);
}

/** The bits of hie/hip: VS-level interrupts, and SGEI when guest external interrupts exist (Priv §13.2.3). */
function hIntMask(h: Hart): number {
  return VS_INTERRUPTS | (h.geilen > 0 ? MIP_SGEIP : 0);
}

/**
 * The CSR an instruction's access reaches: while V=1, the VS CSRs substitute for the supervisor CSRs that
 * have one (sstatus, sie, stvec, sscratch, sepc, scause, stval, sip, stimecmp, satp: address + 0x100),
 * Priv §13.2 "Hypervisor and Virtual Supervisor CSRs".
 */
export function csrTarget(h: Hart, addr: number): number {
  if (!h.virt) return addr;
  switch (addr) {
    case 0x100: case 0x104: case 0x105: case 0x140: case 0x141: case 0x142: case 0x143: case 0x144:
    case 0x14d: case 0x180:
      return addr + 0x100;
    default:
      return addr;
  }
}

/**
 * Whether HS-mode could make this access, with mstatus.TVM taken as 0: the "HS-qualified" test that decides
 * between virtual-instruction and illegal-instruction exceptions when V=1 (Priv §13.6.1).
 */
function hsQualified(h: Hart, addr: number): boolean {
  const bit = counterBit(addr);
  if (bit >= 0 && ((h.csrLo[0x306] >>> bit) & 1) === 0) return false;
  // stimecmp and vstimecmp below M need menvcfg.STCE and mcounteren.TM (Sstc: stimecmp, vstimecmp).
  if ((addr === 0x14d || addr === 0x24d) && (!stceEnabled(h) || (h.csrLo[0x306] & 2) === 0)) return false;
  return true;
}

/**
 * Access check for a CSR instruction on `addr` (the address in the instruction, before substitution):
 * Priv §2.1 (privilege level in bits 9:8, read-only in bits 11:10; H and VS CSRs belong to HS-mode),
 * §3.1.11 and §10.1.5 counter enables, §3.1.6.5 TVM, and while V=1 the virtual-instruction cases of
 * §13.6.1: HS-qualified accesses to hypervisor and VS CSRs, VU-mode accesses to supervisor CSRs, counters
 * disabled by hcounteren (or scounteren in VU) but enabled by mcounteren, satp under hstatus.VTVM.
 */
export function csrCheck(h: Hart, addr: number, write: boolean): CsrCheck {
  if (!IMPLEMENTED[addr]) return CsrCheck.Illegal;
  if (write && ((addr >> 10) & 3) === 3) return CsrCheck.Illegal;
  const level = (addr >> 8) & 3;
  const bit = counterBit(addr);
  if (!h.virt) {
    if ((level === 2 ? PRIV_S : level) > h.priv) return CsrCheck.Illegal;
    if (h.priv === PRIV_M) return CsrCheck.Ok;
    if (!hsQualified(h, addr)) return CsrCheck.Illegal;
    if (bit >= 0 && h.priv === PRIV_U && ((h.csrLo[0x106] >>> bit) & 1) === 0) return CsrCheck.Illegal;
    // TVM traps HS-mode's satp and hgatp (Priv §3.1.6.5, §13.2.10).
    if ((addr === 0x180 || addr === 0x680) && h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0) return CsrCheck.Illegal;
    return CsrCheck.Ok;
  }
  if (level === 3 || !hsQualified(h, addr)) return CsrCheck.Illegal;
  if (level === 2) return CsrCheck.Virtual;
  if (level === 1 && h.priv === PRIV_U) return CsrCheck.Virtual;
  if (bit >= 0) {
    if (((h.csrLo[0x606] >>> bit) & 1) === 0) return CsrCheck.Virtual;
    if (h.priv === PRIV_U && ((h.csrLo[0x106] >>> bit) & 1) === 0) return CsrCheck.Virtual;
  }
  if (addr === 0x180 && (h.csrLo[0x600] & HSTATUS_VTVM) !== 0) return CsrCheck.Virtual;
  // stimecmp in VS is vstimecmp, reachable only with henvcfg.STCE and hcounteren.TM (Sstc: vstimecmp, henvcfg);
  // menvcfg.STCE and mcounteren.TM were checked by hsQualified (illegal).
  if (addr === 0x14d && (!vstceEnabled(h) || (h.csrLo[0x606] & 2) === 0)) return CsrCheck.Virtual;
  return CsrCheck.Ok;
}

/** Whether the current mode may access the CSR (the check of csrCheck, either exception counting as no). */
export function csrAccessible(h: Hart, addr: number, write: boolean): boolean {
  return csrCheck(h, addr, write) === CsrCheck.Ok;
}

/** Reads an accessible CSR: returns the low word, high word in RESULT.hi. */
export function csrRead(h: Hart, addr: number): number {
  switch (addr) {
    case 0x300: RESULT.hi = h.mstatusHi; return h.mstatus;
    case 0x100: RESULT.hi = h.mstatusHi & 0x3; return h.mstatus & S_STATUS_MASK; // UXL visible
    case 0x301: RESULT.hi = MISA_HI; return MISA_LO;
    case 0x302: RESULT.hi = 0; return h.medeleg;
    case 0x303: RESULT.hi = 0; return midelegOf(h);
    case 0x304: RESULT.hi = 0; return h.mie;
    case 0x344: RESULT.hi = 0; return h.mip;
    // sie/sip show the delegated S-level bits; the VS-level and guest-external ones are in hie/hip (Priv §13.2.3).
    case 0x104: RESULT.hi = 0; return h.mie & h.mideleg & S_INTERRUPTS;
    case 0x144: RESULT.hi = 0; return h.mip & h.mideleg & S_INTERRUPTS;
    case 0xf14: RESULT.hi = 0; return h.id;
    case 0xc00: case 0xb00: return counter(mcycle(h));
    case 0xc02: case 0xb02: return counter(minstret(h));
    case 0xc01: {
      // In VS/VU, time reads as time + htimedelta, wrapping at 2^64 (Priv §13.2.7).
      const lo = counter(h.env.mtime());
      if (!h.virt) return lo;
      const s = (lo >>> 0) + (h.csrLo[0x605] >>> 0);
      RESULT.hi = (RESULT.hi + h.csrHi[0x605] + (s > 4294967295 ? 1 : 0)) | 0;
      return s | 0;
    }
    case 0x600: RESULT.hi = HSTATUS_HI_VSXL64; return h.csrLo[0x600];
    // henvcfg.STCE reads as zero while menvcfg.STCE is 0 (Sstc: henvcfg.STCE); the stored bit comes back with
    // menvcfg.STCE, as in QEMU.
    case 0x60a: RESULT.hi = h.csrHi[0x60a] & (h.csrHi[0x30a] | 0x7fffffff); return h.csrLo[0x60a];
    case 0x604: RESULT.hi = 0; return h.mie & hIntMask(h);
    case 0x644: RESULT.hi = 0; return h.mip & hIntMask(h);
    case 0x645: RESULT.hi = 0; return h.mipSoftware & VS_INTERRUPTS;
    case 0xe12: RESULT.hi = 0; return h.hgeip & geilenMask(h);
    case 0x200: RESULT.hi = MSTATUS_HI_XLEN64 & 0x3; return h.csrLo[0x200]; // UXL = 2
    // vsie/vsip: the VS-level bits of hie/hip that hideleg delegates, one position lower (Priv §13.2.12).
    case 0x204: RESULT.hi = 0; return (h.mie & h.csrLo[0x603] & VS_INTERRUPTS) >>> 1;
    case 0x244: RESULT.hi = 0; return (h.mip & h.csrLo[0x603] & VS_INTERRUPTS) >>> 1;
    default: RESULT.hi = h.csrHi[addr]; return h.csrLo[addr];
  }
}

// mcountinhibit (Priv §3.1.12): CY (bit 0) freezes mcycle, IR (bit 2) freezes minstret. A frozen
// counter keeps its value in the offset field relative to a frozen instret snapshot.
const CY = 1, IR = 4;
function inhibited(h: Hart, bit: number): boolean { return (h.csrLo[0x320] & bit) !== 0; }
function mcycle(h: Hart): number { return inhibited(h, CY) ? h.mcycleOffset : h.instret + h.mcycleOffset; }
function minstret(h: Hart): number { return inhibited(h, IR) ? h.minstretOffset : h.instret + h.minstretOffset; }

function counter(v: number): number {
  RESULT.hi = Math.floor(v / 4294967296) | 0;
  return v | 0;
}

function counterOffset(h: Hart, lo: number, hi: number): number {
  return hi * 4294967296 + (lo >>> 0) - h.instret;
}

/** Writes an accessible, writable CSR with WARL legalization. */
export function csrWrite(h: Hart, addr: number, lo: number, hi: number, fx: CsrSideEffects): void {
  const mLo = MASK_LO[addr], mHi = MASK_HI[addr];
  switch (addr) {
    case 0x300: {
      let v = (h.mstatus & ~mLo) | (lo & mLo);
      if (((v & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT) === 2) v = (v & ~MSTATUS_MPP) | (h.mstatus & MSTATUS_MPP);
      const newHi = MSTATUS_HI_XLEN64 | (hi & mHi);
      // Under MPRV, M-mode loads and stores translate as though V = MPV (Priv §13.4.1).
      if (((newHi ^ h.mstatusHi) & MSTATUSH_MPV) !== 0 && (v & MSTATUS_MPRV) !== 0) fx.translationChanged(h);
      h.mstatusHi = newHi;
      setStatus(h, v, fx);
      return;
    }
    case 0x100: setStatus(h, (h.mstatus & ~mLo) | (lo & mLo), fx); return;
    case 0x302: h.medeleg = lo & mLo; return;
    case 0x303: h.mideleg = lo & mLo; h.interruptCheck = true; return;
    case 0x304: h.mie = lo & (MIE_MASK | (h.geilen > 0 ? MIP_SGEIP : 0)); h.interruptCheck = true; return;
    case 0x104: {
      const m = h.mideleg & S_INTERRUPTS;
      h.mie = (h.mie & ~m) | (lo & m);
      h.interruptCheck = true;
      return;
    }
    case 0x344: {
      const m = stceEnabled(h) ? mLo & ~MIP_STIP : mLo; // with Sstc, STIP follows stimecmp only
      h.mipSoftware = (h.mipSoftware & ~m) | (lo & m);
      h.interruptCheck = true;
      return;
    }
    case 0x14d: case 0x30a:
      h.csrLo[addr] = (h.csrLo[addr] & ~mLo) | (lo & mLo);
      h.csrHi[addr] = (h.csrHi[addr] & ~mHi) | (hi & mHi);
      if (stceEnabled(h)) h.mipSoftware &= ~MIP_STIP;
      fx.timerChanged(h);
      return;
    // vstimecmp and htimedelta set the VS timer's comparison (time + htimedelta ≥ vstimecmp: Sstc, vstimecmp).
    case 0x24d: case 0x605:
      h.csrLo[addr] = lo; h.csrHi[addr] = hi;
      fx.timerChanged(h);
      return;
    case 0x60a: {
      // STCE is writable only while menvcfg.STCE is 1 (else read-only zero, the stored bit kept as QEMU does).
      const m = stceEnabled(h) ? mHi : mHi & 0x7fffffff;
      h.csrLo[0x60a] = lo & mLo;
      h.csrHi[0x60a] = (h.csrHi[0x60a] & ~m) | (hi & m);
      fx.timerChanged(h);
      return;
    }
    case 0x144: {
      const m = MIP_SSIP & h.mideleg;
      h.mipSoftware = (h.mipSoftware & ~m) | (lo & m);
      h.interruptCheck = true;
      return;
    }
    case 0x305: case 0x105: case 0x205:
      if ((lo & 3) >= 2) return; // reserved MODE: ignored, as QEMU does
      h.csrLo[addr] = lo; h.csrHi[addr] = hi;
      return;
    case 0x180: case 0x280: {
      const mode = hi >>> 28;
      // Unsupported MODE: the write has no effect (Priv §10.1.11; for vsatp, §13.2.18 allows the same at V=0
      // and requires it at V=1).
      if (mode !== 0 && mode !== 8 && mode !== 9) return;
      h.csrLo[addr] = lo; h.csrHi[addr] = hi;
      fx.translationChanged(h);
      return;
    }
    case 0x600: {
      let v = lo & H_STATUS_MASK;
      // VGEIN is WLRL over 0..GEILEN: a number without a guest external interrupt line is stored as 0.
      if (((v & HSTATUS_VGEIN) >>> HSTATUS_VGEIN_SHIFT) > h.geilen) v &= ~HSTATUS_VGEIN;
      h.csrLo[0x600] = v; h.csrHi[0x600] = 0;
      updateGuestExternal(h);
      return;
    }
    case 0x603: h.csrLo[0x603] = lo & mLo; h.csrHi[0x603] = 0; h.interruptCheck = true; return;
    case 0x604: {
      const m = hIntMask(h);
      h.mie = (h.mie & ~m) | (lo & m);
      h.interruptCheck = true;
      return;
    }
    case 0x644: // hip.VSSIP is hvip.VSSIP (Priv §13.2.3)
      h.mipSoftware = (h.mipSoftware & ~MIP_VSSIP) | (lo & MIP_VSSIP);
      h.interruptCheck = true;
      return;
    case 0x645:
      h.mipSoftware = (h.mipSoftware & ~VS_INTERRUPTS) | (lo & VS_INTERRUPTS);
      h.interruptCheck = true;
      return;
    case 0x607:
      h.csrLo[0x607] = lo & geilenMask(h); h.csrHi[0x607] = 0;
      updateGuestExternal(h);
      return;
    case 0x680: {
      // MODE is WARL over Bare, Sv39x4, Sv48x4 (Priv §13.2.10): another MODE becomes Bare with zero fields.
      // VMIDLEN = 14 (bits 57:44); bits 59:58 are zero; PPN[1:0] read as zero (16 KiB-aligned root).
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8 && mode !== 9) { h.csrLo[0x680] = 0; h.csrHi[0x680] = 0; }
      else { h.csrLo[0x680] = lo & ~3; h.csrHi[0x680] = hi & (0xf0000000 | 0x03fff000 | 0xfff); }
      fx.translationChanged(h);
      return;
    }
    case 0x200: {
      const v = (h.csrLo[0x200] & ~VS_STATUS_MASK) | (lo & VS_STATUS_MASK);
      h.csrLo[0x200] = v; h.csrHi[0x200] = 0;
      h.interruptCheck = true;
      fx.translationChanged(h); // SUM and MXR of the VS stage
      return;
    }
    case 0x204: {
      const m = h.csrLo[0x603] & VS_INTERRUPTS;
      h.mie = (h.mie & ~m) | ((lo << 1) & m);
      h.interruptCheck = true;
      return;
    }
    case 0x244: {
      const m = h.csrLo[0x603] & MIP_VSSIP;
      h.mipSoftware = (h.mipSoftware & ~m) | ((lo << 1) & m);
      h.interruptCheck = true;
      return;
    }
    case 0xb00: h.mcycleOffset = inhibited(h, CY) ? counterOffset(h, lo, hi) + h.instret : counterOffset(h, lo, hi); return;
    // The writing instruction's own retirement must not count.
    case 0xb02: h.minstretOffset = inhibited(h, IR) ? counterOffset(h, lo, hi) + h.instret : counterOffset(h, lo, hi) - 1; return;
    case 0x320: {
      const before = { cy: mcycle(h), ir: minstret(h) };
      h.csrLo[0x320] = lo & mLo;
      // Re-base each counter so its value is continuous across the switch.
      h.mcycleOffset = inhibited(h, CY) ? before.cy : before.cy - h.instret;
      h.minstretOffset = inhibited(h, IR) ? before.ir : before.ir - h.instret - 1;
      return;
    }
    case 0x3a0: case 0x3a2: writePmpCfg(h, addr, lo, hi, fx); return;
    default:
      if (addr >= 0x3b0 && addr < 0x3c0) { writePmpAddr(h, addr - 0x3b0, lo, hi, fx); return; }
      h.csrLo[addr] = (h.csrLo[addr] & ~mLo) | (lo & mLo);
      h.csrHi[addr] = (h.csrHi[addr] & ~mHi) | (hi & mHi);
  }
}

/**
 * Recomputes the interrupt lines that follow hgeip (Priv §13.2.3): VSEIP from the guest external interrupt that
 * hstatus.VGEIN selects, SGEIP from hgeip & hgeie. These two bits of mipLines belong to this function.
 */
export function updateGuestExternal(h: Hart): void {
  const lines = h.hgeip & geilenMask(h);
  const vgein = (h.csrLo[0x600] & HSTATUS_VGEIN) >>> HSTATUS_VGEIN_SHIFT;
  let m = h.mipLines & ~(MIP_VSEIP | MIP_SGEIP);
  if (vgein !== 0 && ((lines >>> vgein) & 1) !== 0) m |= MIP_VSEIP;
  if ((lines & h.csrLo[0x607]) !== 0) m |= MIP_SGEIP;
  if (m !== h.mipLines) { h.mipLines = m; h.interruptCheck = true; }
}

/** The interrupt controller drives this hart's guest external interrupt lines (bit i = guest interrupt i). */
export function setGuestExternalInterrupts(h: Hart, pending: number): void {
  h.hgeip = pending & geilenMask(h);
  updateGuestExternal(h);
}

function setStatus(h: Hart, v: number, fx: CsrSideEffects): void {
  const changed = h.mstatus ^ v;
  h.mstatus = v;
  h.interruptCheck = true;
  // MPRV, MPP, SUM, MXR change which translation and PMP checks loads and stores see.
  if (changed & ((1 << 17) | MSTATUS_MPP | (1 << 18) | (1 << 19))) fx.translationChanged(h);
}

// PMP (Priv §3.7): 16 entries; cfg bytes in pmpcfg0 (entries 0–7) and pmpcfg2 (8–15).
export const PMP_ENTRIES = 16;
const PMP_L = 0x80;

export function pmpCfg(h: Hart, i: number): number {
  const reg = i < 8 ? 0x3a0 : 0x3a2;
  const j = i & 7;
  const word = j < 4 ? h.csrLo[reg] : h.csrHi[reg];
  return (word >>> ((j & 3) * 8)) & 0xff;
}

function writePmpCfg(h: Hart, addr: number, lo: number, hi: number, fx: CsrSideEffects): void {
  const base = addr === 0x3a0 ? 0 : 8;
  let newLo = 0, newHi = 0;
  for (let j = 0; j < 8; j++) {
    const old = pmpCfg(h, base + j);
    let b = ((j < 4 ? lo : hi) >>> ((j & 3) * 8)) & 0xff;
    b &= 0x9f; // bits 6:5 are reserved, read as zero
    if ((b & 3) === 2) b &= ~2; // R=0, W=1 is reserved: W is dropped
    if (old & PMP_L) b = old;
    if (j < 4) newLo |= b << (j * 8); else newHi |= b << ((j - 4) * 8);
  }
  h.csrLo[addr] = newLo; h.csrHi[addr] = newHi;
  fx.pmpChanged(h);
}

function writePmpAddr(h: Hart, i: number, lo: number, hi: number, fx: CsrSideEffects): void {
  if (pmpCfg(h, i) & PMP_L) return;
  // A locked TOR entry also locks the address register below it.
  if (i + 1 < PMP_ENTRIES && (pmpCfg(h, i + 1) & PMP_L) && ((pmpCfg(h, i + 1) >> 3) & 3) === 1) return;
  h.csrLo[0x3b0 + i] = lo;
  h.csrHi[0x3b0 + i] = hi & 0x003fffff;
  fx.pmpChanged(h);
}

export function csrDef(addr: number): CsrDef | undefined {
  return csrByAddress(addr);
}

/** Machine-level reset values (Priv §3.4): M-mode, MIE=0, MPRV=0; everything else here resets to zero. */
export function resetCsrs(h: Hart): void {
  h.csrLo.fill(0); h.csrHi.fill(0);
  h.mstatus = 0; h.mstatusHi = MSTATUS_HI_XLEN64; h.mie = 0; h.mipSoftware = 0; h.mideleg = 0; h.medeleg = 0;
  h.mcycleOffset = 0; h.minstretOffset = 0;
  h.virt = false; // V = 0 at reset (Priv §13.4.1: reset enters M-mode)
  h.hgeip = 0;
  updateGuestExternal(h);
}
