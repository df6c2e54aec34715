// The virt board's device set at QEMU's addresses (virt-map.ts), wired to interrupt lines, a console, disks and
// DMA. The physical board builds it on its bus; the hw VMM builds a second one as the devices its guest sees.
import { Bus } from './bus';
import { Clint } from './clint';
import { ConsoleIO, InterruptLines, PowerEvent } from './device';
import { Plic } from './plic';
import { SifiveTest } from './syscon';
import { Uart16550 } from './uart16550';
import { UART0_IRQ, VIRT, VIRTIO_COUNT, VIRTIO_IRQ_BASE, virtioSlot } from './virt-map';
import { VirtioBlk } from './virtio/blk';
import { BlockBackend } from './virtio/blk-backends';
import { DmaMemory } from './virtio/dma';
import { VirtioDevice, VirtioMmio } from './virtio/mmio';

export interface VirtDeviceWiring {
  harts: number;
  /** MSIP/MTIP from the CLINT, MEIP/SEIP from the PLIC (context 2h → M, 2h+1 → S of hart h). */
  lines: InterruptLines;
  console: ConsoleIO;
  /** Disks, attached as virtio-blk in QEMU's order (the first drive takes the highest slot). */
  drives: readonly BlockBackend[];
  dma: DmaMemory;
  /** mtime in ticks. */
  mtime: () => number;
  /** A timer register was written: deadlines must be recomputed. */
  onTimerWritten?: () => void;
  onPower: (ev: PowerEvent) => void;
  onDeviceError?: (message: string) => void;
}

export interface VirtDevices {
  clint: Clint;
  plic: Plic;
  uart: Uart16550;
  virtio: VirtioMmio[];
}

export function attachVirtDevices(bus: Bus, w: VirtDeviceWiring): VirtDevices {
  const clint = new Clint(w.harts, w.lines, w.mtime, w.onTimerWritten);
  const plic = new Plic(w.harts, w.lines);
  const uart = new Uart16550(w.console, (level) => plic.setSourceLevel(UART0_IRQ, level));
  bus.attach(VIRT.plic.base, plic);
  // Every virtio-mmio slot gets a transport (empty ones answer DeviceID 0, as on QEMU), PLIC source n+1.
  const devices: (VirtioDevice | null)[] = Array(VIRTIO_COUNT).fill(null);
  w.drives.forEach((b, k) => { devices[VIRTIO_COUNT - 1 - k] = new VirtioBlk(b); });
  const virtio: VirtioMmio[] = [];
  for (let n = 0; n < VIRTIO_COUNT; n++) {
    const slot = virtioSlot(n);
    const t = new VirtioMmio(devices[n], w.dma, (level) => plic.setSourceLevel(VIRTIO_IRQ_BASE + n, level),
      { name: slot.name, onGuestError: w.onDeviceError });
    bus.attach(slot.base, t);
    virtio.push(t);
  }
  bus.attach(VIRT.test.base, new SifiveTest(w.onPower));
  bus.attach(VIRT.clint.base, clint);
  bus.attach(VIRT.uart0.base, uart);
  return { clint, plic, uart, virtio };
}
