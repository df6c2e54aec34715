// The device tree of Ringside's `virt` board, laid out like QEMU's so guests written for it boot unchanged.
//
// Node names, compatibles and interrupt wiring follow QEMU hw/riscv/virt.c `create_fdt()` and the functions
// it calls (create_fdt_socket_cpus/_memory/_clint/_plic, create_fdt_virtio, create_fdt_reset,
// create_fdt_uart) for the default machine (one socket, SiFive CLINT, PLIC, no AIA). Left out on purpose:
// the nodes of devices Ringside does not model (pci, flash, rtc, fw-cfg, platform-bus, pmu) and
// /chosen/rng-seed, which would make the blob differ from run to run.

import { FdtNode, writeFdt } from './fdt-writer';
import { PLIC_MAX_SOURCE } from './plic';
import { UART0_IRQ, VIRT, VIRTIO_COUNT, VIRTIO_IRQ_BASE, virtioSlot } from './virt-map';

export interface VirtDtbConfig {
  harts: number;
  ramBase: number;
  ramSize: number;
  /** /cpus/cpu@N/riscv,isa, e.g. 'rv64imac_zicsr_zifencei_sstc'. */
  isa: string;
  /** /cpus/cpu@N/mmu-type; null = no MMU, written as "riscv,none" as QEMU does for an MMU-less CPU. */
  mmuType: 'riscv,sv39' | 'riscv,sv48' | null;
  /** /chosen/bootargs (the kernel command line), omitted when undefined. */
  bootargs?: string;
  /** Physical range of an initial ramdisk: /chosen/linux,initrd-start and -end (end exclusive). */
  initrd?: { start: number; end: number };
  /** How many virtio-mmio transports (slots 0..n-1 of the virt map) get a node. */
  virtioSlots: number;
  /** /cpus/timebase-frequency: the rate of mtime (VIRT_TIMEBASE_HZ on QEMU's board). */
  timebaseHz: number;
  /** When true, the ISA string is made to advertise Sstc (appended if missing), so Linux uses stimecmp. */
  hasSstc?: boolean;
}

/** NS16550A input clock on virt: 3.6864 MHz (create_fdt_uart, clock-frequency 3686400). */
const UART_CLOCK_HZ = 3_686_400;

/** Local interrupt numbers on a hart's riscv,cpu-intc = mip bit numbers (privileged spec, mip layout). */
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

/** SiFive test finisher commands the syscon-poweroff/-reboot nodes write (create_fdt_reset). */
const FINISHER_PASS = 0x5555;
const FINISHER_RESET = 0x7777;

/** Builds the DTB blob for `cfg`. Deterministic: the same config always gives the same bytes. */
export function buildVirtDtb(cfg: VirtDtbConfig): Uint8Array {
  return writeFdt(virtDeviceTree(cfg), { bootCpuidPhys: 0 });
}

/** Size in bytes of buildVirtDtb(cfg), e.g. to reserve its place in RAM before building it. */
export function dtbSize(cfg: VirtDtbConfig): number {
  return buildVirtDtb(cfg).length;
}

/** Where QEMU copies the DTB: 2 MiB aligned, just below the end of RAM or 3 GiB, whichever is lower
 *  (hw/riscv/boot.c riscv_load_fdt / riscv_compute_fdt_addr in QEMU 7.2). QEMU 9+ drops the 3 GiB cap
 *  for RV64; the two agree whenever RAM ends at or below 3 GiB, i.e. up to 1 GiB of RAM at 0x8000_0000. */
export function virtDtbAddress(ramBase: number, ramSize: number, blobSize: number): number {
  const THREE_GIB = 3 * 1024 ** 3;
  const TWO_MIB = 2 * 1024 ** 2;
  const ramEnd = ramBase + ramSize;
  const top = ramBase < THREE_GIB ? Math.min(ramEnd, THREE_GIB) : ramEnd;
  const addr = Math.floor((top - blobSize) / TWO_MIB) * TWO_MIB;
  if (addr < ramBase) throw new Error(`a ${blobSize}-byte DTB does not fit below 0x${top.toString(16)}`);
  return addr;
}

/** The board's tree, before serialisation (exported for tests and for tools that want to inspect it). */
export function virtDeviceTree(cfg: VirtDtbConfig): FdtNode {
  checkConfig(cfg);
  const harts = cfg.harts;
  // Phandles: cpu N = 2N+1, its interrupt controller 2N+2, then the PLIC and the test finisher.
  const cpuPhandle = (h: number) => 2 * h + 1;
  const intcPhandle = (h: number) => 2 * h + 2;
  const plicPhandle = 2 * harts + 1;
  const testPhandle = 2 * harts + 2;
  const perHart = (a: number, b: number) =>
    Array.from({ length: harts }, (_, h) => [intcPhandle(h), a, intcPhandle(h), b]).flat();

  const root = new FdtNode('')
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'riscv-virtio')
    .string('model', 'riscv-virtio,qemu');

  const chosen = root.addChild('chosen');
  if (cfg.bootargs !== undefined) chosen.string('bootargs', cfg.bootargs);
  chosen.string('stdout-path', `/soc/serial@${hex(VIRT.uart0.base)}`);
  if (cfg.initrd) {
    // Linux reads either cell width; 64-bit values keep initrds above 4 GiB describable.
    chosen.u64('linux,initrd-start', cfg.initrd.start).u64('linux,initrd-end', cfg.initrd.end);
  }

  root
    .addChild(`memory@${hex(cfg.ramBase)}`)
    .string('device_type', 'memory')
    .u64s('reg', [cfg.ramBase, cfg.ramSize]);

  const cpus = root
    .addChild('cpus')
    .u32('#address-cells', 1)
    .u32('#size-cells', 0)
    .u32('timebase-frequency', cfg.timebaseHz);
  const isa = cfg.hasSstc && !/_sstc(_|$)/.test(cfg.isa) ? `${cfg.isa}_sstc` : cfg.isa;
  for (let h = 0; h < harts; h++) {
    const cpu = cpus
      .addChild(`cpu@${hex(h)}`)
      .string('device_type', 'cpu')
      .u32('reg', h)
      .string('status', 'okay')
      .string('compatible', 'riscv')
      .string('riscv,isa', isa)
      .string('mmu-type', cfg.mmuType ?? 'riscv,none')
      .phandle(cpuPhandle(h));
    // The hart-local interrupt controller: its interrupt specifier is the mip bit number.
    cpu
      .addChild('interrupt-controller')
      .u32('#interrupt-cells', 1)
      .empty('interrupt-controller')
      .string('compatible', 'riscv,cpu-intc')
      .phandle(intcPhandle(h));
  }
  const cluster = cpus.addChild('cpu-map').addChild('cluster0');
  for (let h = 0; h < harts; h++) cluster.addChild(`core${h}`).u32('cpu', cpuPhandle(h));

  const soc = root
    .addChild('soc')
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'simple-bus')
    .empty('ranges');

  soc
    .addChild(`test@${hex(VIRT.test.base)}`)
    .strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon'])
    .u64s('reg', [VIRT.test.base, VIRT.test.size])
    .phandle(testPhandle);

  soc
    .addChild(`clint@${hex(VIRT.clint.base)}`)
    .strings('compatible', ['sifive,clint0', 'riscv,clint0'])
    .u64s('reg', [VIRT.clint.base, VIRT.clint.size])
    .cells('interrupts-extended', perHart(IRQ_M_SOFT, IRQ_M_TIMER));

  soc
    .addChild(`plic@${hex(VIRT.plic.base)}`)
    .u32('#interrupt-cells', 1)
    .u32('#address-cells', 0)
    .strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .empty('interrupt-controller')
    // Context 2h is hart h's M mode, 2h+1 its S mode: the order of these pairs defines the contexts.
    .cells('interrupts-extended', perHart(IRQ_M_EXT, IRQ_S_EXT))
    .u64s('reg', [VIRT.plic.base, VIRT.plic.size])
    // The highest source id (VIRT_IRQCHIP_NUM_SOURCES - 1, as QEMU 8+ writes it; 7.2 wrote 96).
    .u32('riscv,ndev', PLIC_MAX_SOURCE)
    .phandle(plicPhandle);

  soc
    .addChild(`serial@${hex(VIRT.uart0.base)}`)
    .string('compatible', 'ns16550a')
    .u64s('reg', [VIRT.uart0.base, VIRT.uart0.size])
    .u32('clock-frequency', UART_CLOCK_HZ)
    .u32('interrupt-parent', plicPhandle)
    .u32('interrupts', UART0_IRQ);

  for (let n = 0; n < cfg.virtioSlots; n++) {
    const slot = virtioSlot(n);
    soc
      .addChild(`virtio_mmio@${hex(slot.base)}`)
      .string('compatible', 'virtio,mmio')
      .u64s('reg', [slot.base, slot.size])
      .u32('interrupt-parent', plicPhandle)
      .u32('interrupts', VIRTIO_IRQ_BASE + n);
  }

  // Generic syscon drivers: Linux powers off / reboots by writing `value` at `offset` in the test device.
  root
    .addChild('poweroff')
    .string('compatible', 'syscon-poweroff')
    .u32('regmap', testPhandle)
    .u32('offset', 0)
    .u32('value', FINISHER_PASS);
  root
    .addChild('reboot')
    .string('compatible', 'syscon-reboot')
    .u32('regmap', testPhandle)
    .u32('offset', 0)
    .u32('value', FINISHER_RESET);

  return root;
}

function checkConfig(cfg: VirtDtbConfig): void {
  // 512 harts: QEMU's VIRT_CPUS_MAX, and the number of PLIC context pairs the window holds.
  if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > 512) {
    throw new Error(`virt DTB: ${cfg.harts} harts (1..512)`);
  }
  if (!Number.isSafeInteger(cfg.ramBase) || !Number.isSafeInteger(cfg.ramSize) || cfg.ramBase < 0 || cfg.ramSize <= 0) {
    throw new Error(`virt DTB: bad RAM 0x${cfg.ramBase.toString(16)}+0x${cfg.ramSize.toString(16)}`);
  }
  if (!Number.isInteger(cfg.virtioSlots) || cfg.virtioSlots < 0 || cfg.virtioSlots > VIRTIO_COUNT) {
    throw new Error(`virt DTB: ${cfg.virtioSlots} virtio slots (0..${VIRTIO_COUNT})`);
  }
  if (cfg.initrd && !(cfg.initrd.start >= 0 && cfg.initrd.end >= cfg.initrd.start)) {
    throw new Error('virt DTB: initrd end before start');
  }
}

function hex(n: number): string {
  return n.toString(16);
}
