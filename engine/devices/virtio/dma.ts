// Guest-physical memory as virtio devices see it: RAM only, bounds-checked, never throwing.

import type { Ram } from '../ram';

/** What a virtio device may touch: guest-physical RAM. A bad address is a guest error, reported by the
 *  return value (undefined / false) so the device can set DEVICE_NEEDS_RESET instead of throwing. */
export interface DmaMemory {
  /** The bytes of [paddr, paddr + len), or undefined when any of them is not RAM. Implementations should
   *  return a view rather than a copy: callers use it at once and never keep it. */
  read(paddr: number, len: number): Uint8Array | undefined;
  /** Copies `data` to paddr; false (and nothing written) when any byte would fall outside RAM. */
  write(paddr: number, data: Uint8Array): boolean;
  /** Optional fast check that [paddr, paddr + len) is RAM; without it the virtqueue probes with read(). */
  contains?(paddr: number, len: number): boolean;
}

/** DmaMemory over the machine's RAM. `onWrite` runs after every successful device write, so the machine
 *  can treat DMA like a store (drop decoded code on that page, break LR reservations, HTIF watch). */
export function ramDma(ram: Ram, onWrite?: (paddr: number, len: number) => void): DmaMemory {
  const contains = (paddr: number, len: number): boolean =>
    Number.isInteger(paddr) && Number.isInteger(len) && ram.contains(paddr, len);
  return {
    contains,
    read(paddr, len) {
      if (!contains(paddr, len)) return undefined;
      const off = paddr - ram.base;
      return ram.u8.subarray(off, off + len);
    },
    write(paddr, data) {
      if (!contains(paddr, data.length)) return false;
      ram.u8.set(data, paddr - ram.base);
      if (onWrite && data.length > 0) onWrite(paddr, data.length);
      return true;
    },
  };
}
