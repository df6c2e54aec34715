// Split virtqueues (VIRTIO 1.2 §2.7), device side: walk descriptor chains off the available ring, return
// them on the used ring, and treat every malformed structure as a guest error rather than a hang or throw.

import type { DmaMemory } from './dma';

// §2.7.5 descriptor flags.
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** §2.7.6: the driver asks for no used buffer notifications (honoured as a SHOULD, §2.7.7). */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** §2.7: "The maximum Queue Size value is 32768". */
export const VIRTQ_MAX_SIZE = 32768;
export const DESC_SIZE = 16;
/** §2.7.5 driver requirement: a chain may not exceed 2^32 bytes in total (the used ring's len is 32 bits). */
const MAX_CHAIN_BYTES = 0xffff_ffff;
const TWO_32 = 4294967296;

/** A guest-physical buffer, already checked to lie in RAM. */
export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/** One request as the device sees it: device-readable buffers, then device-writable ones (§2.7.4). The
 *  device must not depend on how they are split into descriptors (§2.7.4.1), so it reads and writes them
 *  as two flat byte streams. */
export class DescriptorChain {
  constructor(
    /** Index of the head descriptor: what goes back in the used ring's id. */
    readonly head: number,
    readonly readable: readonly Segment[],
    readonly writable: readonly Segment[],
    readonly readableLength: number,
    readonly writableLength: number,
    private readonly memory: DmaMemory,
  ) {}

  /** A copy of `len` device-readable bytes from stream offset `offset`, or undefined if that runs past the
   *  end of the readable part. */
  read(offset: number, len: number): Uint8Array | undefined {
    if (offset < 0 || len < 0 || offset + len > this.readableLength) return undefined;
    const out = new Uint8Array(len);
    let pos = 0;
    let skip = offset;
    for (const s of this.readable) {
      if (pos === len) break;
      if (skip >= s.len) { skip -= s.len; continue; }
      const n = Math.min(s.len - skip, len - pos);
      const bytes = this.memory.read(s.addr + skip, n);
      if (!bytes) return undefined;
      out.set(bytes, pos);
      pos += n;
      skip = 0;
    }
    return out;
  }

  /** Scatters `data` into the device-writable stream at `offset`; false if it does not fit. */
  write(offset: number, data: Uint8Array): boolean {
    if (offset < 0 || offset + data.length > this.writableLength) return false;
    let pos = 0;
    let skip = offset;
    for (const s of this.writable) {
      if (pos === data.length) break;
      if (skip >= s.len) { skip -= s.len; continue; }
      const n = Math.min(s.len - skip, data.length - pos);
      if (!this.memory.write(s.addr + skip, data.subarray(pos, pos + n))) return false;
      pos += n;
      skip = 0;
    }
    return true;
  }
}

/** How a queue reports back to its transport. */
export interface VirtqueueEvents {
  /** A buffer went onto the used ring and the driver did not suppress notifications. */
  used(queue: Virtqueue): void;
  /** The driver broke the protocol: the transport sets DEVICE_NEEDS_RESET. */
  guestError(queue: Virtqueue, message: string): void;
}

export class Virtqueue {
  /** Queue Size chosen by the driver (QueueNum). */
  size: number;
  /** Guest-physical addresses of the Descriptor, Driver (available ring) and Device (used ring) areas. */
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  /** Whether VIRTIO_F_INDIRECT_DESC was negotiated. */
  indirect = false;
  private enabled = false;
  private broken = false;
  private lastAvail = 0;
  private usedIdx = 0;

  constructor(
    readonly index: number,
    /** QueueNumMax: the largest size the device accepts. */
    readonly maxSize: number,
    private readonly memory: DmaMemory,
    private readonly events: VirtqueueEvents,
  ) {
    this.size = maxSize;
  }

  get ready(): boolean { return this.enabled; }
  /** True after a guest error, until the device is reset. */
  get isBroken(): boolean { return this.broken; }

  /** Back to the state after device reset (§4.2.2.1: ready bits cleared). */
  reset(): void {
    this.size = this.maxSize;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.indirect = false;
    this.enabled = false;
    this.broken = false;
    this.lastAvail = this.usedIdx = 0;
  }

  /** QueueReady = 1. Checks the size (§2.7: a power of 2, at most QueueNumMax) and that the three areas are
   *  aligned (§2.7.1) and lie in RAM; on failure the queue stays disabled and a guest error is raised. */
  enable(): boolean {
    const n = this.size;
    if (n === 0 || n > this.maxSize || (n & (n - 1)) !== 0) {
      return this.refuse(`queue size ${n} is not a power of 2 in 1..${this.maxSize}`);
    }
    if (this.descAddr % 16 !== 0 || this.driverAddr % 2 !== 0 || this.deviceAddr % 4 !== 0) {
      return this.refuse('ring areas are misaligned (descriptors 16, available ring 2, used ring 4 bytes)');
    }
    if (!this.inRam(this.descAddr, DESC_SIZE * n)) return this.refuse(`descriptor table at ${hex(this.descAddr)} is not in RAM`);
    if (!this.inRam(this.driverAddr, 6 + 2 * n)) return this.refuse(`available ring at ${hex(this.driverAddr)} is not in RAM`);
    if (!this.inRam(this.deviceAddr, 6 + 8 * n)) return this.refuse(`used ring at ${hex(this.deviceAddr)} is not in RAM`);
    this.enabled = true;
    this.lastAvail = this.usedIdx = 0;
    return true;
  }

  /** QueueReady = 0: the device stops looking at the rings. */
  disable(): void {
    this.enabled = false;
  }

  /** Records a guest error found by the device (a malformed request): the queue stops until reset. */
  fail(message: string): undefined {
    if (!this.broken) {
      this.broken = true;
      this.events.guestError(this, message);
    }
    return undefined;
  }

  /** Whether the driver has made buffers available that the device has not taken yet. */
  hasAvailable(): boolean {
    if (!this.enabled || this.broken) return false;
    const idx = this.read16(this.driverAddr + 2);
    return idx !== undefined && idx !== this.lastAvail;
  }

  /** Takes the next available descriptor chain, or undefined when there is none or the queue is broken. */
  pop(): DescriptorChain | undefined {
    if (!this.enabled || this.broken) return undefined;
    const availIdx = this.read16(this.driverAddr + 2);
    if (availIdx === undefined) return this.fail('available ring became unreadable');
    const pending = (availIdx - this.lastAvail) & 0xffff;
    if (pending === 0) return undefined;
    // §2.7.6: idx only grows, and never by more than the ring holds.
    if (pending > this.size) {
      return this.fail(`available idx jumped from ${this.lastAvail} to ${availIdx}, past the queue size ${this.size}`);
    }
    const head = this.read16(this.driverAddr + 4 + 2 * (this.lastAvail % this.size));
    if (head === undefined) return this.fail('available ring became unreadable');
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    return this.walk(head);
  }

  /** Returns a chain on the used ring with the number of bytes written into it (§2.7.8), then notifies
   *  the driver unless it set VIRTQ_AVAIL_F_NO_INTERRUPT (§2.7.7.2, EVENT_IDX not negotiated). */
  push(chain: DescriptorChain, written: number): void {
    if (!this.enabled || this.broken) return;
    const slot = this.deviceAddr + 4 + 8 * (this.usedIdx % this.size);
    const elem = new Uint8Array(8);
    const view = new DataView(elem.buffer);
    view.setUint32(0, chain.head, true);
    view.setUint32(4, Math.min(written, chain.writableLength) >>> 0, true);
    // §2.7.8.2: len is set before the used idx moves.
    if (!this.memory.write(slot, elem)) { this.fail('used ring became unwritable'); return; }
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    if (!this.write16(this.deviceAddr + 2, this.usedIdx)) { this.fail('used ring became unwritable'); return; }
    const flags = this.read16(this.driverAddr);
    if (flags === undefined) { this.fail('available ring became unreadable'); return; }
    if ((flags & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0) this.events.used(this);
  }

  /** Follows a chain from `head`, through at most one indirect table, checking every rule the device
   *  relies on. Every descriptor visited counts against the queue size, so loops end (§2.7.5.3.1). */
  private walk(head: number): DescriptorChain | undefined {
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let readLen = 0;
    let writeLen = 0;
    let table = this.descAddr;
    let tableSize = this.size;
    let inIndirect = false;
    let visited = 0;
    let i = head;
    for (;;) {
      if (i >= tableSize) {
        return this.fail(`descriptor index ${i} is outside the ${inIndirect ? 'indirect table' : 'descriptor table'} of ${tableSize}`);
      }
      if (++visited > this.size) {
        return this.fail(`descriptor chain from head ${head} is longer than the queue size ${this.size} (a loop?)`);
      }
      const d = this.memory.read(table + DESC_SIZE * i, DESC_SIZE);
      if (!d) return this.fail(`descriptor ${i} at ${hex(table + DESC_SIZE * i)} is not in RAM`);
      const view = new DataView(d.buffer, d.byteOffset, DESC_SIZE);
      const addr = view.getUint32(0, true) + view.getUint32(4, true) * TWO_32;
      const len = view.getUint32(8, true);
      const flags = view.getUint16(12, true);
      const next = view.getUint16(14, true);

      if (flags & VIRTQ_DESC_F_INDIRECT) {
        // §2.7.5.3.1: only when negotiated, never nested, never combined with NEXT; §2.7.5.3.2: it may
        // follow direct descriptors, and its own WRITE flag is ignored.
        if (!this.indirect) return this.fail('INDIRECT descriptor but VIRTIO_F_INDIRECT_DESC was not negotiated');
        if (inIndirect) return this.fail('INDIRECT descriptor inside an indirect table');
        if (flags & VIRTQ_DESC_F_NEXT) return this.fail('descriptor has both INDIRECT and NEXT');
        if (len === 0 || len % DESC_SIZE !== 0) return this.fail(`indirect table length ${len} is not a positive multiple of 16`);
        if (!this.inRam(addr, len)) return this.fail(`indirect table at ${hex(addr)} (+${len}) is not in RAM`);
        table = addr;
        tableSize = len / DESC_SIZE;
        inIndirect = true;
        visited--; // the pointer to the table is not a buffer of the chain
        i = 0;
        continue;
      }

      if (len > 0) {
        if (!this.inRam(addr, len)) return this.fail(`buffer at ${hex(addr)} (+${len}) is not in RAM`);
        if (flags & VIRTQ_DESC_F_WRITE) {
          writable.push({ addr, len });
          writeLen += len;
        } else {
          // §2.7.4.2: device-readable buffers come first.
          if (writable.length > 0) return this.fail('device-readable descriptor after a device-writable one');
          readable.push({ addr, len });
          readLen += len;
        }
        if (readLen + writeLen > MAX_CHAIN_BYTES) return this.fail(`descriptor chain from head ${head} is longer than 2^32 bytes`);
      }
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) break;
      i = next;
    }
    return new DescriptorChain(head, readable, writable, readLen, writeLen, this.memory);
  }

  private refuse(message: string): false {
    this.fail(message);
    return false;
  }

  private inRam(paddr: number, len: number): boolean {
    return this.memory.contains ? this.memory.contains(paddr, len) : this.memory.read(paddr, len) !== undefined;
  }

  private read16(paddr: number): number | undefined {
    const b = this.memory.read(paddr, 2);
    return b ? b[0] | (b[1] << 8) : undefined;
  }

  private write16(paddr: number, value: number): boolean {
    return this.memory.write(paddr, new Uint8Array([value & 0xff, (value >>> 8) & 0xff]));
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
