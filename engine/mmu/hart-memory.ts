// One hart's view of memory: load/store TLBs with an inline fast path (index, compare, typed-array access);
// translation, PMP, misalignment, MMIO and flagged pages live behind one slow path.
import { decodePmp, pmpAllows, PmpRegion, PMP_R, PMP_W, PMP_X } from './pmp';
import { PAGE_SHIFT, PhysicalMemory } from './physical-memory';
import { SATP_BARE, walk, WalkHost, WalkResult } from './page-walk';

/** What memory needs to know about its hart (the Hart class satisfies this structurally). */
export interface MemoryClient {
  readonly priv: number;
  readonly mstatus: number;
  readonly csrLo: Int32Array;
  readonly csrHi: Int32Array;
  /** Pending exception cause, or negative when none. */
  readonly exc: number;
  raise(cause: number, tvalLo: number, tvalHi: number): void;
}

export const enum Access { Load = 0, Store = 1, Fetch = 2 }

const TLB_BITS = 8;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
/** A tag that never equals a page-aligned address word, so an invalid entry always misses. */
const INVALID = 1;
const PAGE_MASK = -4096;
const MPRV = 1 << 17;
const PMP_ENTRIES = 16;

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
  private readonly walkOut: WalkResult = { paddr: -1, cause: 0, pageSize: 4096 };
  readonly stats: TlbStats = { hits: 0, misses: 0, flushes: 0 };

  constructor(readonly phys: PhysicalMemory, private readonly cpu: MemoryClient) {
    const ram = phys.bus.ram;
    this.u8 = ram.u8; this.u16 = ram.u16; this.i32 = ram.i32; this.ramI32 = ram.i32;
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
  /** Effective privilege for data accesses: MPRV makes M-mode loads and stores use MPP (Priv §3.1.6.3). */
  private dataPriv(): number {
    const c = this.cpu;
    return c.priv === 3 && (c.mstatus & MPRV) !== 0 ? (c.mstatus >>> 11) & 3 : c.priv;
  }

  /** Virtual → physical for one access; -1 after raising the fault (Priv §10.3: translation applies
   *  when the effective privilege is S or U and satp.MODE is not Bare). */
  translate(lo: number, hi: number, access: Access): number {
    const priv = access === Access.Fetch ? this.cpu.priv : this.dataPriv();
    const satpHi = this.cpu.csrHi[0x180];
    if (priv === 3 || (satpHi >>> 28) === SATP_BARE) {
      if (hi < 0 || hi >= 0x1000000) { // beyond the 56-bit physical address space
        this.cpu.raise(FAULT_CAUSE[access], lo, hi);
        return -1;
      }
      return hi * 4294967296 + (lo >>> 0);
    }
    const out = this.walkOut;
    walk(this, this.cpu.csrLo[0x180], satpHi, this.cpu.mstatus, lo, hi, access, priv, out);
    if (out.paddr < 0) this.cpu.raise(out.cause, lo, hi);
    return out.paddr;
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
    const priv = access === Access.Fetch ? this.cpu.priv : this.dataPriv();
    if (!this.checkPmp(paddr, len, access, priv)) {
      this.cpu.raise(FAULT_CAUSE[access], tvalLo, tvalHi);
      return -1;
    }
    return paddr;
  }

  /** Fills a TLB entry when the whole page is RAM with one PMP outcome and, for stores, no page flags. */
  private fill(lo: number, hi: number, paddr: number, access: Access): void {
    const pageBase = paddr - (paddr % 4096);
    const off = this.phys.ramOffset(pageBase, 4096);
    if (off < 0) return;
    const priv = this.dataPriv();
    if (!this.checkPmp(pageBase, 4096, access, priv)) return;
    const i = (lo >>> 12) & TLB_MASK;
    if (access === Access.Load) {
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
      if (l === undefined || h === undefined) { this.cpu.raise(5, tvalLo, tvalHi); return 0; }
      this.hiOut = h | 0;
      return l | 0;
    }
    const v = bus.load(paddr, width);
    if (v === undefined) { this.cpu.raise(5, tvalLo, tvalHi); return 0; }
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
    if (!ok) this.cpu.raise(7, tvalLo, tvalHi);
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
      this.cpu.raise(MISALIGNED_CAUSE[access], lo, hi);
      return -1;
    }
    const p = this.resolve(lo, hi, width, access, lo, hi);
    if (p >= 0 && access === Access.Store && this.phys.ramOffset(p, width) < 0 && this.phys.bus.findDevice(p) === undefined) {
      this.cpu.raise(7, lo, hi);
      return -1;
    }
    return p;
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
