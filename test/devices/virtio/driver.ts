// A minimal virtio-mmio driver for tests: negotiates features, sets up split queues in a real Ram and
// submits descriptor chains (direct, indirect, or hand-built malformed ones) through the MMIO registers.

import { Ram } from '../../../engine/devices/ram';
import { DmaMemory, ramDma } from '../../../engine/devices/virtio/dma';
import {
  VirtioDevice, VirtioMmio, VirtioMmioReg as R, VirtioStatus as S, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1,
} from '../../../engine/devices/virtio/mmio';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from '../../../engine/devices/virtio/virtqueue';

export const RAM_BASE = 0x8000_0000;

/** One buffer of a request: device-readable bytes, or `len` device-writable bytes. */
export type Buf = { data: Uint8Array; write?: false } | { len: number; write: true };

export interface QueueState {
  size: number;
  desc: number;
  avail: number;
  used: number;
  nextDesc: number;
  availIdx: number;
  seenUsed: number;
}

export interface Submitted {
  head: number;
  /** Guest address of each buffer, in the order given. */
  addrs: number[];
}

export class TestDriver {
  readonly ram: Ram;
  readonly dev: VirtioMmio;
  readonly dma: DmaMemory;
  /** Every level change of the interrupt line. */
  readonly irqEdges: boolean[] = [];
  irq = false;
  readonly errors: string[] = [];
  readonly queues = new Map<number, QueueState>();
  private brk: number;

  constructor(device: VirtioDevice | null, opts: { ramSize?: number; dma?: (ram: Ram) => DmaMemory } = {}) {
    this.ram = new Ram(RAM_BASE, opts.ramSize ?? 1024 * 1024);
    this.dma = opts.dma ? opts.dma(this.ram) : ramDma(this.ram);
    this.dev = new VirtioMmio(device, this.dma, (level) => { this.irq = level; this.irqEdges.push(level); },
      { name: 'virtio0', onGuestError: (m) => this.errors.push(m) });
    this.brk = RAM_BASE + 0x1000;
  }

  r(reg: number): number { return this.dev.read(reg, 4); }
  w(reg: number, value: number): void { this.dev.write(reg, 4, value >>> 0); }

  get status(): number { return this.r(R.Status); }
  get needsReset(): boolean { return (this.status & S.DEVICE_NEEDS_RESET) !== 0; }

  alloc(len: number, align = 16): number {
    this.brk = Math.ceil(this.brk / align) * align;
    const at = this.brk;
    this.brk += len;
    if (this.brk > this.ram.end) throw new Error('test RAM exhausted');
    return at;
  }

  poke(paddr: number, bytes: ArrayLike<number>): void { this.ram.u8.set(bytes, paddr - RAM_BASE); }
  peek(paddr: number, len: number): Uint8Array { return this.ram.u8.slice(paddr - RAM_BASE, paddr - RAM_BASE + len); }
  u8(paddr: number): number { return this.ram.u8[paddr - RAM_BASE]; }
  u16(paddr: number): number { return this.ram.view.getUint16(paddr - RAM_BASE, true); }
  u32(paddr: number): number { return this.ram.view.getUint32(paddr - RAM_BASE, true); }
  set16(paddr: number, v: number): void { this.ram.view.setUint16(paddr - RAM_BASE, v, true); }

  deviceFeatures(): bigint {
    this.w(R.DeviceFeaturesSel, 0);
    const lo = this.r(R.DeviceFeatures);
    this.w(R.DeviceFeaturesSel, 1);
    const hi = this.r(R.DeviceFeatures);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  writeDriverFeatures(f: bigint): void {
    this.w(R.DriverFeaturesSel, 0);
    this.w(R.DriverFeatures, Number(f & 0xffff_ffffn));
    this.w(R.DriverFeaturesSel, 1);
    this.w(R.DriverFeatures, Number((f >> 32n) & 0xffff_ffffn));
  }

  /** §3.1.1 steps 1-6; returns whether FEATURES_OK stuck. Accepts everything offered by default. */
  negotiate(accept?: (offered: bigint) => bigint): boolean {
    this.w(R.Status, 0);
    this.w(R.Status, S.ACKNOWLEDGE);
    this.w(R.Status, S.ACKNOWLEDGE | S.DRIVER);
    const offered = this.deviceFeatures();
    this.writeDriverFeatures(accept ? accept(offered) : offered);
    this.w(R.Status, S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    return (this.status & S.FEATURES_OK) !== 0;
  }

  /** §4.2.3.2 virtqueue configuration. */
  setupQueue(q: number, size: number): QueueState {
    this.w(R.QueueSel, q);
    const qs: QueueState = {
      size,
      desc: this.alloc(16 * size, 16),
      avail: this.alloc(6 + 2 * size, 2),
      used: this.alloc(6 + 8 * size, 4),
      nextDesc: 0, availIdx: 0, seenUsed: 0,
    };
    this.w(R.QueueNum, size);
    this.w(R.QueueDescLow, qs.desc); this.w(R.QueueDescHigh, 0);
    this.w(R.QueueDriverLow, qs.avail); this.w(R.QueueDriverHigh, 0);
    this.w(R.QueueDeviceLow, qs.used); this.w(R.QueueDeviceHigh, 0);
    this.w(R.QueueReady, 1);
    this.queues.set(q, qs);
    return qs;
  }

  driverOk(): void {
    this.w(R.Status, this.status | S.DRIVER_OK);
  }

  /** Whole initialisation: negotiate, every queue with `size` entries, DRIVER_OK. */
  init(size = 16, accept?: (offered: bigint) => bigint): void {
    if (!this.negotiate(accept)) throw new Error('FEATURES_OK refused');
    const n = this.dev.queues.length;
    for (let q = 0; q < n; q++) this.setupQueue(q, size);
    this.driverOk();
  }

  writeDesc(table: number, i: number, addr: number | bigint, len: number, flags: number, next: number): void {
    const a = BigInt(addr);
    const o = table + 16 * i - RAM_BASE;
    this.ram.view.setUint32(o, Number(a & 0xffff_ffffn), true);
    this.ram.view.setUint32(o + 4, Number((a >> 32n) & 0xffff_ffffn), true);
    this.ram.view.setUint32(o + 8, len >>> 0, true);
    this.ram.view.setUint16(o + 12, flags, true);
    this.ram.view.setUint16(o + 14, next, true);
  }

  /** Takes a descriptor slot of queue q (slots are reused round-robin: requests complete synchronously). */
  takeDesc(q: number): number {
    const qs = this.queue(q);
    const i = qs.nextDesc;
    qs.nextDesc = (qs.nextDesc + 1) % qs.size;
    return i;
  }

  /** Makes `head` available without notifying. */
  publish(q: number, head: number): void {
    const qs = this.queue(q);
    this.set16(qs.avail + 4 + 2 * (qs.availIdx % qs.size), head);
    qs.availIdx = (qs.availIdx + 1) & 0xffff;
    this.set16(qs.avail + 2, qs.availIdx);
  }

  notify(q: number): void {
    this.w(R.QueueNotify, q);
  }

  /** Lays the buffers out in RAM, chains them (through an indirect table if asked), publishes, notifies. */
  submit(q: number, bufs: Buf[], opts: { indirect?: boolean; notify?: boolean } = {}): Submitted {
    const addrs = bufs.map((b) => {
      const len = b.write ? b.len : b.data.length;
      const at = this.alloc(Math.max(len, 1), 8);
      if (!b.write) this.poke(at, b.data);
      return at;
    });
    const lens = bufs.map((b) => (b.write ? b.len : b.data.length));
    const flagsOf = (i: number) => (bufs[i].write ? VIRTQ_DESC_F_WRITE : 0);
    const qs = this.queue(q);
    let head: number;
    if (opts.indirect) {
      const table = this.alloc(16 * bufs.length, 16);
      bufs.forEach((_, i) => {
        const last = i === bufs.length - 1;
        this.writeDesc(table, i, addrs[i], lens[i], flagsOf(i) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : i + 1);
      });
      head = this.takeDesc(q);
      this.writeDesc(qs.desc, head, table, 16 * bufs.length, VIRTQ_DESC_F_INDIRECT, 0);
    } else {
      const slots = bufs.map(() => this.takeDesc(q));
      head = slots[0];
      bufs.forEach((_, i) => {
        const last = i === bufs.length - 1;
        this.writeDesc(qs.desc, slots[i], addrs[i], lens[i], flagsOf(i) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : slots[i + 1]);
      });
    }
    this.publish(q, head);
    if (opts.notify !== false) this.notify(q);
    return { head, addrs };
  }

  /** Used ring entries the driver has not seen yet. */
  takeUsed(q: number): { id: number; len: number }[] {
    const qs = this.queue(q);
    const out: { id: number; len: number }[] = [];
    const idx = this.u16(qs.used + 2);
    while (qs.seenUsed !== idx) {
      const e = qs.used + 4 + 8 * (qs.seenUsed % qs.size);
      out.push({ id: this.u32(e), len: this.u32(e + 4) });
      qs.seenUsed = (qs.seenUsed + 1) & 0xffff;
    }
    return out;
  }

  ack(): number {
    const s = this.r(R.InterruptStatus);
    this.w(R.InterruptACK, s);
    return s;
  }

  queue(q: number): QueueState {
    const qs = this.queues.get(q);
    if (!qs) throw new Error(`queue ${q} not set up`);
    return qs;
  }
}

export const ALL_BUT_INDIRECT = (f: bigint): bigint => f & ~VIRTIO_F_INDIRECT_DESC;
export const ONLY_VERSION_1 = (): bigint => VIRTIO_F_VERSION_1;
