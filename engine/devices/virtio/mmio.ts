// The virtio-mmio transport, version 2 ("modern", VIRTIO 1.2 §4.2): one 0x1000-byte slot of QEMU's virt
// board holding registers, feature negotiation, queue setup and the interrupt line for one virtio device.

import type { MmioDevice } from '../device';
import type { DmaMemory } from './dma';
import { Virtqueue, VirtqueueEvents, VIRTQ_MAX_SIZE } from './virtqueue';

export const VIRTIO_MMIO_MAGIC = 0x7472_6976; // "virt", little-endian
export const VIRTIO_MMIO_VERSION = 2;
/** "QEMU" little-endian: the VendorID QEMU's virtio-mmio reports. */
export const VIRTIO_MMIO_VENDOR = 0x554d_4551;
export const VIRTIO_MMIO_SIZE = 0x1000;

/** §4.2.2 register offsets. */
export const VirtioMmioReg = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  QueueReset: 0x0c0,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** §2.1 device status bits. */
export const VirtioStatus = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** §6 reserved feature bits this transport and its split queues implement. */
export const VIRTIO_F_INDIRECT_DESC = 1n << 28n;
export const VIRTIO_F_VERSION_1 = 1n << 32n;
/** Device-type feature bits (§2.2: bits 0 to 23); the transport owns the rest. */
const DEVICE_FEATURE_MASK = (1n << 24n) - 1n;

/** §4.2.2 InterruptStatus bits. */
export const VIRTIO_INT_USED_BUFFER = 1;
export const VIRTIO_INT_CONFIG_CHANGE = 2;

/** QueueNumMax when the device does not choose one: QEMU's virtio-blk default. */
export const DEFAULT_QUEUE_MAX = 256;

/** What a device may ask of its transport outside a queue notification. */
export interface VirtioHost {
  /** Queue `index` when the driver has it running (DRIVER_OK, QueueReady, no pending reset). */
  queue(index: number): Virtqueue | undefined;
  /** The device changed its configuration space: bump ConfigGeneration and notify the driver. */
  configChanged(): void;
  /** Features the driver accepted (0 before FEATURES_OK). */
  readonly negotiatedFeatures: bigint;
}

/** A virtio device type (block, console, ...) behind a transport. */
export interface VirtioDevice {
  /** §5 device ID: 2 block, 3 console. */
  readonly deviceId: number;
  /** Device-type feature bits (0..23); the transport adds VIRTIO_F_VERSION_1 and VIRTIO_F_INDIRECT_DESC. */
  readonly features: bigint;
  readonly numQueues: number;
  /** QueueNumMax for every queue; a power of 2, default DEFAULT_QUEUE_MAX. */
  readonly queueMaxSize?: number;
  /** Device configuration space at byte `offset` (from 0x100 of the slot); zero-extended value. */
  configRead(offset: number, width: 1 | 2 | 4): number;
  configWrite(offset: number, width: 1 | 2 | 4, value: number): void;
  /** The driver notified queue `q` (only once DRIVER_OK is set and the queue is ready). */
  queueNotify(q: number, vq: Virtqueue): void;
  /** Status was written 0 (or the machine reset): forget everything the driver set up. */
  reset(): void;
  /** Called once by the transport's constructor. */
  bind?(host: VirtioHost): void;
}

export interface VirtioMmioOptions {
  /** MmioDevice name; the machine uses the slot name, e.g. "virtio7". */
  name?: string;
  /** Every guest error that set DEVICE_NEEDS_RESET, for logs and the debugger. */
  onGuestError?(message: string): void;
}

const WIDTH_MASK = [0, 0xff, 0xffff, 0, 0xffff_ffff];

export class VirtioMmio implements MmioDevice, VirtioHost {
  readonly name: string;
  readonly size = VIRTIO_MMIO_SIZE;
  readonly queues: readonly Virtqueue[];
  /** The last guest error, kept for the debugger's device view. */
  lastError: string | undefined;

  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private irqLevel = false;
  private configGeneration = 0;
  private readonly offered: bigint;

  constructor(
    readonly device: VirtioDevice | null,
    memory: DmaMemory,
    private readonly irq: (level: boolean) => void,
    private readonly options: VirtioMmioOptions = {},
  ) {
    this.name = options.name ?? 'virtio-mmio';
    const events: VirtqueueEvents = {
      used: () => this.raise(VIRTIO_INT_USED_BUFFER),
      guestError: (vq, message) => this.guestError(`queue ${vq.index}: ${message}`),
    };
    const max = device?.queueMaxSize ?? DEFAULT_QUEUE_MAX;
    if (device && (max < 1 || max > VIRTQ_MAX_SIZE || (max & (max - 1)) !== 0)) {
      throw new Error(`virtio device ${device.deviceId}: queue size ${max} is not a power of 2 up to ${VIRTQ_MAX_SIZE}`);
    }
    this.queues = Array.from({ length: device?.numQueues ?? 0 }, (_, i) => new Virtqueue(i, max, memory, events));
    this.offered = device ? (device.features & DEVICE_FEATURE_MASK) | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC : 0n;
    device?.bind?.(this);
  }

  get negotiatedFeatures(): bigint {
    return this.status & VirtioStatus.FEATURES_OK ? this.driverFeatures : 0n;
  }

  /** Whether the device stopped on a guest error and waits for Status = 0. */
  get needsReset(): boolean {
    return (this.status & VirtioStatus.DEVICE_NEEDS_RESET) !== 0;
  }

  queue(index: number): Virtqueue | undefined {
    const vq = this.queues[index];
    return vq && vq.ready && this.running() ? vq : undefined;
  }

  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & VirtioStatus.DRIVER_OK) this.raise(VIRTIO_INT_CONFIG_CHANGE);
  }

  read(offset: number, width: 1 | 2 | 4): number {
    if (offset >= VirtioMmioReg.Config) {
      return this.device ? (this.device.configRead(offset - VirtioMmioReg.Config, width) & WIDTH_MASK[width]) >>> 0 : 0;
    }
    // §4.2.2.2: control registers are accessed 32 bits wide and aligned; anything else reads as 0.
    if (width !== 4 || offset % 4 !== 0) return 0;
    const R = VirtioMmioReg;
    switch (offset) {
      case R.MagicValue: return VIRTIO_MMIO_MAGIC;
      case R.Version: return VIRTIO_MMIO_VERSION;
      case R.DeviceID: return this.device?.deviceId ?? 0;
      case R.VendorID: return VIRTIO_MMIO_VENDOR;
    }
    if (!this.device) return 0; // §4.2.2: DeviceID 0 is a placeholder with nothing behind it
    const vq = this.queues[this.queueSel];
    switch (offset) {
      case R.DeviceFeatures: return featureWord(this.offered, this.deviceFeaturesSel);
      case R.QueueNumMax: return vq ? vq.maxSize : 0;
      case R.QueueReady: return vq?.ready ? 1 : 0;
      case R.InterruptStatus: return this.interruptStatus;
      case R.Status: return this.status;
      // §4.2.2: no shared memory regions, so every SHMSel reads length -1 and base ~0.
      case R.SHMLenLow: case R.SHMLenHigh: case R.SHMBaseLow: case R.SHMBaseHigh: return 0xffff_ffff;
      case R.ConfigGeneration: return this.configGeneration;
      default: return 0; // write-only and reserved registers
    }
  }

  write(offset: number, width: 1 | 2 | 4, value: number): void {
    if (!this.device) return;
    if (offset >= VirtioMmioReg.Config) {
      this.device.configWrite(offset - VirtioMmioReg.Config, width, (value & WIDTH_MASK[width]) >>> 0);
      return;
    }
    if (width !== 4 || offset % 4 !== 0) return;
    value >>>= 0;
    const R = VirtioMmioReg;
    const vq = this.queues[this.queueSel];
    // §4.2.2.2: while QueueReady is 1 the driver must not touch the queue's size or addresses.
    const setup = vq && !vq.ready ? vq : undefined;
    switch (offset) {
      case R.DeviceFeaturesSel: this.deviceFeaturesSel = value; break;
      case R.DriverFeaturesSel: this.driverFeaturesSel = value; break;
      case R.DriverFeatures: this.writeDriverFeatures(value); break;
      case R.QueueSel: this.queueSel = value; break;
      case R.QueueNum: if (setup) setup.size = value; break;
      case R.QueueDescLow: if (setup) setup.descAddr = setLow(setup.descAddr, value); break;
      case R.QueueDescHigh: if (setup) setup.descAddr = setHigh(setup.descAddr, value); break;
      case R.QueueDriverLow: if (setup) setup.driverAddr = setLow(setup.driverAddr, value); break;
      case R.QueueDriverHigh: if (setup) setup.driverAddr = setHigh(setup.driverAddr, value); break;
      case R.QueueDeviceLow: if (setup) setup.deviceAddr = setLow(setup.deviceAddr, value); break;
      case R.QueueDeviceHigh: if (setup) setup.deviceAddr = setHigh(setup.deviceAddr, value); break;
      case R.QueueReady: this.writeQueueReady(vq, value); break;
      case R.QueueNotify: this.notify(value & 0xffff); break;
      case R.InterruptACK: this.interruptStatus &= ~value; this.updateIrq(); break;
      case R.Status: this.writeStatus(value & 0xff); break;
      default: break; // read-only and reserved registers
    }
  }

  /** Device reset (§2.4), as on writing 0 to Status; the machine also calls it on system reset. */
  reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    this.interruptStatus = 0;
    this.updateIrq();
    for (const vq of this.queues) vq.reset();
    this.lastError = undefined;
    this.device?.reset();
  }

  private running(): boolean {
    return (this.status & (VirtioStatus.DRIVER_OK | VirtioStatus.DEVICE_NEEDS_RESET)) === VirtioStatus.DRIVER_OK;
  }

  private writeDriverFeatures(value: number): void {
    // §3.1.1: features are fixed once FEATURES_OK is set; only words 0 and 1 exist.
    if (this.status & VirtioStatus.FEATURES_OK || this.driverFeaturesSel > 1) return;
    const shift = BigInt(this.driverFeaturesSel * 32);
    this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value) << shift);
  }

  private writeQueueReady(vq: Virtqueue | undefined, value: number): void {
    if (!vq) return;
    if ((value & 1) === 0) { vq.disable(); return; }
    if (vq.ready) return;
    vq.indirect = (this.negotiatedFeatures & VIRTIO_F_INDIRECT_DESC) !== 0n;
    vq.enable();
  }

  /** §2.1: writing sets status bits (they stay set until reset); 0 resets. FEATURES_OK only sticks when
   *  the accepted features are a subset of the offer that includes VIRTIO_F_VERSION_1 (§2.2.2, §6.1). */
  private writeStatus(value: number): void {
    if (value === 0) { this.reset(); return; }
    const S = VirtioStatus;
    const old = this.status;
    let next = old | (value & ~S.DEVICE_NEEDS_RESET);
    if (next & S.FEATURES_OK && !(old & S.FEATURES_OK) && !this.featuresAcceptable()) next &= ~S.FEATURES_OK;
    this.status = next;
    if (next & S.DRIVER_OK && !(old & S.DRIVER_OK)) {
      if (!(next & S.FEATURES_OK)) { this.guestError('DRIVER_OK set without FEATURES_OK'); return; }
      // Buffers made available before DRIVER_OK were not acted on: look at them now.
      for (const vq of this.queues) if (vq.hasAvailable()) this.notify(vq.index);
    }
  }

  private featuresAcceptable(): boolean {
    const f = this.driverFeatures;
    return (f & ~this.offered) === 0n && (f & VIRTIO_F_VERSION_1) !== 0n;
  }

  private notify(index: number): void {
    const vq = this.queues[index];
    if (!vq || !vq.ready || !this.running() || vq.isBroken) return;
    this.device!.queueNotify(index, vq);
  }

  /** §2.1.2: a guest error sets DEVICE_NEEDS_RESET and, once DRIVER_OK is set, raises a configuration
   *  change notification; the device then ignores the queues until reset. */
  private guestError(message: string): void {
    this.lastError = message;
    if (this.status & VirtioStatus.DEVICE_NEEDS_RESET) return;
    this.status |= VirtioStatus.DEVICE_NEEDS_RESET;
    if (this.status & VirtioStatus.DRIVER_OK) this.raise(VIRTIO_INT_CONFIG_CHANGE);
    this.options.onGuestError?.(`${this.name}: ${message}`);
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }
}

function featureWord(features: bigint, sel: number): number {
  return sel > 1 ? 0 : Number((features >> BigInt(sel * 32)) & 0xffff_ffffn);
}

/** 64-bit guest addresses kept as numbers: exact below 2^53, and anything above is outside RAM anyway. */
function setLow(addr: number, low: number): number {
  return Math.floor(addr / 4294967296) * 4294967296 + low;
}

function setHigh(addr: number, high: number): number {
  return high * 4294967296 + (addr % 4294967296);
}
