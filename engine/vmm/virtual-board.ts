// The devices a hw-mode guest sees: a second virt device set (UART, PLIC, CLINT, virtio-mmio, test device) at
// the usual addresses, reached only through the VMM's MMIO emulation. Its PLIC's S-mode context of vCPU v
// drives that vCPU's virtual external interrupt (hvip.VSEIP), as an in-kernel irqchip does under KVM.
import { Hart } from '../cpu/hart';
import { MIP_VSEIP } from '../cpu/privilege';
import { Bus } from '../devices/bus';
import { ConsoleIO, PowerEvent } from '../devices/device';
import { MIP_SEIP_BIT } from '../devices/plic';
import { Ram } from '../devices/ram';
import { attachVirtDevices, VirtDevices } from '../devices/virt-devices';
import { VIRT } from '../devices/virt-map';
import { BlockBackend } from '../devices/virtio/blk-backends';
import { DmaMemory } from '../devices/virtio/dma';

const UART_LSR = 5, LSR_DR = 1;

export interface VirtualBoardWiring {
  vcpus: readonly Hart[];
  guestRam: Ram;
  console: ConsoleIO;
  drives: readonly BlockBackend[];
  dma: DmaMemory;
  mtime: () => number;
  onPower: (ev: PowerEvent) => void;
  onDeviceError?: (message: string) => void;
}

export class VirtualBoard {
  readonly bus: Bus;
  readonly devices: VirtDevices;

  constructor(w: VirtualBoardWiring) {
    this.bus = new Bus(w.guestRam);
    this.devices = attachVirtDevices(this.bus, {
      harts: w.vcpus.length,
      lines: {
        setPending: (v, bit, level) => {
          // Only the S-mode contexts reach the guest: it has no M-mode, and its CLINT timers drive nothing.
          const h = w.vcpus[v];
          if (!h || bit !== MIP_SEIP_BIT) return;
          h.mipSoftware = level ? h.mipSoftware | MIP_VSEIP : h.mipSoftware & ~MIP_VSEIP;
          h.interruptCheck = true;
        },
      },
      console: w.console, drives: w.drives, dma: w.dma, mtime: w.mtime, onPower: w.onPower,
      onDeviceError: w.onDeviceError,
    });
  }

  /** Console output through the UART's transmit register, as SBI firmware does it (DBCN, legacy putchar). */
  putByte(b: number): void {
    this.bus.store(VIRT.uart0.base, 1, b);
  }

  /** A byte from the UART's receive register, or -1 when none is waiting (LSR.DR clear). */
  getByte(): number {
    return ((this.bus.load(VIRT.uart0.base + UART_LSR, 1) ?? 0) & LSR_DR) !== 0 ? this.bus.load(VIRT.uart0.base, 1) ?? -1 : -1;
  }

  /** The device at a guest-physical address, or undefined (RAM or nothing). */
  deviceAt(gpa: number): { name: string; offset: number } | undefined {
    const f = this.bus.findDevice(gpa);
    return f ? { name: f.dev.name, offset: f.offset } : undefined;
  }
}
