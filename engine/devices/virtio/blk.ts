// virtio-blk (VIRTIO 1.2 §5.2, device ID 2): one request queue of read, write, flush and get-id requests
// served synchronously from a BlockBackend.

import type { BlockBackend } from './blk-backends';
import type { VirtioDevice } from './mmio';
import { DEFAULT_QUEUE_MAX } from './mmio';
import type { DescriptorChain, Virtqueue } from './virtqueue';

export type { BlockBackend } from './blk-backends';

export const VIRTIO_ID_BLOCK = 2;
/** The protocol's sector: capacity and request sectors are always in these units (§5.2.5). */
export const BLK_SECTOR = 512;

// §5.2.3 feature bits.
export const VIRTIO_BLK_F_SEG_MAX = 1n << 2n;
export const VIRTIO_BLK_F_RO = 1n << 5n;
export const VIRTIO_BLK_F_BLK_SIZE = 1n << 6n;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;

// §5.2.6 request types and status values.
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
/** §5.2.6: the ID string is NUL-padded to 20 bytes. */
export const VIRTIO_BLK_ID_BYTES = 20;

/** §5.2.6: type (le32), reserved (le32), sector (le64). */
const HEADER_BYTES = 16;

// §5.2.4 struct virtio_blk_config offsets.
const CFG_CAPACITY = 0;
const CFG_SEG_MAX = 12;
const CFG_BLK_SIZE = 20;
const CFG_NUM_QUEUES = 34;
/** Up to and including the secure-erase fields; everything not set here reads 0. */
const CONFIG_BYTES = 60;

export interface VirtioBlkOptions {
  /** The GET_ID string (/sys/block/vda/serial); ASCII, cut to 20 bytes. QEMU's default is empty. */
  serial?: string;
  /** QueueNumMax, a power of 2 (default 256). */
  queueSize?: number;
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly numQueues = 1;
  readonly features: bigint;
  readonly queueMaxSize: number;
  readonly capacity: number;
  private readonly config = new Uint8Array(CONFIG_BYTES);
  private readonly id = new Uint8Array(VIRTIO_BLK_ID_BYTES);

  constructor(readonly backend: BlockBackend, opts: VirtioBlkOptions = {}) {
    this.queueMaxSize = opts.queueSize ?? DEFAULT_QUEUE_MAX;
    this.capacity = Math.floor(backend.size / BLK_SECTOR);
    this.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
      (backend.readOnly ? VIRTIO_BLK_F_RO : 0n);
    const view = new DataView(this.config.buffer);
    view.setUint32(CFG_CAPACITY, this.capacity % 4294967296, true);
    view.setUint32(CFG_CAPACITY + 4, Math.floor(this.capacity / 4294967296), true);
    // Room for the header and status descriptors besides the data segments (what QEMU advertises).
    view.setUint32(CFG_SEG_MAX, this.queueMaxSize - 2, true);
    view.setUint32(CFG_BLK_SIZE, BLK_SECTOR, true);
    view.setUint16(CFG_NUM_QUEUES, 1, true);
    const serial = opts.serial ?? '';
    for (let i = 0; i < Math.min(serial.length, VIRTIO_BLK_ID_BYTES); i++) this.id[i] = serial.charCodeAt(i) & 0x7f;
  }

  configRead(offset: number, width: 1 | 2 | 4): number {
    if (offset < 0 || offset + width > CONFIG_BYTES) return 0;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + this.config[offset + i];
    return v;
  }

  /** Only `writeback` is writable, and only with VIRTIO_BLK_F_CONFIG_WCE, which is not offered. */
  configWrite(): void {}

  queueNotify(_q: number, vq: Virtqueue): void {
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      if (!this.serve(vq, chain)) return;
    }
  }

  reset(): void {}

  /** Handles one request; false after a guest error that stopped the queue. */
  private serve(vq: Virtqueue, chain: DescriptorChain): boolean {
    // §5.2.6: a 16-byte device-readable header first, a device-writable status byte last, however the
    // driver split them into descriptors (§2.7.4.1).
    if (chain.readableLength < HEADER_BYTES || chain.writableLength < 1) {
      vq.fail(`virtio-blk request ${chain.head} lacks its 16-byte header or status byte`);
      return false;
    }
    const header = chain.read(0, HEADER_BYTES);
    if (!header) { vq.fail('virtio-blk request header unreadable'); return false; }
    const h = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
    const type = h.getUint32(0, true);
    const sector = h.getUint32(8, true) + h.getUint32(12, true) * 4294967296;
    const inLength = chain.writableLength - 1; // device-writable bytes before the status byte

    let status: number;
    let written = 0;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        status = this.checkRange(sector, inLength);
        if (status !== VIRTIO_BLK_S_OK) break;
        const data = new Uint8Array(inLength);
        status = this.attempt(() => this.backend.read(sector * BLK_SECTOR, data));
        if (status !== VIRTIO_BLK_S_OK) break;
        if (!chain.write(0, data)) { vq.fail('virtio-blk read buffer unwritable'); return false; }
        written = inLength;
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        // §5.2.6.2: a read-only device fails writes with IOERR and writes nothing.
        if (this.backend.readOnly) { status = VIRTIO_BLK_S_IOERR; break; }
        const length = chain.readableLength - HEADER_BYTES;
        status = this.checkRange(sector, length);
        if (status !== VIRTIO_BLK_S_OK) break;
        const data = chain.read(HEADER_BYTES, length);
        if (!data) { vq.fail('virtio-blk write buffer unreadable'); return false; }
        status = this.attempt(() => this.backend.write(sector * BLK_SECTOR, data));
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        status = this.attempt(() => this.backend.flush());
        break;
      case VIRTIO_BLK_T_GET_ID: {
        const n = Math.min(VIRTIO_BLK_ID_BYTES, inLength);
        if (!chain.write(0, this.id.subarray(0, n))) { vq.fail('virtio-blk id buffer unwritable'); return false; }
        written = n;
        status = VIRTIO_BLK_S_OK;
        break;
      }
      default:
        status = VIRTIO_BLK_S_UNSUPP;
    }
    if (!chain.write(chain.writableLength - 1, Uint8Array.of(status))) {
      vq.fail('virtio-blk status byte unwritable');
      return false;
    }
    vq.push(chain, written + 1);
    return true;
  }

  /** IOERR unless [sector, sector + bytes/512) lies on the disk and bytes is whole sectors (§5.2.6.1). */
  private checkRange(sector: number, bytes: number): number {
    if (bytes % BLK_SECTOR !== 0) return VIRTIO_BLK_S_IOERR;
    const count = bytes / BLK_SECTOR;
    return sector <= this.capacity && count <= this.capacity - sector ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
  }

  /** Backend failures (host I/O errors) are the guest's IOERR, never an emulator crash. */
  private attempt(op: () => void): number {
    try {
      op();
      return VIRTIO_BLK_S_OK;
    } catch {
      return VIRTIO_BLK_S_IOERR;
    }
  }
}
