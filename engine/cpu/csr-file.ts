// CSR semantics: privilege checks, views (sstatus, sie, sip), WARL legalization and counters
// (privileged spec §2.1 "CSR Address Mapping Conventions", §3.1, §10.1). Values move as (lo, hi) pairs.
import { CSRS, CsrDef, csrByAddress } from '../isa/csr-table';
import { Hart } from './hart';
import { RESULT } from './int64';
import {
  MIP_SSIP, MIP_STIP, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_TVM, PRIV_M, PRIV_S, PRIV_U,
} from './privilege';

/** Hooks the memory system registers so CSR writes that change translation or PMP flush its caches. */
export interface CsrSideEffects {
  /** Privilege, MPRV/MPP/SUM/MXR or satp changed: cached translations are stale. */
  translationChanged(h: Hart): void;
  /** pmpcfg/pmpaddr changed: protection regions must be decoded again. */
  pmpChanged(h: Hart): void;
  /** sfence.vma with an address: only translations of that page are stale (Priv §10.2.1). */
  pageChanged(h: Hart, lo: number, hi: number): void;
  /** stimecmp or menvcfg.STCE changed: the supervisor timer's level and next deadline must be recomputed. */
  timerChanged(h: Hart): void;
}

/** menvcfg.STCE (bit 63): the Sstc supervisor timer is enabled. */
export function stceEnabled(h: Hart): boolean {
  return (h.csrHi[0x30a] & 0x80000000) !== 0;
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
const MISA_LO = (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20); // A C I M S U
const MISA_HI = 0x80000000 | 0; // MXL = 2 (64-bit)

/** Counter-enable bit of a user counter CSR (cycle=0, time=1, instret=2, hpmcounterN=N), or -1. */
function counterBit(addr: number): number {
  return addr >= 0xc00 && addr <= 0xc1f ? addr - 0xc00 : -1;
}

/** Whether the current privilege may access the CSR (Priv §2.1, §3.1.11 counter enables, §3.1.6.5 TVM). */
export function csrAccessible(h: Hart, addr: number, write: boolean): boolean {
  if (!IMPLEMENTED[addr]) return false;
  if (((addr >> 8) & 3) > h.priv) return false;
  if (write && ((addr >> 10) & 3) === 3) return false;
  const bit = counterBit(addr);
  if (bit >= 0) {
    if (h.priv < PRIV_M && ((h.csrLo[0x306] >>> bit) & 1) === 0) return false;
    if (h.priv === PRIV_U && ((h.csrLo[0x106] >>> bit) & 1) === 0) return false;
  }
  if (addr === 0x180 && h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0) return false;
  // stimecmp from S needs menvcfg.STCE and mcounteren.TM (Sstc §1).
  if (addr === 0x14d && h.priv < PRIV_M && (!stceEnabled(h) || (h.csrLo[0x306] & 2) === 0)) return false;
  return true;
}

/** Reads an accessible CSR: returns the low word, high word in RESULT.hi. */
export function csrRead(h: Hart, addr: number): number {
  switch (addr) {
    case 0x300: RESULT.hi = h.mstatusHi; return h.mstatus;
    case 0x100: RESULT.hi = h.mstatusHi & 0x3; return h.mstatus & S_STATUS_MASK; // UXL visible
    case 0x301: RESULT.hi = MISA_HI; return MISA_LO;
    case 0x302: RESULT.hi = 0; return h.medeleg;
    case 0x303: RESULT.hi = 0; return h.mideleg;
    case 0x304: RESULT.hi = 0; return h.mie;
    case 0x344: RESULT.hi = 0; return h.mip;
    case 0x104: RESULT.hi = 0; return h.mie & h.mideleg;
    case 0x144: RESULT.hi = 0; return h.mip & h.mideleg;
    case 0xf14: RESULT.hi = 0; return h.id;
    case 0xc00: case 0xb00: return counter(mcycle(h));
    case 0xc02: case 0xb02: return counter(minstret(h));
    case 0xc01: return counter(h.env.mtime());
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
      setStatus(h, v, fx);
      return;
    }
    case 0x100: setStatus(h, (h.mstatus & ~mLo) | (lo & mLo), fx); return;
    case 0x302: h.medeleg = lo & mLo; return;
    case 0x303: h.mideleg = lo & mLo; h.interruptCheck = true; return;
    case 0x304: h.mie = lo & mLo; h.interruptCheck = true; return;
    case 0x104: h.mie = (h.mie & ~h.mideleg) | (lo & h.mideleg & mLo); h.interruptCheck = true; return;
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
    case 0x144: {
      const m = MIP_SSIP & h.mideleg;
      h.mipSoftware = (h.mipSoftware & ~m) | (lo & m);
      h.interruptCheck = true;
      return;
    }
    case 0x305: case 0x105:
      if ((lo & 3) >= 2) return; // reserved MODE: ignored, as QEMU does
      h.csrLo[addr] = lo; h.csrHi[addr] = hi;
      return;
    case 0x180: {
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8 && mode !== 9) return; // unsupported MODE: the write has no effect (Priv §10.1.11)
      h.csrLo[addr] = lo; h.csrHi[addr] = hi;
      fx.translationChanged(h);
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
  h.mstatus = 0; h.mie = 0; h.mipSoftware = 0; h.mideleg = 0; h.medeleg = 0;
  h.mcycleOffset = 0; h.minstretOffset = 0;
  void PRIV_U;
}
