// The physical memory map and interrupt numbers of QEMU's riscv `virt` board, in one table.
//
// Source: QEMU hw/riscv/virt.c `virt_memmap[]` and include/hw/riscv/virt.h. Matching them lets guests
// and device trees written for `qemu-system-riscv64 -machine virt` run unchanged, and lets the
// differential tests compare against QEMU address for address.

export interface VirtRegion {
  /** Same as the MmioDevice name of the device mapped there. */
  readonly name: string;
  readonly base: number;
  /** Window size in bytes; 0 for DRAM, whose size the machine chooses (QEMU's `-m`). */
  readonly size: number;
}

/** virtio-mmio transports: VIRTIO_COUNT slots of 0x1000 bytes from 0x1000_1000 (virt.h, virt.c). */
export const VIRTIO_MMIO_BASE = 0x1000_1000;
export const VIRTIO_MMIO_STRIDE = 0x1000;
export const VIRTIO_COUNT = 8;

/** PLIC window: VIRT_PLIC_SIZE(VIRT_CPUS_MAX * 2) = 0x20_0000 + 1024 contexts * 0x1000 (virt.h,
 *  VIRT_CPUS_MAX = 512). Older QEMU versions mapped less; the base has not moved. */
export const PLIC_SIZE = 0x60_0000;

/** mtime frequency: QEMU's RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ, the DTB's /cpus/timebase-frequency. */
export const VIRT_TIMEBASE_HZ = 10_000_000;

/** PLIC interrupt source numbers (virt.h): UART0_IRQ, and VIRTIO_IRQ + n for virtio slot n. */
export const UART0_IRQ = 10;
export const VIRTIO_IRQ_BASE = 1;

/** The regions by name. Harts reset to VIRT.mrom.base, where QEMU places its reset vector. */
export const VIRT = {
  mrom: { name: 'mrom', base: 0x0000_1000, size: 0xf000 },
  test: { name: 'test', base: 0x0010_0000, size: 0x1000 },
  clint: { name: 'clint', base: 0x0200_0000, size: 0x1_0000 },
  plic: { name: 'plic', base: 0x0c00_0000, size: PLIC_SIZE },
  uart0: { name: 'uart0', base: 0x1000_0000, size: 0x100 },
  dram: { name: 'dram', base: 0x8000_0000, size: 0 },
} as const satisfies Record<string, VirtRegion>;

/** The window of virtio-mmio slot `n` (0..7); its PLIC source is VIRTIO_IRQ_BASE + n. */
export function virtioSlot(n: number): VirtRegion {
  if (!Number.isInteger(n) || n < 0 || n >= VIRTIO_COUNT) {
    throw new Error(`virtio-mmio slot ${n} does not exist on virt (0..${VIRTIO_COUNT - 1})`);
  }
  return { name: `virtio${n}`, base: VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_STRIDE, size: VIRTIO_MMIO_STRIDE };
}

/** Every region above in address order: for the DTB builder, the bus wiring and the memory view. */
export const VIRT_MEMMAP: readonly VirtRegion[] = [
  VIRT.mrom,
  VIRT.test,
  VIRT.clint,
  VIRT.plic,
  VIRT.uart0,
  ...Array.from({ length: VIRTIO_COUNT }, (_, n) => virtioSlot(n)),
  VIRT.dram,
];
