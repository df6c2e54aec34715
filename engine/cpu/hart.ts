// Architectural state of one hart: registers as (lo, hi) int32 pairs, pc, privilege and virtualization mode,
// CSRs, pending trap.
import { HartMemory } from '../mmu/hart-memory';
import { CsrSideEffects } from './csr-file';
import { MSTATUS_HI_XLEN64, PRIV_M, Privilege } from './privilege';

/** What the hart needs from the machine around it (time, code-cache maintenance). */
export interface HartEnvironment {
  /** Current mtime (10 MHz ticks). */
  mtime(): number;
  /** fence.i: decoded and translated code may be stale. */
  fenceI(hartId: number): void;
}

export const NO_TRAP = -1;

export class Hart {
  /** Low and high words of x0–x31; x0 is re-zeroed after every instruction. */
  readonly lo = new Int32Array(32);
  readonly hi = new Int32Array(32);
  /** pc as the signed 64-bit value in a JS number (exact for every canonical address). */
  pc = 0;
  /** Address of the next instruction; handlers of control transfers set it. */
  npc = 0;
  /** Nominal privilege (U, S, M). With `virt`, S is VS-mode and U is VU-mode (Priv §13.1). */
  priv: Privilege = PRIV_M;
  /** The virtualization mode V of the H extension: the hart runs a guest (VS/VU) when true. Changed only by
   *  trap entry and xRET (traps.ts), which also flush the translation caches: TLB entries never mix V=0 and V=1. */
  virt = false;

  /** Pending synchronous exception (cause) raised by the current instruction, or NO_TRAP. */
  exc = NO_TRAP;
  excTvalLo = 0;
  excTvalHi = 0;
  /** Extra trap information the memory system adds to a fault (Priv §13.6.2): the guest physical address >> 2
   *  for mtval2/htval, the value for mtinst/htinst, and whether the tval is a guest virtual address (GVA) of an
   *  access made with two-stage translation while V=0 (HLV/HSV, MPRV with MPV). Cleared by raise(). */
  excTval2Lo = 0;
  excTval2Hi = 0;
  excTinst = 0;
  excGva = false;

  /** Plain CSR storage by address, (lo, hi) words; CSRs with rules of their own live in fields below. */
  readonly csrLo = new Int32Array(4096);
  readonly csrHi = new Int32Array(4096);
  mstatus = 0;
  mstatusHi = MSTATUS_HI_XLEN64;
  /** Interrupt-pending bits driven by devices (MSIP, MTIP, MEIP, SEIP lines). */
  mipLines = 0;
  /** Interrupt-pending bits written by software (SSIP, STIP, SEIP). */
  mipSoftware = 0;
  mie = 0;
  mideleg = 0;
  medeleg = 0;
  /** GEILEN (Priv §13.2.4): guest external interrupt lines of this hart, 0 on the virt board (no IMSIC). */
  geilen = 0;
  /** hgeip: guest external interrupt lines as the interrupt controller drives them (bits geilen:1). */
  hgeip = 0;

  /** Instructions retired since reset. */
  instret = 0;
  /** minstret/mcycle = instret + offset (software writes set the offset). */
  minstretOffset = 0;
  mcycleOffset = 0;

  /** Stopped in wfi until an interrupt is pending. */
  waitingForInterrupt = false;
  /** Not running at all (SBI HSM STOPPED, or a secondary hart before it is started). */
  halted = false;
  /** Something that can change interrupt deliverability changed: re-evaluate before the next instruction. */
  interruptCheck = true;
  /** Privilege or translation-relevant state changed: memory caches must be re-validated. */
  translationEpoch = 0;

  /** Memory as this hart sees it; set by the machine when it wires the hart. */
  mem!: HartMemory;
  /** Caches to flush when CSR writes change translation or protection. */
  fx!: CsrSideEffects;

  constructor(readonly id: number, readonly env: HartEnvironment) {}

  get mip(): number {
    return this.mipLines | this.mipSoftware;
  }

  /** Records an exception for the current instruction; the run loop turns it into trap entry. */
  raise(cause: number, tvalLo = 0, tvalHi = 0): void {
    this.exc = cause;
    this.excTvalLo = tvalLo;
    this.excTvalHi = tvalHi;
    this.excTval2Lo = 0;
    this.excTval2Hi = 0;
    this.excTinst = 0;
    this.excGva = false;
  }

  /** Register as a bigint (tests, the debugger). */
  getX(i: number): bigint {
    return BigInt.asUintN(64, (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i] >>> 0));
  }

  setX(i: number, v: bigint): void {
    if (i === 0) return;
    const u = BigInt.asUintN(64, v);
    this.lo[i] = Number(u & 0xffffffffn) | 0;
    this.hi[i] = Number(u >> 32n) | 0;
  }

  /** pc as an unsigned 64-bit bigint. */
  getPc(): bigint {
    return BigInt.asUintN(64, BigInt(this.pc));
  }

  setPc(v: bigint): void {
    const s = BigInt.asIntN(64, v);
    if (s >= 1n << 53n || s < -(1n << 53n)) throw new Error(`pc 0x${BigInt.asUintN(64, v).toString(16)} is outside the representable address range`);
    this.pc = Number(s);
  }
}
