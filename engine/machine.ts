// The `virt` board: harts, RAM, bus and devices at QEMU's addresses, ELF loading, and the run loop that
// interleaves harts in deterministic slices and stops on guest exit, budget, idleness or request.
import { CsrSideEffects, stceEnabled, vstceEnabled } from './cpu/csr-file';
import { Hart } from './cpu/hart';
import { Interpreter } from './cpu/interpreter';
import { MIP_VSTIP } from './cpu/privilege';
import { TrapListener, wakesFromWfi } from './cpu/traps';
import { Bus } from './devices/bus';
import { Clint } from './devices/clint';
import { ConsoleIO, InterruptLines, PowerEvent } from './devices/device';
import { Ram } from './devices/ram';
import { Uart16550 } from './devices/uart16550';
import { VIRT, VIRT_TIMEBASE_HZ } from './devices/virt-map';
import { attachVirtDevices } from './devices/virt-devices';
import { BlockBackend } from './devices/virtio/blk-backends';
import { DmaMemory, ramDma } from './devices/virtio/dma';
import { VirtioMmio } from './devices/virtio/mmio';
import { Plic } from './devices/plic';
import { checkSegmentsFit, ElfError, ElfImage, segmentPaddr } from './loader/elf';
import { Rom } from './devices/rom';
import { FirmwarePlatform, SbiFirmware } from './firmware/sbi';
import { ExitStream } from './vmm/exit-stream';
import type { HwVmm } from './vmm/hw-vmm';
import { HartMemory } from './mmu/hart-memory';
import { PAGE_SHIFT, PAGE_SIZE, PAGE_WATCHED, PhysicalMemory } from './mmu/physical-memory';

/** Instructions per 10 MHz mtime tick: time follows retired work, so runs are deterministic
 *  (a nominal 100 MIPS guest clock). */
export const INSNS_PER_TICK = 10;
/** Longest stretch one hart runs before the next hart (and the host event loop) gets a turn. */
export const SLICE = 10_000;
/** Timer deadlines this many ticks or more away never come (the CLINT's rule too). */
const TIMER_HORIZON = 2 ** 53;

export interface MachineOptions {
  ramSize?: number;
  harts?: number;
  console: ConsoleIO;
  /** Disks, attached as virtio-blk in QEMU's order (the first drive takes the highest slot). */
  drives?: BlockBackend[];
  /** Called with a one-line description when the guest programs a device wrongly (the device resets or reports an error). */
  onDeviceError?: (message: string) => void;
  /** Host clock in milliseconds: when given, mtime follows wall-clock time (10 MHz) instead of retired
   *  instructions, and runs are no longer deterministic. */
  hostClockMs?: () => number;
}

export type StopReason =
  | { kind: 'exit'; code: number; via: 'test-device' | 'htif' }
  | { kind: 'reset' }
  | { kind: 'budget' }
  | { kind: 'idle' }
  /** Wall-clock mode only: every hart waits for an interrupt; the next timer is due in `ms`. */
  | { kind: 'waiting'; ms: number }
  | { kind: 'paused' }
  | { kind: 'breakpoint'; hartId: number; pc: bigint }
  | { kind: 'trap'; trap: TrapInfo }
  | { kind: 'error'; message: string }
  /** The hart's privilege or V changed with an instruction (modeFilter accepted it); it has completed. */
  | { kind: 'privilege'; change: ModeChange }
  /** A data watchpoint was hit; the accessing instruction has completed. */
  | { kind: 'watchpoint'; hartId: number; watchpointId: number; address: bigint; width: number; access: 'read' | 'write'; pc: bigint };

/** A change of privilege or virtualization mode over one instruction (a trap taken, an xRET). */
export interface ModeChange {
  hartId: number;
  fromPriv: number;
  fromVirt: boolean;
  toPriv: number;
  toVirt: boolean;
  /** Where the hart continues (the handler, or the xRET's target). */
  pc: bigint;
}

/** A trap the hart has just entered (pc is already the handler's). */
export interface TrapInfo {
  hartId: number;
  cause: number;
  interrupt: boolean;
  fromPriv: number;
  toPriv: number;
  /** The virtualization mode (H extension) before and after: a trap from V=1 to V=0 is a VM exit. */
  fromVirt: boolean;
  toVirt: boolean;
  /** Address of the trapping instruction (mepc/sepc). */
  epc: bigint;
  handler: bigint;
}

export class Machine implements TrapListener {
  readonly ram: Ram;
  readonly bus: Bus;
  readonly phys: PhysicalMemory;
  readonly harts: Hart[] = [];
  readonly interp: Interpreter;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly virtio: VirtioMmio[];
  /** Machine time in instruction units (mtime = time / INSNS_PER_TICK); idle periods skip ahead. */
  private time = 0;
  private sliceStartTime = 0;
  private sliceStartInstret = 0;
  private current: Hart | undefined;
  private pendingStop: StopReason | undefined;
  private tohost = -1;
  private fromhost = -1;
  private pauseRequested = false;
  /** Wall-clock mtime source (MachineOptions.hostClockMs), or undefined for instruction-driven time. */
  private readonly hostTicks: (() => number) | undefined;
  readonly console: ConsoleIO;
  /** The disks given at construction (the hw VMM attaches them to its guest's virtual board). */
  readonly drives: readonly BlockBackend[];
  readonly onDeviceError: ((message: string) => void) | undefined;

  constructor(opts: MachineOptions) {
    this.console = opts.console;
    this.drives = opts.drives ?? [];
    this.onDeviceError = opts.onDeviceError;
    const ramSize = opts.ramSize ?? 128 * 1024 * 1024;
    this.ram = new Ram(VIRT.dram.base, ramSize);
    this.bus = new Bus(this.ram);
    this.phys = new PhysicalMemory(this.bus);
    this.interp = new Interpreter(this.phys);
    this.interp.listener = this;
    const nHarts = opts.harts ?? 1;
    // Harts exist before the devices, so lines the devices drive at reset (MTIP: mtimecmp = 0) reach them.
    const fx: CsrSideEffects = {
      translationChanged: (h) => { h.mem.flush(); this.interp.resetFetch(h); },
      pageChanged: (h, lo, hi) => { h.mem.flushPage(lo, hi); this.interp.resetFetch(h); },
      pmpChanged: (h) => { h.mem.recomputePmp(); h.mem.flush(); this.interp.resetFetch(h); },
      modeChanged: (h, fromPriv, fromVirt) => this.noteModeChange(h, fromPriv, fromVirt),
      timerChanged: (h) => {
        this.updateSupervisorTimer(h);
        this.updateVirtualSupervisorTimer(h);
        if (this.current) this.interp.requestYield(this.current);
      },
    };
    for (let i = 0; i < nHarts; i++) {
      const h = new Hart(i, {
        mtime: () => this.clint.mtimeHi() * 4294967296 + this.clint.mtimeLo(),
        fenceI: () => this.interp.flushAll(),
      });
      h.mem = new HartMemory(this.phys, h);
      h.fx = fx;
      this.harts.push(h);
    }
    const lines: InterruptLines = {
      setPending: (hartId, bit, level) => {
        const h = this.harts[hartId];
        if (!h) return;
        const m = 1 << bit;
        h.mipLines = level ? h.mipLines | m : h.mipLines & ~m;
        h.interruptCheck = true;
      },
    };
    const host = opts.hostClockMs;
    if (host) {
      const t0 = host();
      this.hostTicks = () => Math.floor((host() - t0) * (VIRT_TIMEBASE_HZ / 1000));
    }
    // A timer write can move the next deadline earlier: end the slice so it is recomputed.
    const devices = attachVirtDevices(this.bus, {
      harts: nHarts, lines, console: opts.console, drives: this.drives,
      dma: this.ramDma(), mtime: () => this.mtimeTicks(),
      onTimerWritten: () => { if (this.current) this.interp.requestYield(this.current); },
      onPower: (ev) => this.powerEvent(ev), onDeviceError: opts.onDeviceError,
    });
    this.clint = devices.clint;
    this.plic = devices.plic; // context 2h drives hart h's MEIP, 2h+1 its SEIP
    this.uart = devices.uart;
    this.virtio = devices.virtio;
    this.phys.addObserver({ onStore: (paddr, _w, flags) => { if (flags & PAGE_WATCHED) this.onWatchedStore(paddr); } });
    this.phys.onWatchpoint = (hit) => {
      const h = this.current;
      if (!h || this.pendingStop) return;
      this.requestStop({
        kind: 'watchpoint', hartId: h.id, watchpointId: hit.watchpoint.id, address: BigInt(hit.paddr), width: hit.width,
        access: hit.access, pc: h.getPc(),
      });
    };
  }

  /** DMA into RAM for a device model: its writes drop decoded code and break reservations like stores. */
  ramDma(): DmaMemory {
    return ramDma(this.ram, (paddr, len) => this.noteDmaWrite(paddr, len));
  }

  /** mtime in 10 MHz ticks: retired work, or the host clock under --realtime. */
  mtimeTicks(): number {
    return this.hostTicks ? this.hostTicks() : Math.floor(this.now() / INSNS_PER_TICK);
  }

  /** Device writes into RAM act like stores: they drop decoded code and break LR reservations. */
  private noteDmaWrite(paddr: number, len: number): void {
    for (let p = paddr, end = paddr + len; p < end;) {
      const off = p - this.ram.base;
      const next = Math.min(end, this.ram.base + ((off >>> PAGE_SHIFT) + 1) * PAGE_SIZE);
      if (this.phys.pageFlags[off >>> PAGE_SHIFT]) this.phys.noteStore(p, next - p, off);
      p = next;
    }
  }

  private mtimeLoHi(): [number, number] {
    return [this.clint.mtimeLo(), this.clint.mtimeHi()];
  }

  /** Sstc: with menvcfg.STCE, mip.STIP is the comparison time ≥ stimecmp (Sstc §1). */
  updateSupervisorTimer(h: Hart): void {
    const STIP = 1 << 5;
    let level = false;
    if (stceEnabled(h)) {
      const [lo, hi] = this.mtimeLoHi();
      const cLo = h.csrLo[0x14d] >>> 0, cHi = h.csrHi[0x14d] >>> 0;
      level = hi > cHi || (hi === cHi && lo >= cLo);
    }
    const was = (h.mipLines & STIP) !== 0;
    if (level !== was) {
      h.mipLines = level ? h.mipLines | STIP : h.mipLines & ~STIP;
      h.interruptCheck = true;
    }
  }

  /** Sstc with H: while henvcfg.STCE (and menvcfg.STCE), the VS timer line is (time + htimedelta) mod 2^64 ≥
   *  vstimecmp, unsigned. It is mip bit 6 of mipLines, so hip.VSTIP is its OR with hvip.VSTIP (Priv §13.2.3). */
  updateVirtualSupervisorTimer(h: Hart): void {
    const level = vstceEnabled(h) && this.ticksUntilVirtualSupervisorTimer(h) === 0;
    const was = (h.mipLines & MIP_VSTIP) !== 0;
    if (level !== was) {
      h.mipLines = level ? h.mipLines | MIP_VSTIP : h.mipLines & ~MIP_VSTIP;
      h.interruptCheck = true;
    }
  }

  /** Raises timer interrupt lines whose comparison has become true (slice boundaries land exactly on deadlines). */
  private updateTimers(): void {
    this.clint.update();
    for (const h of this.harts) {
      this.updateSupervisorTimer(h);
      this.updateVirtualSupervisorTimer(h);
    }
  }

  /** Ticks until stimecmp next matches for a hart with Sstc enabled (0 when due, Infinity when disabled). */
  private ticksUntilSupervisorTimer(h: Hart): number {
    if (!stceEnabled(h)) return Infinity;
    const [lo, hi] = this.mtimeLoHi();
    const c = (h.csrHi[0x14d] >>> 0) * 4294967296 + (h.csrLo[0x14d] >>> 0);
    const t = hi * 4294967296 + lo;
    // Beyond 2^53 ticks (28 years at 10 MHz) is never, as for the CLINT: stimecmp = -1 means "no timer".
    return c > t ? (c - t >= TIMER_HORIZON ? Infinity : c - t) : 0;
  }

  /** Ticks until time + htimedelta reaches vstimecmp for a hart with henvcfg.STCE (0 when due, Infinity when
   *  disabled); with `wrap`, ticks until a due comparison falls again as time + htimedelta wraps to 0. Computed
   *  in 32-bit halves so that small distances are exact whatever the 64-bit values. */
  private ticksUntilVirtualSupervisorTimer(h: Hart, wrap = false): number {
    if (!vstceEnabled(h)) return Infinity;
    const [lo, hi] = this.mtimeLoHi();
    const sLo = lo + (h.csrLo[0x605] >>> 0);
    const vLo = sLo >>> 0;
    const vHi = (hi + (h.csrHi[0x605] >>> 0) + (sLo > 0xffffffff ? 1 : 0)) >>> 0;
    const cLo = h.csrLo[0x24d] >>> 0, cHi = h.csrHi[0x24d] >>> 0;
    if (vHi > cHi || (vHi === cHi && vLo >= cLo)) {
      if (!wrap) return 0;
      const untilWrap = (0xffffffff - vHi) * 4294967296 + (4294967296 - vLo);
      return untilWrap >= TIMER_HORIZON ? Infinity : untilWrap;
    }
    const dLo = cLo - vLo;
    const d = (cHi - vHi - (dLo < 0 ? 1 : 0)) * 4294967296 + (dLo >>> 0);
    return d >= TIMER_HORIZON ? Infinity : d;
  }

  /** Machine time in instruction units, exact at every instruction of the running slice. */
  now(): number {
    return this.current ? this.sliceStartTime + (this.current.instret - this.sliceStartInstret) : this.time;
  }

  /** Copies an ELF's loadable segments into RAM (bss zeroed) and hooks up HTIF tohost/fromhost. */
  loadElfSegments(img: ElfImage, fileName: string): void {
    checkSegmentsFit(img, this.ram.base, this.ram.size, fileName);
    for (const s of img.segments) {
      const off = s.paddr - this.ram.base;
      this.ram.u8.fill(0, off, off + s.memSize);
      this.ram.u8.set(s.fileBytes, off);
    }
    this.interp.flushAll();
    if (img.tohost !== undefined) {
      this.tohost = segmentPaddr(img, img.tohost) ?? img.tohost;
      this.fromhost = img.fromhost !== undefined ? segmentPaddr(img, img.fromhost) ?? img.fromhost : -1;
      this.phys.watch(this.tohost, 8);
    }
  }

  /** Copies raw bytes into RAM at a physical address. */
  loadRaw(bytes: Uint8Array, paddr: number, what: string): void {
    const off = paddr - this.ram.base;
    if (off < 0 || off + bytes.length > this.ram.size) {
      const hex = (n: number) => '0x' + n.toString(16);
      throw new ElfError(`${what}: [${hex(paddr)}-${hex(paddr + bytes.length)}) lies outside RAM [${hex(this.ram.base)}-${hex(this.ram.base + this.ram.size)})`);
    }
    this.ram.u8.set(bytes, off);
    this.interp.flushAll();
  }

  /** Bare-metal boot of one ELF in M-mode (`ringside run FILE`): every hart at the entry, a0 = hartid. */
  load(img: ElfImage, fileName: string): void {
    this.loadElfSegments(img, fileName);
    for (const h of this.harts) {
      h.pc = img.entry;
      h.setX(10, BigInt(h.id));
      h.setX(11, 0n);
    }
  }

  attachResetRom(rom: Rom): void {
    this.bus.attach(VIRT.mrom.base, rom);
  }

  /** The board as the built-in firmware reaches it. */
  firmwarePlatform(): FirmwarePlatform {
    return {
      harts: this.harts,
      mmioRead: (paddr, width) => this.bus.load(paddr, width) ?? 0,
      mmioWrite: (paddr, width, value) => { this.bus.store(paddr, width, value); },
      ram: (paddr, len) => {
        const off = this.phys.ramOffset(paddr, len);
        return off < 0 ? undefined : this.ram.u8.subarray(off, off + len);
      },
      powerOff: (code) => this.requestStop({ kind: 'exit', code, via: 'test-device' }),
      reset: () => this.requestStop({ kind: 'reset' }),
      flushTlb: (h) => h.fx.translationChanged(h),
      flushInstructions: () => this.interp.flushAll(),
      timersChanged: () => { if (this.current) this.interp.requestYield(this.current); },
      stopRunning: (h) => { if (this.current === h) this.interp.requestYield(h); },
      hasSstc: true,
    };
  }

  /** Invalidates cached translations of guest physical [start, end) (all of RAM when omitted): today the
   *  interpreter's decoded pages, which are decoded again when next executed. Returns how many were dropped. */
  invalidateTranslations(start = this.ram.base, end = this.ram.end): { decodedPages: number } {
    return { decodedPages: this.interp.flushRange(start, end) };
  }

  /** Stops execution before the instruction at `pc` (a guest virtual address) on every hart. */
  addBreakpoint(pc: bigint): void {
    this.interp.setBreakpoint(Number(BigInt.asIntN(64, pc)), true);
  }

  removeBreakpoint(pc: bigint): void {
    this.interp.setBreakpoint(Number(BigInt.asIntN(64, pc)), false);
  }

  /** Watches guest physical RAM [paddr, paddr+len) for reads and/or writes; run() stops after the accessing
   *  instruction with a 'watchpoint' stop. Only the watched pages leave the TLB fast path. */
  addWatchpoint(paddr: bigint, len: number, access: { read: boolean; write: boolean }): number {
    return this.phys.addWatchpoint(Number(paddr), len, access.read, access.write).id;
  }

  removeWatchpoint(id: number): void {
    this.phys.removeWatchpoint(id);
  }

  /** Resuming from a breakpoint executes the instruction under it once instead of stopping again. */
  private stepOverBreakpoints(): void {
    for (const h of this.harts) if (this.interp.hasBreakpoint(h.pc)) this.interp.skipBreakpointOnce(h, h.pc);
  }

  /** Runs until the guest exits, `maxSteps` instructions have been attempted, a breakpoint is reached,
   *  or it goes idle. A hart sitting on a breakpoint when run() starts executes that instruction first. */
  run(maxSteps: number): StopReason {
    let executed = 0;
    this.stepOverBreakpoints();
    while (true) {
      if (this.interp.breakpointHit >= 0) {
        const h = this.harts[this.interp.breakpointHit];
        this.interp.breakpointHit = -1;
        return { kind: 'breakpoint', hartId: h.id, pc: h.getPc() };
      }
      if (this.pendingStop) { const s = this.pendingStop; this.pendingStop = undefined; return s; }
      if (this.pauseRequested) { this.pauseRequested = false; return { kind: 'paused' }; }
      if (executed >= maxSteps) return { kind: 'budget' };
      this.updateTimers();
      let advanced = 0;
      const budget = Math.min(SLICE, maxSteps - executed, this.instructionsToNextDeadline());
      for (const h of this.harts) {
        if (h.halted || (h.waitingForInterrupt && !wakesFromWfi(h))) continue;
        if (h.waitingForInterrupt) { h.waitingForInterrupt = false; h.interruptCheck = true; }
        this.current = h;
        this.sliceStartTime = this.time;
        this.sliceStartInstret = h.instret;
        const n = this.interp.run(h, budget);
        this.current = undefined;
        executed += n;
        if (this.modeBefore) { const m = this.modeStop(); this.pendingStop ??= m; }
        advanced = Math.max(advanced, h.instret - this.sliceStartInstret, n > 0 ? 1 : 0);
        if (this.pendingStop || this.interp.breakpointHit >= 0) break;
      }
      // Harts run side by side: the slice took as long as its longest run.
      this.time += advanced;
      if (advanced === 0 && !this.pendingStop && this.interp.breakpointHit < 0 && !this.pauseRequested) {
        // Every hart sleeps in wfi: skip to the next timer deadline, or report idleness.
        const skip = this.instructionsToNextDeadline();
        if (!Number.isFinite(skip)) return { kind: 'idle' };
        if (this.hostTicks) return { kind: 'waiting', ms: skip / INSNS_PER_TICK / (VIRT_TIMEBASE_HZ / 1000) };
        this.time += skip;
      }
    }
  }

  /** Executes exactly one instruction (or takes one trap) on a hart: the debugger's stepping primitive. */
  step(hartId = 0): StopReason | undefined {
    const h = this.harts[hartId];
    if (h.halted) return undefined;
    if (this.interp.hasBreakpoint(h.pc)) this.interp.skipBreakpointOnce(h, h.pc);
    this.updateTimers();
    if (h.waitingForInterrupt && wakesFromWfi(h)) { h.waitingForInterrupt = false; h.interruptCheck = true; }
    this.current = h;
    this.sliceStartTime = this.time;
    this.sliceStartInstret = h.instret;
    this.interp.run(h, 1);
    this.current = undefined;
    this.time += 1;
    if (this.modeBefore) { const m = this.modeStop(); this.pendingStop ??= m; }
    const s = this.pendingStop;
    this.pendingStop = undefined;
    return s;
  }

  /** Asks a running run() to return at the next instruction boundary. */
  pause(): void {
    this.pauseRequested = true;
    if (this.current) this.interp.requestYield(this.current);
  }

  /** Instructions until some hart's timer comparison next becomes true (a timer already due raised its
   *  MTIP at update() and has no future edge). */
  private instructionsToNextDeadline(): number {
    let best = Infinity;
    for (const h of this.harts) {
      const t = this.clint.ticksUntilNextTimer(h.id);
      if (t > 0) best = Math.min(best, t);
      const s = this.ticksUntilSupervisorTimer(h);
      if (s > 0) best = Math.min(best, s);
      const v = this.ticksUntilVirtualSupervisorTimer(h, true);
      if (v > 0) best = Math.min(best, v);
    }
    if (!Number.isFinite(best)) return Infinity;
    const intoTick = this.hostTicks ? 0 : this.time % INSNS_PER_TICK;
    return Math.max(1, best * INSNS_PER_TICK - intoTick);
  }

  requestStop(reason: StopReason): void {
    this.pendingStop = reason;
    if (this.current) this.interp.requestYield(this.current);
  }

  /** Power control from a device or firmware: pass/fail end the run with an exit status, reset reboots. */
  powerEvent(ev: PowerEvent): void {
    if (ev.kind === 'pass') this.requestStop({ kind: 'exit', code: 0, via: 'test-device' });
    else if (ev.kind === 'fail') this.requestStop({ kind: 'exit', code: ev.code, via: 'test-device' });
    else this.requestStop({ kind: 'reset' });
  }

  /** HTIF (Spike's host-target interface): a write to tohost carries device, command and payload. */
  private onWatchedStore(paddr: number): void {
    if (this.tohost < 0 || paddr < this.tohost || paddr >= this.tohost + 8) return;
    const off = this.tohost - this.ram.base;
    const lo = this.ram.view.getUint32(off, true), hi = this.ram.view.getUint32(off + 4, true);
    if (lo === 0 && hi === 0) return;
    const device = hi >>> 24, cmd = (hi >>> 16) & 0xff;
    if (device === 0 && cmd === 0 && (lo & 1) === 1) {
      const payload = BigInt(hi & 0xffff) << 32n | BigInt(lo);
      this.requestStop({ kind: 'exit', code: Number(payload >> 1n), via: 'htif' });
      return;
    }
    if (device === 1 && cmd === 1) {
      this.consoleWrite(lo & 0xff);
      this.ram.view.setUint32(off, 0, true); this.ram.view.setUint32(off + 4, 0, true);
      if (this.fromhost >= 0) {
        const f = this.fromhost - this.ram.base;
        this.ram.view.setUint32(f, 1, true); this.ram.view.setUint32(f + 4, (1 << 24) | (1 << 16), true);
      }
    }
  }

  private consoleWrite(byte: number): void {
    this.console.write(byte);
  }

  /** Debugger hook for privilege-change breakpoints: called with the net change of privilege/V over an instruction
   *  (a trap into the built-in firmware or VMM and straight back is none); returning true ends run() with a
   *  'privilege' stop. Unset, mode changes cost one property test. */
  modeFilter: ((c: ModeChange) => boolean) | undefined;
  /** The mode a hart had before the first change within the running instruction. */
  private modeBefore: { h: Hart; priv: number; virt: boolean } | undefined;

  private noteModeChange(h: Hart, fromPriv: number, fromVirt: boolean): void {
    if (!this.modeFilter || this.modeBefore) return;
    this.modeBefore = { h, priv: fromPriv, virt: fromVirt };
    this.interp.requestYield(h);
  }

  /** At an instruction boundary after a mode change: the stop it makes, if the net change passes the filter. */
  private modeStop(): StopReason | undefined {
    const b = this.modeBefore;
    this.modeBefore = undefined;
    if (!b || !this.modeFilter || (b.h.priv === b.priv && b.h.virt === b.virt)) return undefined;
    const change: ModeChange = { hartId: b.h.id, fromPriv: b.priv, fromVirt: b.virt, toPriv: b.h.priv, toVirt: b.h.virt, pc: b.h.getPc() };
    return this.modeFilter(change) ? { kind: 'privilege', change } : undefined;
  }

  /** Debugger hook, called after every trap entry; returning true ends run() with a 'trap' stop.
   *  Unset, it costs one property test per trap and nothing per instruction. */
  trapFilter: ((t: TrapInfo) => boolean) | undefined;

  /** The VM-exit stream of the VMM running on this machine; absent in bare mode (no VMM, no exits). The VMM
   *  defines it when it attaches. */
  declare exits: ExitStream | undefined;

  /** The built-in SBI firmware, when the machine boots an S-mode kernel without external firmware. */
  firmware: SbiFirmware | undefined;

  /** The hardware-assisted VMM (`--mode hw`) running the kernel as a VS-mode guest, if any. */
  vmm: HwVmm | undefined;

  /** Installs the VMM: its exit stream becomes the machine's, and traps into HS-mode go to it. */
  attachVmm(vmm: HwVmm): void {
    this.vmm = vmm;
    this.exits = vmm.exits;
  }

  /** The UART the guest's console reads: the board's, or the VMM's virtual one under hw. Host input goes here. */
  get consoleUart(): Uart16550 {
    return this.vmm ? this.vmm.board.devices.uart : this.uart;
  }

  onTrap(h: Hart, cause: number, interrupt: boolean, fromPriv: number, toPriv: number, fromVirt = false, toVirt = false): void {
    if (this.trapFilter) this.reportTrap(h, cause, interrupt, fromPriv, toPriv, fromVirt, toVirt);
    if (this.firmware && toPriv === 3 && !this.firmware.handleTrap(h, cause, interrupt)) {
      const what = interrupt ? `interrupt ${cause}` : `exception ${cause}`;
      this.requestStop({ kind: 'error', message: `built-in firmware: unexpected ${what} in M-mode at pc 0x${BigInt.asUintN(64, BigInt(h.csrLo[0x341] >>> 0) | (BigInt(h.csrHi[0x341]) << 32n)).toString(16)}` });
    }
    // Under hw only the VMM runs in HS-mode: arriving there (directly, or redirected by the firmware) is a VM exit.
    if (this.vmm && h.priv === 1 && !h.virt && !h.halted) this.vmm.onHostTrap(h);
  }

  private reportTrap(h: Hart, cause: number, interrupt: boolean, fromPriv: number, toPriv: number,
    fromVirt: boolean, toVirt: boolean): void {
    if (!this.trapFilter) return;
    // The handler's epc: mepc, sepc, or vsepc for a trap taken into VS.
    const epcCsr = toPriv === 3 ? 0x341 : toVirt ? 0x241 : 0x141;
    const epc = BigInt.asUintN(64, (BigInt(h.csrHi[epcCsr]) << 32n) | BigInt(h.csrLo[epcCsr] >>> 0));
    const info: TrapInfo = { hartId: h.id, cause, interrupt, fromPriv, toPriv, fromVirt, toVirt, epc, handler: h.getPc() };
    if (this.trapFilter(info)) this.requestStop({ kind: 'trap', trap: info });
  }
}
