// The physical address space: RAM plus MMIO device windows; the slow path behind the CPU's TLB fast path.

import type { MmioDevice } from './device';
import type { Ram } from './ram';

/** Physical addresses are at most 56 bits wide (Sv39/Sv48 PPNs); nothing may be mapped above. */
const PADDR_LIMIT = 2 ** 56;

export interface Mapping {
  readonly base: number;
  readonly dev: MmioDevice;
}

export class Bus {
  readonly ram: Ram;
  // Parallel arrays sorted by base: a binary search over plain numbers, no object hop per probe.
  private readonly bases: number[] = [];
  private readonly sizes: number[] = [];
  private readonly devs: MmioDevice[] = [];

  constructor(ram: Ram) {
    this.ram = ram;
  }

  /** Maps `dev` at [base, base + dev.size). Overlaps are wiring bugs, so they throw at machine build time. */
  attach(base: number, dev: MmioDevice): void {
    const size = dev.size;
    if (!Number.isInteger(base) || base < 0) {
      throw new Error(`cannot attach ${dev.name}: base ${base} is not a non-negative integer`);
    }
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new Error(`cannot attach ${dev.name}: window size ${size} is not a positive integer`);
    }
    const end = base + size;
    if (end > PADDR_LIMIT) {
      throw new Error(`cannot attach ${dev.name}: window ${range(base, end)} exceeds the 56-bit physical address space`);
    }
    const ram = this.ram;
    if (base < ram.end && end > ram.base) {
      throw new Error(`cannot attach ${dev.name} at ${range(base, end)}: overlaps RAM ${range(ram.base, ram.end)}`);
    }
    let at = 0;
    for (let i = 0; i < this.bases.length; i++) {
      const b = this.bases[i];
      const e = b + this.sizes[i];
      if (base < e && end > b) {
        throw new Error(
          `cannot attach ${dev.name} at ${range(base, end)}: overlaps ${this.devs[i].name} ${range(b, e)}`);
      }
      if (b < base) at = i + 1;
    }
    this.bases.splice(at, 0, base);
    this.sizes.splice(at, 0, size);
    this.devs.splice(at, 0, dev);
  }

  /** The attached devices in address order, for the device-tree builder and the debugger's views. */
  mappings(): Mapping[] {
    return this.devs.map((dev, i) => ({ base: this.bases[i], dev }));
  }

  findDevice(paddr: number): { dev: MmioDevice; offset: number } | undefined {
    const i = this.indexOf(paddr);
    return i < 0 ? undefined : { dev: this.devs[i], offset: paddr - this.bases[i] };
  }

  /** Unsigned value, or undefined when nothing answers (the CPU raises a load access fault). */
  load(paddr: number, width: 1 | 2 | 4): number | undefined {
    const ram = this.ram;
    const off = paddr - ram.base;
    if (off >= 0 && off + width <= ram.size) {
      // DataView copes with any alignment, which is why misaligned RAM accesses are sent here.
      if (width === 4) return ram.view.getUint32(off, true);
      if (width === 2) return ram.view.getUint16(off, true);
      return ram.u8[off];
    }
    const i = this.deviceSlot(paddr, width);
    return i < 0 ? undefined : this.devs[i].read(paddr - this.bases[i], width);
  }

  /** False when nothing accepts the store (the CPU raises a store/AMO access fault). */
  store(paddr: number, width: 1 | 2 | 4, value: number): boolean {
    const ram = this.ram;
    const off = paddr - ram.base;
    if (off >= 0 && off + width <= ram.size) {
      if (width === 4) ram.view.setUint32(off, value >>> 0, true);
      else if (width === 2) ram.view.setUint16(off, value & 0xffff, true);
      else ram.u8[off] = value & 0xff;
      return true;
    }
    const i = this.deviceSlot(paddr, width);
    if (i < 0) return false;
    const v = width === 4 ? value >>> 0 : value & (width === 2 ? 0xffff : 0xff);
    this.devs[i].write(paddr - this.bases[i], width, v);
    return true;
  }

  /** 8-byte load into out[0] (low word) and out[1] (high word). Devices see two 4-byte reads, low first,
   *  after the whole range was checked, so a fault never leaves half an access done. */
  load64(paddr: number, out: Uint32Array): boolean {
    const ram = this.ram;
    const off = paddr - ram.base;
    if (off >= 0 && off + 8 <= ram.size) {
      out[0] = ram.view.getUint32(off, true);
      out[1] = ram.view.getUint32(off + 4, true);
      return true;
    }
    const i = this.deviceSlot(paddr, 8);
    if (i < 0) return false;
    const dev = this.devs[i];
    const offset = paddr - this.bases[i];
    out[0] = dev.read(offset, 4);
    out[1] = dev.read(offset + 4, 4);
    return true;
  }

  /** 8-byte store of (hi:lo); devices see two 4-byte writes, low word first, as in device.ts. */
  store64(paddr: number, lo: number, hi: number): boolean {
    const ram = this.ram;
    const off = paddr - ram.base;
    if (off >= 0 && off + 8 <= ram.size) {
      ram.view.setUint32(off, lo >>> 0, true);
      ram.view.setUint32(off + 4, hi >>> 0, true);
      return true;
    }
    const i = this.deviceSlot(paddr, 8);
    if (i < 0) return false;
    const dev = this.devs[i];
    const offset = paddr - this.bases[i];
    dev.write(offset, 4, lo >>> 0);
    dev.write(offset + 4, 4, hi >>> 0);
    return true;
  }

  /** Index of the device that owns `paddr`, or -1. */
  private indexOf(paddr: number): number {
    const bases = this.bases;
    let lo = 0;
    let hi = bases.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (bases[mid] <= paddr) lo = mid + 1;
      else hi = mid - 1;
    }
    // hi is now the last device whose base is <= paddr.
    return hi >= 0 && paddr - bases[hi] < this.sizes[hi] ? hi : -1;
  }

  /** The device slot for a whole access, or -1. Accesses that run past the window end or are not
   *  naturally aligned are refused, as QEMU refuses them for its devices (both become access faults). */
  private deviceSlot(paddr: number, width: number): number {
    const i = this.indexOf(paddr);
    if (i < 0) return -1;
    const offset = paddr - this.bases[i];
    if (offset + width > this.sizes[i] || offset % width !== 0) return -1;
    return i;
  }
}

function range(start: number, end: number): string {
  return `[0x${start.toString(16)}, 0x${end.toString(16)})`;
}
