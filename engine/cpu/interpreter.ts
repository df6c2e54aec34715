// The interpreter: the reference semantics and the single-step path. Fetch goes through a decode cache
// per physical RAM page; interrupts and pending traps are handled between instructions.
import { decodeInto } from '../isa/decoder';
import { PAGE_CODE, PhysicalMemory, StoreObserver } from '../mmu/physical-memory';
import { HANDLERS } from './handlers';
import { illegal } from './handlers/common';
import { Hart, NO_TRAP } from './hart';
import { Op } from './op';
import { Cause } from './privilege';
import { enterTrap, pendingInterrupt, TrapListener } from './traps';

const TWO32 = 4294967296;
/** Pseudo-cause a breakpoint op records: not a guest trap, the debugger's stop. */
export const DEBUG_BREAK = -2;
const SLOTS_PER_PAGE = 2048; // one per 16-bit parcel

/** The page of decoded instructions a hart is currently fetching from. */
class FetchWindow {
  /** Virtual page base the window maps (NaN: none). */
  vpage = NaN;
  ops: (Op | undefined)[] = [];
  ramPage = -1;
}

export class Interpreter implements StoreObserver {
  /** Decoded instructions per RAM page, filled on first execution, dropped on stores and fence.i. */
  private readonly pages: ((Op | undefined)[] | undefined)[];
  private readonly windows: FetchWindow[] = [];
  listener?: TrapListener;
  /** Decoded pages dropped because their code was written (self-modifying code, loaders). */
  invalidations = 0;
  /** Set by devices and the debugger to end the current run() at the next instruction boundary. */
  private yieldRequested = false;
  /** Breakpoint addresses (guest virtual pcs). Ops at these addresses are wrapped when decoded, so the
   *  hot loop has no per-instruction breakpoint check. */
  private readonly breakpoints = new Set<number>();
  /** Per hart: a pc whose breakpoint is stepped over once (resuming from a breakpoint). */
  private readonly skipOnce: number[] = [];
  /** Hart that hit a breakpoint in the last run(), or -1. */
  breakpointHit = -1;

  constructor(private readonly phys: PhysicalMemory) {
    this.pages = new Array(phys.ramSize / 4096);
    phys.addObserver(this);
  }

  onStore(paddr: number, _width: number, flags: number): void {
    if ((flags & PAGE_CODE) === 0) return;
    this.dropPage((paddr - this.phys.ramBase) >>> 12);
  }

  /** fence.i and external writes (debugger, loader): forget every decoded instruction. */
  flushAll(): void {
    for (let p = 0; p < this.pages.length; p++) if (this.pages[p]) this.dropPage(p);
  }

  /** Drops the decoded pages of RAM that overlap physical [start, end); returns how many there were. */
  flushRange(start: number, end: number): number {
    const first = Math.max(0, Math.floor((start - this.phys.ramBase) / 4096));
    const last = Math.min(this.pages.length, Math.ceil((end - this.phys.ramBase) / 4096));
    let n = 0;
    for (let p = first; p < last; p++) if (this.pages[p]) { this.dropPage(p); n++; }
    return n;
  }

  /** Pages of RAM whose instructions are decoded now (the interpreter's translation cache). */
  get decodedPages(): number {
    let n = 0;
    for (const p of this.pages) if (p) n++;
    return n;
  }

  setBreakpoint(pc: number, on: boolean): void {
    if (on === this.breakpoints.has(pc)) return;
    if (on) this.breakpoints.add(pc); else this.breakpoints.delete(pc);
    this.flushAll();
  }

  hasBreakpoint(pc: number): boolean {
    return this.breakpoints.has(pc);
  }

  /** The next execution of `pc` on this hart runs the instruction instead of stopping at its breakpoint. */
  skipBreakpointOnce(h: Hart, pc: number): void {
    this.skipOnce[h.id] = pc;
  }

  /** Wraps an op so executing it stops for the debugger instead (unless this hart is stepping over it). */
  private breakpointOp(pc: number, inner: Op): Op {
    const op = new Op();
    Object.assign(op, inner);
    op.exec = (h) => {
      if (this.skipOnce[h.id] === pc) {
        this.skipOnce[h.id] = NaN;
        inner.exec(h, inner);
        return;
      }
      h.raise(DEBUG_BREAK);
    };
    return op;
  }

  /** Ends the running run() call before its next instruction (the hot loop sees it through interruptCheck). */
  requestYield(h: Hart): void {
    this.yieldRequested = true;
    h.interruptCheck = true;
  }

  /** Translation or privilege changed: the hart must re-resolve its fetch page. */
  resetFetch(h: Hart): void {
    const w = this.windows[h.id];
    if (w) w.vpage = NaN;
  }

  private dropPage(page: number): void {
    this.pages[page] = undefined;
    this.phys.clearPageFlag(page << 12, PAGE_CODE);
    this.invalidations++;
    for (const w of this.windows) if (w && w.ramPage === page) w.vpage = NaN;
  }

  private window(h: Hart): FetchWindow {
    return this.windows[h.id] ??= new FetchWindow();
  }

  /** Executes up to `budget` instructions; returns how many were attempted (trapping ones included).
   *  Stops early when the hart waits for an interrupt or `stop()` is requested. */
  run(h: Hart, budget: number): number {
    const w = this.window(h);
    this.yieldRequested = false; // a request that arrived after the last run() ended is stale
    let n = 0;
    while (n < budget) {
      if (h.interruptCheck) {
        if (this.yieldRequested) { this.yieldRequested = false; break; }
        h.interruptCheck = false;
        const irq = pendingInterrupt(h);
        if (irq >= 0) {
          enterTrap(h, irq, true, 0, 0, h.fx, this.listener);
          h.waitingForInterrupt = false;
          n++; // taking the interrupt is this step
          continue;
        }
      }
      if (h.waitingForInterrupt) break;
      const pc = h.pc;
      const off = pc & 0xfff;
      let op = pc - off === w.vpage ? w.ops[off >>> 1] : undefined;
      if (op === undefined) {
        op = this.fetchSlow(h, w);
        if (op === undefined) { this.trap(h); n++; continue; }
      }
      h.npc = pc + op.size;
      op.exec(h, op);
      h.lo[0] = 0; h.hi[0] = 0;
      if (h.exc !== NO_TRAP) this.trap(h);
      else { h.pc = h.npc; h.instret++; }
      n++;
    }
    return n;
  }

  private trap(h: Hart): void {
    const cause = h.exc;
    h.exc = NO_TRAP;
    if (cause === DEBUG_BREAK) {
      // Not a guest trap: pc stays on the breakpoint, nothing retired; the machine reports the stop.
      this.breakpointHit = h.id;
      this.requestYield(h);
      return;
    }
    enterTrap(h, cause, false, h.excTvalLo, h.excTvalHi, h.fx, this.listener);
  }

  /** Resolves pc to a decoded instruction, filling the window; undefined after raising a fetch fault. */
  private fetchSlow(h: Hart, w: FetchWindow): Op | undefined {
    const pc = h.pc;
    const lo = pc | 0, hi = Math.floor(pc / TWO32) | 0;
    const mem = h.mem;
    const paddr = mem.fetchAddress(lo, hi, 2);
    if (paddr < 0) return undefined;
    const off = pc & 0xfff;
    const pageBase = paddr - off;
    const ramOff = this.phys.ramOffset(pageBase, 4096);
    const cacheable = ramOff >= 0 && mem.pageExecutable(pageBase);
    if (cacheable) {
      const page = ramOff >>> 12;
      let ops = this.pages[page];
      if (ops === undefined) {
        ops = this.pages[page] = new Array<Op | undefined>(SLOTS_PER_PAGE);
        this.phys.setPageFlag(ramOff, PAGE_CODE);
      }
      w.vpage = pc - off; w.ops = ops; w.ramPage = page;
      const cached = ops[off >>> 1];
      if (cached) return cached;
    }
    const first = this.readParcel(h, paddr, lo, hi);
    if (first < 0) return undefined;
    let raw = first;
    if ((first & 3) === 3) {
      // The second parcel may sit on the next page: translate it on its own (its fault reports its address).
      const lo2 = (lo + 2) | 0, hi2 = (hi + ((lo2 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
      // A cacheable page is executable throughout; otherwise PMP may end between the two halves.
      const p2 = off === 0xffe || !cacheable ? mem.fetchAddress(lo2, hi2, 2) : paddr + 2;
      if (p2 < 0) return undefined;
      const second = this.readParcel(h, p2, lo2, hi2);
      if (second < 0) return undefined;
      raw = (first | (second << 16)) >>> 0;
    }
    let op = this.decode(raw);
    if (this.breakpoints.size !== 0 && this.breakpoints.has(pc)) op = this.breakpointOp(pc, op);
    // An instruction straddling a page boundary is not cached: its halves can change independently.
    if (cacheable && !(off === 0xffe && op.size === 4)) w.ops[off >>> 1] = op;
    return op;
  }

  private readParcel(h: Hart, paddr: number, lo: number, hi: number): number {
    const ramOff = this.phys.ramOffset(paddr, 2);
    if (ramOff >= 0) return this.phys.bus.ram.u16[ramOff >>> 1];
    // Devices are not executable, except ROMs (the reset vector).
    const dev = this.phys.bus.findDevice(paddr);
    if (!dev || !dev.dev.executable) { h.raise(Cause.InsnAccessFault, lo, hi); return -1; }
    const v = this.phys.bus.load(paddr, 2);
    if (v === undefined) { h.raise(Cause.InsnAccessFault, lo, hi); return -1; }
    return v;
  }

  /** Decodes a word into an Op bound to its handler; illegal encodings become ops that raise cause 2. */
  decode(raw: number): Op {
    const op = new Op();
    if (decodeInto(raw, op)) {
      op.exec = HANDLERS[op.def.id];
    } else {
      op.raw = (raw & 3) === 3 ? raw >>> 0 : raw & 0xffff;
      op.size = (raw & 3) === 3 ? 4 : 2;
      op.exec = illegal;
      op.illegalEncoding = true;
    }
    return op;
  }
}
