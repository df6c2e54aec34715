// Ringside's built-in SBI firmware: the M-mode software under an S-mode kernel when no --bios is given.
// Each service really is entered by a trap to M-mode (an ecall from S, a machine timer or software
// interrupt); this code is that M-mode handler, and it leaves through mret like firmware does.
import { Hart } from '../cpu/hart';
import { mret, recordSupervisorTrap } from '../cpu/traps';
import {
  HSTATUS_SPV, HSTATUS_SPVP, MIP_MSIP, MIP_MTIP, MIP_SSIP, MIP_STIP, MSTATUS_MPP, MSTATUS_SIE, MSTATUSH_MPV,
} from '../cpu/privilege';
import { VIRT } from '../devices/virt-map';
import { handleSbiCall, SbiHost } from './sbi-calls';
import { HartState } from './sbi-constants';

const MSTATUS_MPP_S = 1 << 11;
/** Exceptions handed straight to S-mode, as OpenSBI delegates them: misaligned fetch, breakpoint,
 *  ecall from U, page faults (Priv §3.1.8). */
const MEDELEG = (1 << 0) | (1 << 3) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15) |
  // With the H extension, a hypervisor at HS handles its guests' ecalls, guest-page faults and virtual
  // instructions (as OpenSBI delegates them when misa.H is set).
  (1 << 10) | (1 << 20) | (1 << 21) | (1 << 22) | (1 << 23);
const MIDELEG = MIP_SSIP | MIP_STIP | (1 << 9);
const UART = VIRT.uart0.base;
const UART_LSR = 5, LSR_DR = 1, LSR_THRE = 0x20;
/** CLINT register offsets (SiFive CLINT layout, as QEMU's virt board maps it). */
const CLINT_MSIP = VIRT.clint.base, CLINT_MTIMECMP = VIRT.clint.base + 0x4000;

/** What the firmware reaches on the board: memory-mapped registers, RAM, harts, and power control. */
export interface FirmwarePlatform {
  readonly harts: readonly Hart[];
  mmioRead(paddr: number, width: 1 | 4): number;
  mmioWrite(paddr: number, width: 1 | 4, value: number): void;
  /** Guest RAM at a physical address, or undefined when [paddr, paddr+len) is not RAM. */
  ram(paddr: number, len: number): Uint8Array | undefined;
  powerOff(code: number): void;
  reset(): void;
  /** Remote fences: the target hart's TLB, and for fence.i every decoded instruction. */
  flushTlb(h: Hart): void;
  flushInstructions(): void;
  /** The machine must re-evaluate deadlines (a timer was programmed). */
  timersChanged(): void;
  /** End the current run of this hart now (it was stopped or suspended). */
  stopRunning(h: Hart): void;
  readonly hasSstc: boolean;
}

/** Per-call statistics (the VM-exit stream and `info` commands read them). */
export interface SbiCallRecord { eid: number; fid: number; count: number }

export class SbiFirmware {
  private readonly state: HartState[];
  private readonly ipiPending: boolean[];
  readonly calls = new Map<string, SbiCallRecord>();
  /** Address mtvec points at: the firmware's (virtual) trap entry, inside the reserved firmware region. */
  static readonly TRAP_VECTOR = 0x8000_0000;

  constructor(private readonly p: FirmwarePlatform) {
    this.state = p.harts.map(() => HartState.Stopped);
    this.ipiPending = p.harts.map(() => false);
    this.services = this.sbiHost();
  }

  /** Cold boot: M-mode set-up on every hart, then the boot hart enters the kernel in S-mode with
   *  a0 = hartid, a1 = DTB (SBI §9: other harts stay STOPPED until HSM hart_start). */
  boot(kernelEntry: number, dtb: number, bootHart = 0): void {
    for (const h of this.p.harts) {
      this.initHart(h);
      h.halted = true;
    }
    this.enterSupervisor(this.p.harts[bootHart], kernelEntry, BigInt(bootHart), BigInt(dtb));
  }

  private initHart(h: Hart): void {
    const c = h.csrLo;
    c[0x305] = SbiFirmware.TRAP_VECTOR; h.csrHi[0x305] = 0;
    h.medeleg = MEDELEG;
    h.mideleg = MIDELEG;
    c[0x306] = 7; // mcounteren: cycle, time, instret readable from S
    if (this.p.hasSstc) {
      h.csrHi[0x30a] |= 1 << 31; // menvcfg.STCE: the kernel may use stimecmp, and set_timer does
      h.csrLo[0x14d] = -1; h.csrHi[0x14d] = -1; // no supervisor timer event until one is asked for
      h.fx.timerChanged(h);
    }
    h.mie = MIP_MSIP; // MTIE is enabled by the first set_timer
    // PMP: one NAPOT entry covering all of memory, RWX, so S and U can reach RAM and devices.
    c[0x3b0] = -1; h.csrHi[0x3b0] = 0x3fffff;
    c[0x3a0] = 0x1f; h.csrHi[0x3a0] = 0;
    h.fx.pmpChanged(h);
    h.interruptCheck = true;
  }

  private enterSupervisor(h: Hart, entry: number, a0: bigint, a1: bigint): void {
    h.setX(10, a0);
    h.setX(11, a1);
    h.csrLo[0x180] = 0; h.csrHi[0x180] = 0; // satp = Bare
    h.mstatus = (h.mstatus & ~(MSTATUS_MPP | MSTATUS_SIE)) | MSTATUS_MPP_S;
    h.csrLo[0x341] = entry | 0; h.csrHi[0x341] = Math.floor(entry / 4294967296) | 0;
    mret(h, h.fx);
    h.pc = h.npc;
    h.halted = false;
    h.waitingForInterrupt = false;
    this.state[h.id] = HartState.Started;
  }

  /** The M-mode trap handler. Returns false for a trap it cannot handle (an exception in M-mode itself). */
  handleTrap(h: Hart, cause: number, interrupt: boolean): boolean {
    if (interrupt) {
      if (cause === 7) { // machine timer → supervisor timer (SBI §6)
        h.mie &= ~MIP_MTIP;
        h.mipSoftware |= MIP_STIP;
      } else if (cause === 3) { // machine software → supervisor software (IPI, SBI §7)
        this.p.mmioWrite(CLINT_MSIP + 4 * h.id, 4, 0);
        if (this.ipiPending[h.id]) { this.ipiPending[h.id] = false; h.mipSoftware |= MIP_SSIP; }
      } else {
        return false;
      }
      this.returnToSupervisor(h, false);
      return true;
    }
    const fromPriv = (h.mstatus & MSTATUS_MPP) >>> 11;
    if (fromPriv === 3) return false;
    // A trap from a guest (V=1) that reached M is handled for the hypervisor at HS: return to HS, not into the guest.
    if ((h.mstatusHi & MSTATUSH_MPV) !== 0) {
      // As a trap from V=1 into HS would have: hstatus.SPV/SPVP record the guest mode, htval takes mtval2.
      h.mstatusHi &= ~MSTATUSH_MPV;
      let hs = h.csrLo[0x600] | HSTATUS_SPV;
      hs = fromPriv === 1 ? hs | HSTATUS_SPVP : hs & ~HSTATUS_SPVP;
      h.csrLo[0x600] = hs;
      h.csrLo[0x643] = h.csrLo[0x34b]; h.csrHi[0x643] = h.csrHi[0x34b];
      h.csrLo[0x64a] = 0; h.csrHi[0x64a] = 0;
      this.redirectToSupervisor(h, cause, fromPriv);
      return true;
    }
    if (cause === 9) { // ecall from S
      this.call(h);
      if (this.state[h.id] === HartState.Started) this.returnToSupervisor(h, true);
      return true;
    }
    this.redirectToSupervisor(h, cause, fromPriv);
    return true;
  }

  private returnToSupervisor(h: Hart, skipInstruction: boolean): void {
    if (skipInstruction) {
      const epc = h.csrLo[0x341];
      const sum = (epc >>> 0) + 4;
      h.csrLo[0x341] = sum | 0;
      if (sum > 0xffffffff) h.csrHi[0x341] = (h.csrHi[0x341] + 1) | 0;
    }
    mret(h, h.fx);
    h.pc = h.npc;
    h.interruptCheck = true;
  }

  /** An exception S-mode should see but did not delegate (or could not): forward it as a trap to S (Priv §3.1.8). */
  private redirectToSupervisor(h: Hart, cause: number, fromPriv: number): void {
    recordSupervisorTrap(h, false, h.csrLo[0x341], h.csrHi[0x341], cause, 0, h.csrLo[0x343], h.csrHi[0x343], fromPriv === 1);
    h.mstatus = (h.mstatus & ~MSTATUS_MPP) | MSTATUS_MPP_S;
    h.csrLo[0x341] = h.csrLo[0x105] & ~3; h.csrHi[0x341] = h.csrHi[0x105];
    mret(h, h.fx);
    h.pc = h.npc;
  }

  private count(eid: number, fid: number): void {
    const key = `${eid}:${fid}`;
    const r = this.calls.get(key);
    if (r) r.count++; else this.calls.set(key, { eid, fid, count: 1 });
  }

  /** The SBI as the firmware implements it: harts, CLINT/Sstc timers, MSIP IPIs, the UART console. */
  private readonly services: SbiHost;

  private sbiHost(): SbiHost {
    return {
      hartCount: this.p.harts.length,
      hartState: (id) => this.state[id],
      setTimer: (h, when) => this.setTimer(h, when),
      sendIpi: (id) => {
        this.ipiPending[id] = true;
        this.p.mmioWrite(CLINT_MSIP + 4 * id, 4, 1);
      },
      clearIpi: (h) => { h.mipSoftware &= ~MIP_SSIP; },
      fenceI: () => this.p.flushInstructions(),
      sfenceVma: (ids) => { for (const id of ids) this.p.flushTlb(this.p.harts[id]); },
      startHart: (id, start, opaque) => this.startSupervisor(id, start, BigInt(id), opaque),
      stopHart: (h) => this.stopHart(h),
      suspendHart: (h) => { h.waitingForInterrupt = true; },
      powerOff: (code) => this.p.powerOff(code),
      reset: () => this.p.reset(),
      putByte: (b) => this.putByte(b),
      getByte: () => this.getByte(),
      memory: (addr, len) => this.p.ram(addr, len),
    };
  }

  private call(h: Hart): void {
    const c = handleSbiCall(h, this.services);
    this.count(c.eid, c.fid);
  }

  /** HSM hart_start, also for a hypervisor above this firmware starting its own harts: S-mode (HS with the H
   *  extension) at `entry` with a0, a1. */
  startSupervisor(id: number, entry: number, a0: bigint, a1: bigint): void {
    this.enterSupervisor(this.p.harts[id], entry, a0, a1);
  }

  /** HSM hart_stop: the hart stops at this instruction boundary. */
  stopHart(h: Hart): void {
    this.state[h.id] = HartState.Stopped;
    h.halted = true;
    h.mie = MIP_MSIP;
    h.mipSoftware = 0;
    this.p.stopRunning(h);
  }

  /** SBI §6.1: program the next timer event and clear the pending supervisor timer. With Sstc the event
   *  is stimecmp itself (STIP follows it in hardware), as OpenSBI does; otherwise the M-mode timer. */
  private setTimer(h: Hart, when: bigint): void {
    const v = BigInt.asUintN(64, when);
    if (this.p.hasSstc) {
      h.csrLo[0x14d] = Number(v & 0xffffffffn) | 0; h.csrHi[0x14d] = Number(v >> 32n) | 0;
      h.fx.timerChanged(h);
      return;
    }
    this.p.mmioWrite(CLINT_MTIMECMP + 8 * h.id + 4, 4, 0xffffffff); // high first: no spurious early match
    this.p.mmioWrite(CLINT_MTIMECMP + 8 * h.id, 4, Number(v & 0xffffffffn));
    this.p.mmioWrite(CLINT_MTIMECMP + 8 * h.id + 4, 4, Number(v >> 32n));
    h.mipSoftware &= ~MIP_STIP;
    h.mie |= MIP_MTIP;
    h.interruptCheck = true;
    this.p.timersChanged();
  }

  /** Console through the 16550's registers, as firmware drives it. */
  private putByte(b: number): void {
    while ((this.p.mmioRead(UART + UART_LSR, 1) & LSR_THRE) === 0) { /* the emulated UART is always ready */ }
    this.p.mmioWrite(UART, 1, b);
  }

  private getByte(): number {
    return (this.p.mmioRead(UART + UART_LSR, 1) & LSR_DR) !== 0 ? this.p.mmioRead(UART, 1) : -1;
  }

  hartState(id: number): HartState { return this.state[id]; }
}
