// SiFive CLINT / ACLINT (MSWI + MTIMER) of QEMU's virt board: software and timer interrupts, mtime.

import type { InterruptLines, MmioDevice } from './device';

export const MIP_MSIP_BIT = 3;
export const MIP_MTIP_BIT = 7;

const MSIP_BASE = 0x0000;
const MTIMECMP_BASE = 0x4000;
const MTIME = 0xbff8;
/** mtimecmp ends where mtime begins, which bounds the hart count (4095, as in the ACLINT spec). */
const MAX_HARTS = (MTIME - MTIMECMP_BASE) / 8;

const TWO_32 = 0x1_0000_0000;
/** A timer further away than this cannot be reached by a JS tick count; treat it as never. */
const TWO_53 = 2 ** 53;

export class Clint implements MmioDevice {
  readonly name = 'clint';
  readonly size = 0x10000;
  readonly numHarts: number;

  private readonly lines: InterruptLines;
  private readonly now: () => number;

  private readonly msip: Uint8Array;
  // 64-bit registers as unsigned 32-bit halves: mtimecmp may be 2^64 - 1, beyond exact JS numbers, and
  // the comparison runs at every timer check, where BigInt would cost an allocation.
  private readonly cmpLo: Uint32Array;
  private readonly cmpHi: Uint32Array;
  /** mtime = now() + offset (mod 2^64); writing mtime moves the offset, not the machine's clock. */
  private offLo = 0;
  private offHi = 0;
  /** Last MTIP level driven per hart (-1 = not yet driven), so unchanged levels are not re-sent. */
  private readonly mtip: Int8Array;

  /** `onTimerWritten` runs after a guest write to mtime or an mtimecmp: the next deadline may have moved. */
  constructor(numHarts: number, lines: InterruptLines, now: () => number, private readonly onTimerWritten?: () => void) {
    if (!Number.isInteger(numHarts) || numHarts < 1 || numHarts > MAX_HARTS) {
      throw new Error(`CLINT supports 1..${MAX_HARTS} harts, not ${numHarts}`);
    }
    this.numHarts = numHarts;
    this.lines = lines;
    this.now = now;
    this.msip = new Uint8Array(numHarts);
    // Power-on mtimecmp is 0, as in QEMU (see reset()).
    this.cmpLo = new Uint32Array(numHarts);
    this.cmpHi = new Uint32Array(numHarts);
    this.mtip = new Int8Array(numHarts).fill(-1);
    this.reset();
  }

  /** Device reset, matching QEMU (hw/intc/riscv_aclint.c): msip cleared, mtime set to 0, mtimecmp kept.
   *  QEMU zeroes timecmp[] once, in riscv_aclint_mtimer_create(), and its reset handler only writes
   *  mtime = 0 (the ACLINT spec leaves mtimecmp unknown at reset). So at power-on mtimecmp = 0 <= mtime and
   *  MTIP is pending until firmware programs mtimecmp; after a warm reset the old compare values remain. */
  reset(): void {
    this.msip.fill(0);
    this.setMtime(0, 0);
    for (let h = 0; h < this.numHarts; h++) this.lines.setPending(h, MIP_MSIP_BIT, false);
    this.mtip.fill(-1);
    this.update();
  }

  /** Low 32 bits of mtime (also what the `time` CSR reads). */
  mtimeLo(): number {
    const now = this.ticks();
    return (now % TWO_32 + this.offLo) % TWO_32;
  }

  /** High 32 bits of mtime. */
  mtimeHi(): number {
    const now = this.ticks();
    const nowLo = now % TWO_32;
    const carry = nowLo + this.offLo >= TWO_32 ? 1 : 0;
    return (Math.floor(now / TWO_32) + this.offHi + carry) >>> 0;
  }

  /** Recomputes MTIP for every hart from mtime >= mtimecmp; the machine calls it as time advances. */
  update(): void {
    const lo = this.mtimeLo();
    const hi = this.mtimeHi();
    for (let h = 0; h < this.numHarts; h++) this.updateHart(h, lo, hi);
  }

  /** Ticks until hart `hartId`'s timer fires: 0 when already due, Infinity when it never will (within
   *  2^53 ticks), so the machine can skip ahead while every hart waits in wfi. */
  ticksUntilNextTimer(hartId: number): number {
    if (!(hartId >= 0 && hartId < this.numHarts)) return Infinity;
    const lo = this.mtimeLo();
    const hi = this.mtimeHi();
    const cLo = this.cmpLo[hartId];
    const cHi = this.cmpHi[hartId];
    if (hi > cHi || (hi === cHi && lo >= cLo)) return 0;
    // Both halves of the difference are exact: cmp > mtime, so the high part does not go negative.
    const borrow = cLo < lo ? 1 : 0;
    const dHi = cHi - hi - borrow;
    const dLo = cLo - lo + borrow * TWO_32;
    const ticks = dHi * TWO_32 + dLo;
    return ticks >= TWO_53 ? Infinity : ticks;
  }

  read(offset: number, width: 1 | 2 | 4): number {
    const word = this.readWord(offset & ~3);
    if (width === 4) return word;
    const shift = (offset & 3) * 8;
    return (word >>> shift) & (width === 2 ? 0xffff : 0xff);
  }

  write(offset: number, width: 1 | 2 | 4, value: number): void {
    const aligned = offset & ~3;
    if (width === 4) {
      this.writeWord(aligned, value >>> 0);
      return;
    }
    // Narrow writes merge into the 32-bit register (QEMU refuses them; merging is the gentler choice).
    const shift = (offset & 3) * 8;
    const mask = (width === 2 ? 0xffff : 0xff) << shift;
    const merged = (this.readWord(aligned) & ~mask) | ((value << shift) & mask);
    this.writeWord(aligned, merged >>> 0);
  }

  private readWord(offset: number): number {
    if (offset < MTIMECMP_BASE) {
      const h = (offset - MSIP_BASE) >>> 2;
      return h < this.numHarts ? this.msip[h] : 0;
    }
    if (offset < MTIME) {
      const h = (offset - MTIMECMP_BASE) >>> 3;
      if (h >= this.numHarts) return 0;
      return offset & 4 ? this.cmpHi[h] : this.cmpLo[h];
    }
    if (offset === MTIME) return this.mtimeLo();
    if (offset === MTIME + 4) return this.mtimeHi();
    return 0;
  }

  private writeWord(offset: number, value: number): void {
    if (offset < MTIMECMP_BASE) {
      const h = (offset - MSIP_BASE) >>> 2;
      if (h >= this.numHarts) return;
      this.msip[h] = value & 1;
      this.lines.setPending(h, MIP_MSIP_BIT, (value & 1) !== 0);
      return;
    }
    if (offset < MTIME) {
      const h = (offset - MTIMECMP_BASE) >>> 3;
      if (h >= this.numHarts) return;
      if (offset & 4) this.cmpHi[h] = value;
      else this.cmpLo[h] = value;
      this.updateHart(h, this.mtimeLo(), this.mtimeHi());
      this.onTimerWritten?.();
      return;
    }
    if (offset === MTIME) {
      this.setMtime(value, this.mtimeHi());
      this.update();
      this.onTimerWritten?.();
    } else if (offset === MTIME + 4) {
      this.setMtime(this.mtimeLo(), value);
      this.update();
      this.onTimerWritten?.();
    }
  }

  /** Makes mtime read (hi:lo) now, by setting offset = mtime - now() modulo 2^64. */
  private setMtime(lo: number, hi: number): void {
    const now = this.ticks();
    const nowLo = now % TWO_32;
    const nowHi = Math.floor(now / TWO_32) % TWO_32;
    const borrow = lo < nowLo ? 1 : 0;
    this.offLo = lo - nowLo + borrow * TWO_32;
    this.offHi = (hi - nowHi - borrow) >>> 0;
  }

  /** The machine's tick count as a whole number, so mtime's halves stay integers. */
  private ticks(): number {
    return Math.floor(this.now());
  }

  private updateHart(h: number, lo: number, hi: number): void {
    const cHi = this.cmpHi[h];
    const level = hi > cHi || (hi === cHi && lo >= this.cmpLo[h]) ? 1 : 0;
    if (this.mtip[h] === level) return;
    this.mtip[h] = level;
    this.lines.setPending(h, MIP_MTIP_BIT, level === 1);
  }
}
