// One hart's view of memory: load/store TLBs with an inline fast path (index, compare, typed-array access);
// translation (one stage, or the H extension's two stages), PMP, misalignment, MMIO and flagged pages live
// behind one slow path.
//
// The TLBs hold the translations of one mode only: their tags are virtual page numbers, with neither the
// privilege nor the virtualization mode V in them. Every change of privilege, V, MPRV/MPP/MPV, satp, vsatp,
// hgatp, SUM/MXR or PMP flushes them (CsrSideEffects.translationChanged), so a V=1 translation is never used
// at V=0 or the reverse, and the hit path stays one compare. HLV/HLVX/HSV (guest accesses from V=0) bypass the
// TLBs and always take the slow path.
import { decodePmp, pmpAllows, PmpRegion, PMP_R, PMP_W, PMP_X } from './pmp';
import { PAGE_READ_WATCHED, PAGE_SHIFT, PhysicalMemory } from './physical-memory';
import {
  GUEST_PAGE_FAULT, newWalkResult, PTE_GUEST_PAGE_FAULT, SATP_BARE, walk, WALK_GSTAGE, WALK_HLVX, WALK_MXR, WALK_SUM,
  WalkHost, WalkResult,
} from './page-walk';

/** What memory needs to know about its hart (the Hart class satisfies this structurally). */
export interface MemoryClient {
  readonly priv: number;
  /** Virtualization mode V (H extension). */
  readonly virt: boolean;
  readonly mstatus: number;
  readonly mstatusHi: number;
  readonly csrLo: Int32Array;
  readonly csrHi: Int32Array;
  /** Pending exception cause, or negative when none. */
  readonly exc: number;
  raise(cause: number, tvalLo: number, tvalHi: number): void;
  /** Set after raise(): mtval2/htval (guest physical address >> 2), mtinst/htinst, and GVA (Priv §13.6.2). */
  excTval2Lo: number;
  excTval2Hi: number;
  excTinst: number;
  excGva: boolean;
}

export const enum Access { Load = 0, Store = 1, Fetch = 2 }

const TLB_BITS = 8;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
/** A tag that never equals a page-aligned address word, so an invalid entry always misses. */
const INVALID = 1;
const PAGE_MASK = -4096;
const MPRV = 1 << 17;
const SUM = 1 << 18;
const MXR = 1 << 19;
const MPV_HI = 1 << 7; // mstatus bit 39
const PMP_ENTRIES = 16;
const TWO32 = 4294967296;

const FAULT_CAUSE = [5, 7, 1]; // load, store/AMO, fetch access faults (Priv Table 3.6)
const MISALIGNED_CAUSE = [4, 6, 0];

export interface TlbStats { hits: number; misses: number; flushes: number }

export class HartMemory implements WalkHost {
  private readonly rTagLo = new Int32Array(TLB_SIZE).fill(INVALID);
  private readonly rTagHi = new Int32Array(TLB_SIZE);
  private readonly rOff = new Int32Array(TLB_SIZE);
  private readonly wTagLo = new Int32Array(TLB_SIZE).fill(INVALID);
  private readonly wTagHi = new Int32Array(TLB_SIZE);
  private readonly wOff = new Int32Array(TLB_SIZE);
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly i32: Int32Array;
  private pmp: PmpRegion[] = [];
  /** High word of the last 64-bit load. */
  hiOut = 0;
  /** Loads and stores served by the TLB fast path (stats.misses counts the slow path). */
  hits = 0;
  readonly ramI32: Int32Array;
  private readonly walkOut: WalkResult = newWalkResult();
  /** Result of G-stage walks for VS-level page-table entries, apart from the VS-stage walk in progress. */
  private readonly pteWalkOut: WalkResult = newWalkResult();
  /** The VS-stage walker's view of memory: PTE addresses are guest physical, translated by the G stage. */
  private readonly guestPtes: WalkHost;
  readonly stats: TlbStats = { hits: 0, misses: 0, flushes: 0 };
  /** The access being resolved uses two-stage translation (set by translate; faults then carry GVA). */
  private twoStage = false;
  /** Effective privilege (0 U, 1 S, 3 M) of the access being resolved, for PMP. */
  private effPriv = 3;
  /** While an HLV/HLVX/HSV runs: its effective privilege, hstatus.SPVP (0 VU, 1 VS); otherwise -1. */
  private guestPriv = -1;
  /** While an HLVX runs: execute permission stands in for read permission (Priv §13.3.1). */
  private hlvx = false;

  constructor(readonly phys: PhysicalMemory, private readonly cpu: MemoryClient) {
    const ram = phys.bus.ram;
    this.u8 = ram.u8; this.u16 = ram.u16; this.i32 = ram.i32; this.ramI32 = ram.i32;
    this.guestPtes = { ramI32: ram.i32, pteOffset: (gpa, write) => this.guestPteOffset(gpa, write) };
    phys.addStoreTlb(this);
    this.recomputePmp();
  }

  /** Drops every cached translation (privilege, MPRV, satp or PMP changed). */
  flush(): void {
    this.rTagLo.fill(INVALID);
    this.wTagLo.fill(INVALID);
    this.stats.flushes++;
  }

  /** Drops the cached translations of one virtual page. */
  flushPage(lo: number, hi: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    const tag = lo & PAGE_MASK;
    if (this.rTagLo[i] === tag && this.rTagHi[i] === hi) this.rTagLo[i] = INVALID;
    if (this.wTagLo[i] === tag && this.wTagHi[i] === hi) this.wTagLo[i] = INVALID;
    this.stats.flushes++;
  }

  evictStorePage(ramOffset: number): void {
    for (let i = 0; i < TLB_SIZE; i++) if (this.wOff[i] === ramOffset) this.wTagLo[i] = INVALID;
  }

  evictLoadPage(ramOffset: number): void {
    for (let i = 0; i < TLB_SIZE; i++) if (this.rOff[i] === ramOffset) this.rTagLo[i] = INVALID;
  }

  recomputePmp(): void {
    const cfg: number[] = [], addr: bigint[] = [];
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const reg = i < 8 ? 0x3a0 : 0x3a2, j = i & 7;
      const word = j < 4 ? this.cpu.csrLo[reg] : this.cpu.csrHi[reg];
      cfg.push((word >>> ((j & 3) * 8)) & 0xff);
      addr.push((BigInt(this.cpu.csrHi[0x3b0 + i] >>> 0) << 32n) | BigInt(this.cpu.csrLo[0x3b0 + i] >>> 0));
    }
    this.pmp = decodePmp(cfg, addr);
  }

  // ---- fast paths -------------------------------------------------------------------------------------
  load8(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi) { this.hits++; return this.u8[this.rOff[i] + (lo & 0xfff)]; }
    return this.loadSlow(lo, hi, 1);
  }

  load16(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && (lo & 1) === 0) {
      this.hits++;
      return this.u16[(this.rOff[i] + (lo & 0xfff)) >>> 1];
    }
    return this.loadSlow(lo, hi, 2);
  }

  /** Returns the word as a signed int32. */
  load32(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && (lo & 3) === 0) {
      this.hits++;
      return this.i32[(this.rOff[i] + (lo & 0xfff)) >>> 2];
    }
    return this.loadSlow(lo, hi, 4);
  }

  /** Returns the low word; the high word is in hiOut. */
  load64(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && (lo & 7) === 0) {
      const w = (this.rOff[i] + (lo & 0xfff)) >>> 2;
      this.hits++;
      this.hiOut = this.i32[w + 1];
      return this.i32[w];
    }
    return this.loadSlow(lo, hi, 8);
  }

  store8(lo: number, hi: number, v: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi) { this.hits++; this.u8[this.wOff[i] + (lo & 0xfff)] = v; return; }
    this.storeSlow(lo, hi, 1, v, 0);
  }

  store16(lo: number, hi: number, v: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && (lo & 1) === 0) {
      this.hits++;
      this.u16[(this.wOff[i] + (lo & 0xfff)) >>> 1] = v;
      return;
    }
    this.storeSlow(lo, hi, 2, v, 0);
  }

  store32(lo: number, hi: number, v: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && (lo & 3) === 0) {
      this.hits++;
      this.i32[(this.wOff[i] + (lo & 0xfff)) >>> 2] = v;
      return;
    }
    this.storeSlow(lo, hi, 4, v, 0);
  }

  store64(lo: number, hi: number, vLo: number, vHi: number): void {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && (lo & 7) === 0) {
      const w = (this.wOff[i] + (lo & 0xfff)) >>> 2;
      this.hits++;
      this.i32[w] = vLo; this.i32[w + 1] = vHi;
      return;
    }
    this.storeSlow(lo, hi, 8, vLo, vHi);
  }

  // ---- slow path ----------------------------------------------------------------------------------------
  /** Raises a fault of the access being resolved; a two-stage access's tval is a guest virtual address. */
  private fault(cause: number, tvalLo: number, tvalHi: number): void {
    this.cpu.raise(cause, tvalLo, tvalHi);
    if (this.twoStage) this.cpu.excGva = true;
  }

  /**
   * Virtual → physical for one access; -1 after raising the fault. Translation applies when the effective
   * privilege is S or U and satp.MODE is not Bare (Priv §10.3); with the effective V = 1 it is two-stage
   * (Priv §13.5). The effective mode is the hart's, except for M-mode loads and stores under MPRV (MPP, and
   * V = MPV unless MPP = M: Priv §13.4.1) and for HLV/HLVX/HSV (V = 1 at privilege hstatus.SPVP, §13.3.1).
   */
  translate(lo: number, hi: number, access: Access): number {
    const c = this.cpu;
    this.effectiveMode(access);
    const priv = this.effPriv;
    if (priv === 3) return this.untranslated(lo, hi, access, lo, hi);
    if (this.twoStage) return this.translateGuest(lo, hi, access, priv);
    const satpHi = c.csrHi[0x180];
    if ((satpHi >>> 28) === SATP_BARE) return this.untranslated(lo, hi, access, lo, hi);
    const out = this.walkOut;
    const flags = ((c.mstatus & SUM) ? WALK_SUM : 0) | ((c.mstatus & MXR) ? WALK_MXR : 0);
    walk(this, c.csrLo[0x180], satpHi, flags, lo, hi, access, priv, out);
    if (out.paddr < 0) this.fault(out.cause, lo, hi);
    return out.paddr;
  }

  /** Sets effPriv and twoStage for an access of this kind in the hart's current state: MPRV makes M-mode loads
   *  and stores use MPP (Priv §3.1.6.3), and V = MPV (§13.4.1); HLV/HSV use V = 1 and hstatus.SPVP (§13.3.1). */
  private effectiveMode(access: Access): void {
    const c = this.cpu;
    if (this.guestPriv >= 0) { this.effPriv = this.guestPriv; this.twoStage = true; }
    else if (access !== Access.Fetch && c.priv === 3 && (c.mstatus & MPRV) !== 0) {
      const mpp = (c.mstatus >>> 11) & 3;
      this.effPriv = mpp;
      this.twoStage = mpp !== 3 && (c.mstatusHi & MPV_HI) !== 0;
    } else { this.effPriv = c.priv; this.twoStage = c.virt; }
  }

  /** A physical address used as is: it must lie in the 56-bit physical address space. */
  private untranslated(lo: number, hi: number, access: Access, tvalLo: number, tvalHi: number): number {
    if (hi < 0 || hi >= 0x1000000) {
      this.fault(FAULT_CAUSE[access], tvalLo, tvalHi);
      return -1;
    }
    return hi * TWO32 + (lo >>> 0);
  }

  /**
   * Two-stage translation (Priv §13.5): the VS stage under vsatp (its page-table reads and A/D writes are guest
   * physical, themselves G-stage translated), then the G stage under hgatp. vsstatus.SUM applies; vsstatus.MXR
   * only to the VS stage, the HS-level mstatus.MXR to both.
   */
  private translateGuest(lo: number, hi: number, access: Access, priv: number): number {
    const c = this.cpu;
    const hlvx = this.hlvx ? WALK_HLVX : 0;
    let gLo = lo, gHi = hi;
    const vsatpHi = c.csrHi[0x280];
    if ((vsatpHi >>> 28) !== SATP_BARE) {
      const vs = c.csrLo[0x200];
      const flags = ((vs & SUM) ? WALK_SUM : 0) | (((vs | c.mstatus) & MXR) ? WALK_MXR : 0) | hlvx;
      const out = this.walkOut;
      walk(this.guestPtes, c.csrLo[0x280], vsatpHi, flags, lo, hi, access, priv, out);
      if (out.paddr < 0) {
        this.fault(out.cause, lo, hi);
        if (out.cause === GUEST_PAGE_FAULT[access]) this.noteGuestPhysical(out.gpaLo, out.gpaHi, out.tinst);
        return -1;
      }
      gLo = out.paLo; gHi = out.paHi;
    }
    const hgatpHi = c.csrHi[0x680];
    if ((hgatpHi >>> 28) === SATP_BARE) return this.untranslated(gLo, gHi, access, lo, hi);
    const out = this.walkOut;
    walk(this, c.csrLo[0x680], hgatpHi, WALK_GSTAGE | ((c.mstatus & MXR) ? WALK_MXR : 0) | hlvx, gLo, gHi, access, 0, out);
    if (out.paddr < 0) {
      this.fault(out.cause, lo, hi);
      if (out.cause === GUEST_PAGE_FAULT[access]) this.noteGuestPhysical(gLo, gHi, 0);
    }
    return out.paddr;
  }

  /** mtval2/htval = the faulting guest physical address >> 2; mtinst/htinst (Priv §13.2.8–13.2.9). */
  private noteGuestPhysical(gLo: number, gHi: number, tinst: number): void {
    const c = this.cpu;
    c.excTval2Lo = (gLo >>> 2) | (gHi << 30);
    c.excTval2Hi = gHi >>> 2;
    c.excTinst = tinst;
  }

  /**
   * The VS-stage walker's PTE access at guest physical `gpa`: G-stage translated as an implicit load (or store,
   * for an A/D update) made at U level, without MXR (Priv §13.5.1), then checked as an S-mode implicit access.
   */
  private guestPteOffset(gpa: number, write: boolean): number {
    const c = this.cpu;
    const gLo = gpa % TWO32 | 0, gHi = Math.floor(gpa / TWO32) | 0;
    let paddr = gpa;
    const hgatpHi = c.csrHi[0x680];
    if ((hgatpHi >>> 28) !== SATP_BARE) {
      const out = this.pteWalkOut;
      walk(this, c.csrLo[0x680], hgatpHi, WALK_GSTAGE, gLo, gHi, write ? Access.Store : Access.Load, 0, out);
      if (out.paddr < 0) return out.cause === GUEST_PAGE_FAULT[write ? Access.Store : Access.Load] ? PTE_GUEST_PAGE_FAULT : -1;
      paddr = out.paddr;
    } else if (gHi < 0 || gHi >= 0x1000000) {
      return -1;
    }
    return this.pteOffset(paddr, write);
  }

  /** Implicit page-table accesses are checked by PMP as S-mode accesses (Priv §3.7.1). */
  pteOffset(paddr: number, write: boolean): number {
    if (!this.checkPmp(paddr, 8, write ? Access.Store : Access.Load, 1)) return -1;
    return (paddr & 7) === 0 ? this.phys.ramOffset(paddr, 8) : -1;
  }

  private checkPmp(paddr: number, len: number, access: Access, priv: number): boolean {
    const perm = access === Access.Load ? PMP_R : access === Access.Store ? PMP_W : PMP_X;
    return pmpAllows(this.pmp, paddr, len, perm, priv);
  }

  /** Translates and permission-checks an access that lies within one page; -1 after raising the fault. */
  private resolve(lo: number, hi: number, len: number, access: Access, tvalLo: number, tvalHi: number): number {
    const paddr = this.translate(lo, hi, access);
    if (paddr < 0) return -1;
    // HLVX needs both read and execute from the supervisor physical memory attributes (Priv §13.3.1).
    if (!this.checkPmp(paddr, len, access, this.effPriv) ||
        (this.hlvx && !this.checkPmp(paddr, len, Access.Fetch, this.effPriv))) {
      this.fault(FAULT_CAUSE[access], tvalLo, tvalHi);
      return -1;
    }
    return paddr;
  }

  /** Fills a TLB entry when the whole page is RAM with one PMP outcome and, for stores, no page flags. */
  private fill(lo: number, hi: number, paddr: number, access: Access): void {
    const pageBase = paddr - (paddr % 4096);
    const off = this.phys.ramOffset(pageBase, 4096);
    if (off < 0) return;
    if (!this.checkPmp(pageBase, 4096, access, this.effPriv)) return;
    const i = (lo >>> 12) & TLB_MASK;
    if (access === Access.Load) {
      if (this.phys.pageFlags[off >>> PAGE_SHIFT] & PAGE_READ_WATCHED) return;
      this.rTagLo[i] = lo & PAGE_MASK; this.rTagHi[i] = hi; this.rOff[i] = off;
    } else {
      if (this.phys.pageFlags[off >>> PAGE_SHIFT] !== 0) return;
      this.wTagLo[i] = lo & PAGE_MASK; this.wTagHi[i] = hi; this.wOff[i] = off;
    }
  }

  loadSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8): number {
    this.stats.misses++;
    if ((lo & (width - 1)) !== 0) return this.loadMisaligned(lo, hi, width as 2 | 4 | 8);
    const paddr = this.resolve(lo, hi, width, Access.Load, lo, hi);
    if (paddr < 0) return 0;
    this.fill(lo, hi, paddr, Access.Load);
    return this.physLoad(paddr, width, lo, hi);
  }

  /** Reads physical memory for a resolved access; raises a load access fault where nothing answers. */
  physLoad(paddr: number, width: 1 | 2 | 4 | 8, tvalLo: number, tvalHi: number): number {
    const off = this.phys.ramOffset(paddr, width);
    if (off >= 0) {
      if (this.phys.pageFlags[off >>> PAGE_SHIFT] & PAGE_READ_WATCHED) this.phys.noteLoad(paddr, width);
      switch (width) {
        case 1: return this.u8[off];
        case 2: return this.u16[off >>> 1];
        case 4: return this.i32[off >>> 2];
        default: this.hiOut = this.i32[(off >>> 2) + 1]; return this.i32[off >>> 2];
      }
    }
    const bus = this.phys.bus;
    if (width === 8) {
      const l = bus.load(paddr, 4), h = bus.load(paddr + 4, 4);
      if (l === undefined || h === undefined) { this.fault(5, tvalLo, tvalHi); return 0; }
      this.hiOut = h | 0;
      return l | 0;
    }
    const v = bus.load(paddr, width);
    if (v === undefined) { this.fault(5, tvalLo, tvalHi); return 0; }
    return width === 4 ? v | 0 : v;
  }

  /** Misaligned loads complete byte by byte (as QEMU's virt does), each byte translated and checked. */
  private loadMisaligned(lo: number, hi: number, width: 2 | 4 | 8): number {
    let vLo = 0, vHi = 0;
    for (let k = 0; k < width; k++) {
      const aLo = (lo + k) | 0;
      const aHi = (hi + ((aLo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      // A fault reports the address of the byte that faulted (Priv §3.1.16).
      const paddr = this.resolve(aLo, aHi, 1, Access.Load, aLo, aHi);
      if (paddr < 0) return 0;
      const b = this.physLoad(paddr, 1, aLo, aHi) & 0xff;
      if (this.cpu.exc >= 0) return 0;
      if (k < 4) vLo |= b << (8 * k); else vHi |= b << (8 * (k - 4));
    }
    this.hiOut = vHi;
    return width === 2 ? vLo & 0xffff : vLo;
  }

  storeSlow(lo: number, hi: number, width: 1 | 2 | 4 | 8, vLo: number, vHi: number): void {
    this.stats.misses++;
    if ((lo & (width - 1)) !== 0) { this.storeMisaligned(lo, hi, width as 2 | 4 | 8, vLo, vHi); return; }
    const paddr = this.resolve(lo, hi, width, Access.Store, lo, hi);
    if (paddr < 0) return;
    this.fill(lo, hi, paddr, Access.Store);
    this.physStore(paddr, width, vLo, vHi, lo, hi);
  }

  /** Writes physical memory for a resolved access; raises a store access fault where nothing answers. */
  physStore(paddr: number, width: 1 | 2 | 4 | 8, vLo: number, vHi: number, tvalLo: number, tvalHi: number): void {
    const off = this.phys.ramOffset(paddr, width);
    if (off >= 0) {
      switch (width) {
        case 1: this.u8[off] = vLo; break;
        case 2: this.u16[off >>> 1] = vLo; break;
        case 4: this.i32[off >>> 2] = vLo; break;
        default: this.i32[off >>> 2] = vLo; this.i32[(off >>> 2) + 1] = vHi;
      }
      this.phys.noteStore(paddr, width, off);
      return;
    }
    const bus = this.phys.bus;
    const ok = width === 8
      ? bus.store(paddr, 4, vLo >>> 0) && bus.store(paddr + 4, 4, vHi >>> 0)
      : bus.store(paddr, width, width === 4 ? vLo >>> 0 : vLo & (width === 1 ? 0xff : 0xffff));
    if (!ok) this.fault(7, tvalLo, tvalHi);
  }

  private storeMisaligned(lo: number, hi: number, width: 2 | 4 | 8, vLo: number, vHi: number): void {
    // Check every byte before writing any, so a fault leaves memory unchanged.
    const paddrs: number[] = [];
    for (let k = 0; k < width; k++) {
      const aLo = (lo + k) | 0;
      const aHi = (hi + ((aLo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      const p = this.resolve(aLo, aHi, 1, Access.Store, aLo, aHi);
      if (p < 0) return;
      paddrs.push(p);
    }
    for (let k = 0; k < width; k++) {
      const b = k < 4 ? (vLo >>> (8 * k)) & 0xff : (vHi >>> (8 * (k - 4))) & 0xff;
      const aLo = (lo + k) | 0;
      this.physStore(paddrs[k], 1, b, 0, aLo, (hi + ((aLo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0);
      if (this.cpu.exc >= 0) return;
    }
  }

  /** Resolves an AMO/LR/SC address: must be naturally aligned (store/AMO or load misaligned otherwise). */
  atomicAddress(lo: number, hi: number, width: 4 | 8, access: Access): number {
    if ((lo & (width - 1)) !== 0) {
      this.effectiveMode(access);
      this.fault(MISALIGNED_CAUSE[access], lo, hi);
      return -1;
    }
    const p = this.resolve(lo, hi, width, access, lo, hi);
    if (p >= 0 && access === Access.Store && this.phys.ramOffset(p, width) < 0 && this.phys.bus.findDevice(p) === undefined) {
      this.fault(7, lo, hi);
      return -1;
    }
    return p;
  }

  // ---- HLV, HLVX, HSV (Priv §13.3.1) ---------------------------------------------------------------------
  /**
   * A virtual-machine load: translated and protected as though V = 1 at privilege `spvp` (0 VU, 1 VS), whatever
   * the current mode and MPRV; `hlvx` requires execute instead of read permission. Misaligned loads complete
   * byte by byte, as ordinary ones do. Returns the low word (high word in hiOut); 0 after raising a fault.
   */
  guestLoad(lo: number, hi: number, width: 1 | 2 | 4 | 8, spvp: number, hlvx: boolean): number {
    this.stats.misses++;
    this.guestPriv = spvp;
    this.hlvx = hlvx;
    let v = 0;
    if ((lo & (width - 1)) !== 0) v = this.loadMisaligned(lo, hi, width as 2 | 4 | 8);
    else {
      const paddr = this.resolve(lo, hi, width, Access.Load, lo, hi);
      if (paddr >= 0) v = this.physLoad(paddr, width, lo, hi);
    }
    this.guestPriv = -1;
    this.hlvx = false;
    return v;
  }

  /** A virtual-machine store (HSV), translated like guestLoad. */
  guestStore(lo: number, hi: number, width: 1 | 2 | 4 | 8, vLo: number, vHi: number, spvp: number): void {
    this.stats.misses++;
    this.guestPriv = spvp;
    if ((lo & (width - 1)) !== 0) this.storeMisaligned(lo, hi, width as 2 | 4 | 8, vLo, vHi);
    else {
      const paddr = this.resolve(lo, hi, width, Access.Store, lo, hi);
      if (paddr >= 0) this.physStore(paddr, width, vLo, vHi, lo, hi);
    }
    this.guestPriv = -1;
  }

  /** Fetch translation and permission check for the interpreter's decode cache; -1 after raising the fault. */
  fetchAddress(lo: number, hi: number, len: number): number {
    return this.resolve(lo, hi, len, Access.Fetch, lo, hi);
  }

  /** Whether a whole page may be executed (so its decoded instructions can be cached for this privilege). */
  pageExecutable(pageBase: number): boolean {
    return this.checkPmp(pageBase, 4096, Access.Fetch, this.cpu.priv);
  }

  /** Statistics snapshot, with fast-path hits folded in. */
  tlbStats(): TlbStats {
    return { hits: this.hits, misses: this.stats.misses, flushes: this.stats.flushes };
  }
}
