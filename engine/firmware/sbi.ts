// Ringside's built-in SBI firmware: the M-mode software under an S-mode kernel when no --bios is given.
// Each service really is entered by a trap to M-mode (an ecall from S, a machine timer or software
// interrupt); this code is that M-mode handler, and it leaves through mret like firmware does.
import { Hart } from '../cpu/hart';
import { mret } from '../cpu/traps';
import { HSTATUS_SPV, HSTATUS_SPVP } from '../cpu/privilege';
import {
  EID, HartState, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_ADDRESS,
  SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_IMPL_ID, SBI_IMPL_VERSION, SBI_SPEC_VERSION, SBI_SUCCESS,
} from './sbi-constants';

const MIP_SSIP = 1 << 1, MIP_MSIP = 1 << 3, MIP_STIP = 1 << 5, MIP_MTIP = 1 << 7;

const MSTATUS_MPP = 3 << 11, MSTATUS_MPP_S = 1 << 11, MSTATUS_SIE = 1 << 1, MSTATUS_SPP = 1 << 8, MSTATUS_SPIE = 1 << 5;
/** Exceptions handed straight to S-mode, as OpenSBI delegates them: misaligned fetch, breakpoint,
 *  ecall from U, page faults (Priv §3.1.8). */
const MEDELEG = (1 << 0) | (1 << 3) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15) |
  // With the H extension, a hypervisor at HS handles its guests' ecalls, guest-page faults and virtual
  // instructions (as OpenSBI delegates them when misa.H is set).
  (1 << 10) | (1 << 20) | (1 << 21) | (1 << 22) | (1 << 23);
/** mstatus.MPV (bit 39, high word bit 7): the trap came from V=1. */
const MSTATUS_HI_MPV = 1 << 7;
const MIDELEG = MIP_SSIP | MIP_STIP | (1 << 9);
const UART = 0x1000_0000;
const UART_LSR = 5, LSR_DR = 1, LSR_THRE = 0x20;
const CLINT_MSIP = 0x200_0000, CLINT_MTIMECMP = 0x200_4000;

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
    if ((h.mstatusHi & MSTATUS_HI_MPV) !== 0) {
      // As a trap from V=1 into HS would have: hstatus.SPV/SPVP record the guest mode, htval takes mtval2.
      h.mstatusHi &= ~MSTATUS_HI_MPV;
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
    h.csrLo[0x141] = h.csrLo[0x341]; h.csrHi[0x141] = h.csrHi[0x341];
    h.csrLo[0x142] = cause; h.csrHi[0x142] = 0;
    h.csrLo[0x143] = h.csrLo[0x343]; h.csrHi[0x143] = h.csrHi[0x343];
    let s = h.mstatus;
    s = (s & MSTATUS_SIE) ? s | MSTATUS_SPIE : s & ~MSTATUS_SPIE;
    s = fromPriv === 1 ? s | MSTATUS_SPP : s & ~MSTATUS_SPP;
    h.mstatus = (s & ~MSTATUS_SIE & ~MSTATUS_MPP) | MSTATUS_MPP_S;
    h.csrLo[0x341] = h.csrLo[0x105] & ~3; h.csrHi[0x341] = h.csrHi[0x105];
    mret(h, h.fx);
    h.pc = h.npc;
  }

  private count(eid: number, fid: number): void {
    const key = `${eid}:${fid}`;
    const r = this.calls.get(key);
    if (r) r.count++; else this.calls.set(key, { eid, fid, count: 1 });
  }

  /** Dispatches an SBI call: EID in a7, FID in a6, arguments a0–a5; error in a0, value in a1 (SBI §3). */
  private call(h: Hart): void {
    const eid = Number(h.getX(17) & 0xffffffffn);
    const fid = Number(h.getX(16) & 0xffffffffn);
    this.count(eid, fid);
    const a = (i: number) => h.getX(10 + i);
    const ret = (error: number, value: bigint | number = 0): void => {
      h.setX(10, BigInt(error));
      h.setX(11, BigInt(value));
    };
    const legacy = (value: number): void => h.setX(10, BigInt(value));
    switch (eid) {
      case EID.BASE: return this.base(fid, a(0), ret);
      case EID.TIME:
        if (fid !== 0) return ret(SBI_ERR_NOT_SUPPORTED);
        this.setTimer(h, a(0)); return ret(SBI_SUCCESS);
      case EID.IPI:
        if (fid !== 0) return ret(SBI_ERR_NOT_SUPPORTED);
        return ret(this.sendIpi(a(0), a(1)));
      case EID.RFENCE: return ret(this.rfence(fid, a(0), a(1)));
      case EID.HSM: return this.hsm(h, fid, a, ret);
      case EID.SRST:
        if (fid !== 0) return ret(SBI_ERR_NOT_SUPPORTED);
        return ret(this.systemReset(Number(a(0) & 0xffffffffn), Number(a(1) & 0xffffffffn)));
      case EID.DBCN: return this.dbcn(fid, a, ret);
      case EID.LEGACY_SET_TIMER: this.setTimer(h, a(0)); return legacy(0);
      case EID.LEGACY_PUTCHAR: this.putByte(Number(a(0) & 0xffn)); return legacy(0);
      case EID.LEGACY_GETCHAR: return legacy(this.getByte());
      case EID.LEGACY_CLEAR_IPI: h.mipSoftware &= ~MIP_SSIP; return legacy(0);
      case EID.LEGACY_SEND_IPI: return legacy(this.sendIpiLegacy(a(0)));
      case EID.LEGACY_REMOTE_FENCE_I: this.p.flushInstructions(); return legacy(0);
      case EID.LEGACY_REMOTE_SFENCE_VMA: case EID.LEGACY_REMOTE_SFENCE_VMA_ASID:
        for (const t of this.p.harts) this.p.flushTlb(t);
        return legacy(0);
      case EID.LEGACY_SHUTDOWN: this.p.powerOff(0); return legacy(0);
      default: return ret(SBI_ERR_NOT_SUPPORTED);
    }
  }

  private base(fid: number, arg: bigint, ret: (e: number, v?: bigint | number) => void): void {
    switch (fid) {
      case 0: return ret(SBI_SUCCESS, SBI_SPEC_VERSION);
      case 1: return ret(SBI_SUCCESS, SBI_IMPL_ID);
      case 2: return ret(SBI_SUCCESS, SBI_IMPL_VERSION);
      case 3: {
        const eid = Number(arg & 0xffffffffn);
        const known = (Object.values(EID) as number[]).includes(eid);
        return ret(SBI_SUCCESS, known ? 1 : 0);
      }
      case 4: case 5: case 6: return ret(SBI_SUCCESS, 0); // mvendorid, marchid, mimpid
      default: return ret(SBI_ERR_NOT_SUPPORTED);
    }
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

  /** Harts selected by (mask, base); base = -1 selects all (SBI §3.2). Undefined for an invalid selection. */
  private targets(mask: bigint, base: bigint): Hart[] | undefined {
    const harts = this.p.harts;
    if (BigInt.asIntN(64, base) === -1n) return [...harts];
    const out: Hart[] = [];
    for (let i = 0; i < 64; i++) {
      if (((mask >> BigInt(i)) & 1n) === 0n) continue;
      const id = Number(base) + i;
      if (id >= harts.length) return undefined;
      out.push(harts[id]);
    }
    return out;
  }

  private sendIpi(mask: bigint, base: bigint): number {
    const t = this.targets(mask, base);
    if (!t) return SBI_ERR_INVALID_PARAM;
    for (const h of t) {
      if (this.state[h.id] !== HartState.Started) continue; // a stopped hart drops IPIs, as OpenSBI does
      this.ipiPending[h.id] = true;
      this.p.mmioWrite(CLINT_MSIP + 4 * h.id, 4, 1);
    }
    return SBI_SUCCESS;
  }

  private sendIpiLegacy(maskAddr: bigint): number {
    const bytes = this.p.ram(Number(maskAddr), 8);
    if (!bytes) return SBI_ERR_INVALID_ADDRESS;
    const mask = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    return this.sendIpi(mask, 0n);
  }

  private rfence(fid: number, mask: bigint, base: bigint): number {
    if (fid > 2) return SBI_ERR_NOT_SUPPORTED; // hfence.* need the H extension
    const t = this.targets(mask, base);
    if (!t) return SBI_ERR_INVALID_PARAM;
    if (fid === 0) this.p.flushInstructions();
    else for (const h of t) this.p.flushTlb(h);
    return SBI_SUCCESS;
  }

  private hsm(h: Hart, fid: number, a: (i: number) => bigint, ret: (e: number, v?: bigint | number) => void): void {
    const harts = this.p.harts;
    switch (fid) {
      case 0: { // hart_start(hartid, start_addr, opaque)
        const id = Number(a(0));
        if (id < 0 || id >= harts.length) return ret(SBI_ERR_INVALID_PARAM);
        if (this.state[id] !== HartState.Stopped) return ret(SBI_ERR_ALREADY_AVAILABLE); // SBI §9.1 error table
        const start = Number(BigInt.asIntN(64, a(1)));
        if (!this.p.ram(start, 2)) return ret(SBI_ERR_INVALID_ADDRESS);
        this.enterSupervisor(harts[id], start, BigInt(id), a(2));
        return ret(SBI_SUCCESS);
      }
      case 1: // hart_stop: never returns to the caller
        this.state[h.id] = HartState.Stopped;
        h.halted = true;
        h.mie = MIP_MSIP;
        h.mipSoftware = 0;
        this.p.stopRunning(h); // the call does not return: the hart stops at this instruction boundary
        return ret(SBI_SUCCESS);
      case 2: { // hart_get_status
        const id = Number(a(0));
        if (id < 0 || id >= harts.length) return ret(SBI_ERR_INVALID_PARAM);
        return ret(SBI_SUCCESS, this.state[id]);
      }
      case 3: { // hart_suspend(type, resume_addr, opaque)
        const type = Number(a(0) & 0xffffffffn);
        if (type === 0) { h.waitingForInterrupt = true; return ret(SBI_SUCCESS); } // retentive: like wfi
        return ret(type === 0x80000000 ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM);
      }
      default: return ret(SBI_ERR_NOT_SUPPORTED);
    }
  }

  /** SBI §10.1: shutdown (type 0) powers off, with a failure status when the reason is 1 (system failure). */
  private systemReset(type: number, reason: number): number {
    if (reason > 1 && reason < 0xe0000000) return SBI_ERR_INVALID_PARAM;
    if (type === 0) { this.p.powerOff(reason === 1 ? 1 : 0); return SBI_SUCCESS; }
    if (type === 1 || type === 2) { this.p.reset(); return SBI_SUCCESS; }
    return SBI_ERR_INVALID_PARAM;
  }

  private dbcn(fid: number, a: (i: number) => bigint, ret: (e: number, v?: bigint | number) => void): void {
    if (fid === 2) { this.putByte(Number(a(0) & 0xffn)); return ret(SBI_SUCCESS); }
    if (fid !== 0 && fid !== 1) return ret(SBI_ERR_NOT_SUPPORTED);
    // num_bytes is an unsigned long; on RV64 base_addr_hi must be 0 (the address is all in base_addr_lo).
    const len = a(0), lo = a(1), hi = a(2);
    if (hi !== 0n || len > BigInt(Number.MAX_SAFE_INTEGER) || lo > BigInt(Number.MAX_SAFE_INTEGER)) return ret(SBI_ERR_INVALID_PARAM);
    const mem = this.p.ram(Number(lo), Number(len));
    if (!mem) return ret(SBI_ERR_INVALID_PARAM);
    if (fid === 0) { for (const b of mem) this.putByte(b); return ret(SBI_SUCCESS, len); }
    let n = 0;
    while (n < len) { const b = this.getByte(); if (b < 0) break; mem[n++] = b; }
    return ret(SBI_SUCCESS, n);
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
