// Machine-wide physical memory: RAM and MMIO through the bus, plus the page flags that send stores to the
// slow path (pages holding decoded code, HTIF's tohost, LR/SC reservations).
import { Bus } from '../devices/bus';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

/** Flags of a RAM page; any set flag keeps the page out of the store TLB. */
export const PAGE_CODE = 1;
export const PAGE_WATCHED = 2;
export const PAGE_RESERVED = 4;
/** Loads from the page take the slow path too (a read watchpoint is on it). */
export const PAGE_READ_WATCHED = 8;

/** A debugger data watchpoint over guest physical memory. */
export interface DataWatchpoint {
  readonly id: number;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly read: boolean;
  readonly write: boolean;
}

export interface WatchpointHit {
  readonly watchpoint: DataWatchpoint;
  readonly paddr: number;
  readonly width: number;
  readonly access: 'read' | 'write';
}

export interface StoreObserver {
  /** A store reached a RAM page carrying `flags`. */
  onStore(paddr: number, width: number, flags: number): void;
}

/** Per-hart store TLBs register here so a page that gains a flag is evicted from all of them. */
export interface StoreTlbOwner {
  evictStorePage(ramOffset: number): void;
  /** Drops load-TLB entries for a RAM page (it gained a read watchpoint). */
  evictLoadPage(ramOffset: number): void;
}

export class PhysicalMemory {
  readonly ramBase: number;
  readonly ramSize: number;
  readonly pageFlags: Uint8Array;
  private readonly observers: StoreObserver[] = [];
  private readonly storeTlbs: StoreTlbOwner[] = [];
  private readonly watched = new Set<number>();
  private readonly watchpoints: DataWatchpoint[] = [];
  private nextWatchId = 1;
  /** Called when an access touches a watchpoint; the machine turns it into a stop after the instruction. */
  onWatchpoint: ((hit: WatchpointHit) => void) | undefined;
  /** LR reservations by hart: the reserved 8-byte granule's physical address. */
  private readonly reservations = new Map<number, number>();

  constructor(readonly bus: Bus) {
    this.ramBase = bus.ram.base;
    this.ramSize = bus.ram.size;
    this.pageFlags = new Uint8Array(this.ramSize >>> PAGE_SHIFT);
  }

  addObserver(o: StoreObserver): void { this.observers.push(o); }
  addStoreTlb(o: StoreTlbOwner): void { this.storeTlbs.push(o); }

  /** Byte offset into RAM for a physical address, or -1 when it is not RAM. */
  ramOffset(paddr: number, len: number): number {
    const off = paddr - this.ramBase;
    return off >= 0 && off + len <= this.ramSize ? off : -1;
  }

  setPageFlag(ramOffset: number, flag: number): void {
    const page = ramOffset >>> PAGE_SHIFT;
    if (this.pageFlags[page] & flag) return;
    this.pageFlags[page] |= flag;
    const pageOffset = page << PAGE_SHIFT;
    for (const t of this.storeTlbs) t.evictStorePage(pageOffset);
  }

  clearPageFlag(ramOffset: number, flag: number): void {
    this.pageFlags[ramOffset >>> PAGE_SHIFT] &= ~flag;
  }

  /** Sends stores to [paddr, paddr+len) through the observers (HTIF tohost). */
  watch(paddr: number, len: number): void {
    for (let a = paddr; a < paddr + len; a++) {
      const off = this.ramOffset(a, 1);
      if (off < 0) continue;
      this.watched.add(a);
      this.setPageFlag(off, PAGE_WATCHED);
    }
  }

  isWatched(paddr: number): boolean {
    return this.watched.has(paddr);
  }

  /** Adds a data watchpoint on RAM [paddr, paddr+len); its pages' accesses leave the TLB fast paths. */
  addWatchpoint(paddr: number, len: number, read: boolean, write: boolean): DataWatchpoint {
    if (len <= 0 || this.ramOffset(paddr, len) < 0) throw new Error(`watchpoint [0x${paddr.toString(16)}, +${len}) is not in RAM`);
    const w: DataWatchpoint = { id: this.nextWatchId++, start: paddr, end: paddr + len, read, write };
    this.watchpoints.push(w);
    this.refreshWatchFlags(w);
    return w;
  }

  removeWatchpoint(id: number): void {
    const i = this.watchpoints.findIndex((w) => w.id === id);
    if (i < 0) return;
    const [w] = this.watchpoints.splice(i, 1);
    this.refreshWatchFlags(w);
  }

  /** Recomputes the watch flags of the pages a watchpoint covers (other watchpoints and HTIF share them). */
  private refreshWatchFlags(w: DataWatchpoint): void {
    for (let page = (w.start - this.ramBase) >>> PAGE_SHIFT; page <= (w.end - 1 - this.ramBase) >>> PAGE_SHIFT; page++) {
      const lo = this.ramBase + page * PAGE_SIZE, hi = lo + PAGE_SIZE;
      const over = this.watchpoints.filter((x) => x.start < hi && x.end > lo);
      const reads = over.some((x) => x.read);
      const writes = over.some((x) => x.write) || [...this.watched].some((a) => a >= lo && a < hi);
      const off = page << PAGE_SHIFT;
      if (reads) {
        if (!(this.pageFlags[page] & PAGE_READ_WATCHED)) for (const t of this.storeTlbs) t.evictLoadPage(off);
        this.pageFlags[page] |= PAGE_READ_WATCHED;
      } else this.pageFlags[page] &= ~PAGE_READ_WATCHED;
      if (writes) this.setPageFlag(off, PAGE_WATCHED); else this.clearPageFlag(off, PAGE_WATCHED);
    }
  }

  private checkWatchpoints(paddr: number, width: number, access: 'read' | 'write'): void {
    for (const w of this.watchpoints) {
      if (paddr < w.end && paddr + width > w.start && (access === 'read' ? w.read : w.write)) {
        this.onWatchpoint?.({ watchpoint: w, paddr, width, access });
        return;
      }
    }
  }

  /** Called by the slow load path after a RAM load from a read-watched page. */
  noteLoad(paddr: number, width: number): void {
    this.checkWatchpoints(paddr, width, 'read');
  }

  /** Called by the slow store path after a RAM store to a flagged page. */
  noteStore(paddr: number, width: number, ramOffset: number): void {
    const flags = this.pageFlags[ramOffset >>> PAGE_SHIFT];
    if (flags === 0) return;
    if ((flags & PAGE_WATCHED) && this.watchpoints.length !== 0) this.checkWatchpoints(paddr, width, 'write');
    if (flags & PAGE_RESERVED) this.breakReservations(paddr, width);
    for (const o of this.observers) o.onStore(paddr, width, flags);
  }

  /** LR: reserve the granule holding paddr (Unpriv §8.2); its page's stores now take the slow path. */
  reserve(hartId: number, paddr: number): void {
    this.dropReservation(hartId);
    const off = this.ramOffset(paddr, 1);
    if (off < 0) return; // reservations on MMIO are never honoured: SC there fails
    this.reservations.set(hartId, paddr - (paddr % 8));
    this.setPageFlag(off, PAGE_RESERVED);
  }

  /** SC: whether this hart still holds a reservation covering paddr; the reservation is consumed either way. */
  takeReservation(hartId: number, paddr: number): boolean {
    const r = this.reservations.get(hartId);
    this.dropReservation(hartId);
    return r !== undefined && r === paddr - (paddr % 8);
  }

  dropReservation(hartId: number): void {
    const r = this.reservations.get(hartId);
    if (r === undefined) return;
    this.reservations.delete(hartId);
    const page = Math.floor(r / PAGE_SIZE);
    for (const other of this.reservations.values()) if (Math.floor(other / PAGE_SIZE) === page) return;
    this.clearPageFlag(r - this.ramBase, PAGE_RESERVED);
  }

  private breakReservations(paddr: number, width: number): void {
    for (const [hart, r] of [...this.reservations]) {
      if (paddr < r + 8 && paddr + width > r) this.dropReservation(hart);
    }
  }
}
