// A Machine rigged for CPU and MMU unit tests: code placed as encoded words, parked trap handlers, direct access
// to registers, CSRs and privilege, and a PMP that lets S/U see everything when a test asks for it.
import { csrRead, csrWrite } from '../../engine/cpu/csr-file';
import type { Hart } from '../../engine/cpu/hart';
import { RESULT } from '../../engine/cpu/int64';
import type { Privilege } from '../../engine/cpu/privilege';
import { Machine } from '../../engine/machine';
import { insnSize, J_SELF } from '../support/asm';

export const BASE = 0x8000_0000;
export const RAM_SIZE = 1 << 20;
export const RAM_END = BASE + RAM_SIZE;
/** mtvec: parks on `j .` so mepc/mcause/mtval stay as the trap left them. */
export const M_TRAP = BASE + 0x1_0000;
/** stvec: parks likewise. */
export const S_TRAP = BASE + 0x1_0100;
/** A data page well away from code. */
export const DATA = BASE + 0x2_0000;
export const CLINT = 0x0200_0000;

export const CSR = {
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143,
  sip: 0x144, satp: 0x180,
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305, mcounteren: 0x306,
  mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  pmpcfg0: 0x3a0, pmpcfg2: 0x3a2, pmpaddr0: 0x3b0,
  mcycle: 0xb00, minstret: 0xb02, cycle: 0xc00, time: 0xc01, instret: 0xc02, hpmcounter3: 0xc03,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14,
} as const;

export const PRIV_U: Privilege = 0;
export const PRIV_S: Privilege = 1;
export const PRIV_M: Privilege = 3;

/** mstatus bits (Priv §3.1.6). */
export const MS = {
  SIE: 1n << 1n, MIE: 1n << 3n, SPIE: 1n << 5n, MPIE: 1n << 7n, SPP: 1n << 8n, MPP: 3n << 11n,
  MPRV: 1n << 17n, SUM: 1n << 18n, MXR: 1n << 19n, TVM: 1n << 20n, TW: 1n << 21n, TSR: 1n << 22n,
} as const;
export const mppOf = (mstatus: bigint) => Number((mstatus >> 11n) & 3n);

export const INTERRUPT = 1n << 63n;
export const u64 = (v: bigint) => BigInt.asUintN(64, v);
export const hex = (v: bigint | number) => `0x${u64(BigInt(v)).toString(16)}`;

/** pmpaddr value of a NAPOT region of `size` bytes (a power of two >= 8) at `base` (aligned to its size). */
export function napot(base: bigint, size: bigint): bigint {
  return (base >> 2n) | ((size >> 3n) - 1n);
}
/** pmpcfg fields (Priv §3.7.1). */
export const PMP = { R: 1, W: 2, X: 4, TOR: 1 << 3, NA4: 2 << 3, NAPOT: 3 << 3, L: 0x80 } as const;

export class Rig {
  readonly m: Machine;

  constructor(opts: { harts?: number } = {}) {
    this.m = new Machine({ console: { write: () => undefined }, ramSize: RAM_SIZE, harts: opts.harts ?? 1 });
    this.put(M_TRAP, J_SELF);
    this.put(S_TRAP, J_SELF);
    for (let i = 0; i < this.m.harts.length; i++) {
      this.setCsr(CSR.mtvec, BigInt(M_TRAP), i);
      this.setCsr(CSR.stvec, BigInt(S_TRAP), i);
      this.m.harts[i].pc = BASE;
      // Park the timer far in the future so MTIP never interferes unless a test programs it.
      this.m.clint.write(0x4000 + 8 * i + 4, 4, 0xffff_ffff);
      this.m.clint.write(0x4000 + 8 * i, 4, 0xffff_ffff);
    }
  }

  hart(i = 0): Hart {
    return this.m.harts[i];
  }

  /** Writes instructions (16- or 32-bit by their low bits) from `addr`; returns the address after them. */
  put(addr: number, ...insns: number[]): number {
    let a = addr;
    for (const w of insns) {
      const size = insnSize(w);
      const off = a - BASE;
      if (size === 4) this.m.ram.view.setUint32(off, w >>> 0, true);
      else this.m.ram.view.setUint16(off, w & 0xffff, true);
      a += size;
    }
    // A write from outside the guest (like the debugger's) must drop decoded code.
    this.m.interp.flushAll();
    return a;
  }

  /** Places code at `addr` and points hart `hart` there. */
  code(addr: number, insns: number[], hart = 0): number {
    const end = this.put(addr, ...insns);
    this.hart(hart).pc = addr;
    return end;
  }

  poke8(addr: number, v: number): void { this.m.ram.u8[addr - BASE] = v; }
  poke16(addr: number, v: number): void { this.m.ram.view.setUint16(addr - BASE, v, true); }
  poke32(addr: number, v: number): void { this.m.ram.view.setUint32(addr - BASE, v >>> 0, true); }
  poke64(addr: number, v: bigint): void { this.m.ram.view.setBigUint64(addr - BASE, u64(v), true); }
  peek8(addr: number): number { return this.m.ram.u8[addr - BASE]; }
  peek16(addr: number): number { return this.m.ram.view.getUint16(addr - BASE, true); }
  peek32(addr: number): number { return this.m.ram.view.getUint32(addr - BASE, true); }
  peek64(addr: number): bigint { return this.m.ram.view.getBigUint64(addr - BASE, true); }

  x(i: number, hart = 0): bigint { return this.hart(hart).getX(i); }
  setX(i: number, v: bigint | number, hart = 0): void { this.hart(hart).setX(i, BigInt(v)); }
  pc(hart = 0): number { return this.hart(hart).pc; }

  /** CSR value as the hart holds it (no privilege check). */
  csr(addr: number, hart = 0): bigint {
    const lo = csrRead(this.hart(hart), addr);
    return (BigInt(RESULT.hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  /** CSR write with the hart's WARL rules and side effects, as an M-mode csrw would do. */
  setCsr(addr: number, v: bigint, hart = 0): void {
    const h = this.hart(hart);
    const u = u64(v);
    csrWrite(h, addr, Number(u & 0xffff_ffffn) | 0, Number(u >> 32n) | 0, h.fx);
  }

  priv(hart = 0): number { return this.hart(hart).priv; }

  /** Switches privilege as a trap or xRET would (caches told, interrupts re-evaluated). */
  setPriv(p: Privilege, hart = 0): void {
    const h = this.hart(hart);
    h.priv = p;
    h.fx.translationChanged(h);
    h.interruptCheck = true;
  }

  /** PMP entry 0 = NAPOT over the whole physical address space with RWX, so S and U may access everything. */
  allowAllPmp(hart = 0): void {
    this.setCsr(CSR.pmpaddr0, (1n << 54n) - 1n, hart);
    this.setCsr(CSR.pmpcfg0, 0x1fn, hart);
  }

  /** Programs PMP entries 0.. as [cfg byte, pmpaddr]; the remaining entries of pmpcfg0 are OFF. */
  setPmp(entries: [number, bigint][], hart = 0): void {
    let cfg = 0n;
    entries.forEach(([c, addr], i) => {
      this.setCsr(CSR.pmpaddr0 + i, addr, hart);
      cfg |= BigInt(c) << BigInt(8 * i);
    });
    this.setCsr(CSR.pmpcfg0, cfg, hart);
  }

  step(n = 1, hart = 0): void {
    for (let i = 0; i < n; i++) this.m.step(hart);
  }

  /** Steps until pc reaches `addr` (or `limit` steps); returns the number of steps taken. */
  stepTo(addr: number, limit = 1000, hart = 0): number {
    let n = 0;
    while (this.pc(hart) !== addr && n < limit) { this.m.step(hart); n++; }
    return n;
  }

  /** Raises device interrupt lines (MSIP/MTIP/MEIP/SEIP bits of mip) as the CLINT or a PLIC would. */
  raiseLines(mask: number, hart = 0): void {
    const h = this.hart(hart);
    h.mipLines |= mask;
    h.interruptCheck = true;
  }
}
