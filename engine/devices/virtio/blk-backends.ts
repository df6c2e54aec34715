// Storage behind virtio-blk: the BlockBackend contract, a plain in-memory disk and a copy-on-write overlay.
// Host files live in file-backend.ts, which is the only place that touches `fs`.

/** A disk image of `size` bytes. Calls are synchronous; a failure throws and virtio-blk answers the
 *  request with VIRTIO_BLK_S_IOERR. */
export interface BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  /** Fills `into` from byte `offset`; throws RangeError past the end. */
  read(offset: number, into: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
  /** Makes completed writes durable (VIRTIO_BLK_T_FLUSH). */
  flush(): void;
  /** Releases host resources (file descriptors); optional. */
  close?(): void;
}

function checkRange(b: BlockBackend, offset: number, len: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + len > b.size) {
    throw new RangeError(`block access [${offset}, ${offset + len}) is outside the ${b.size}-byte disk`);
  }
}

/** A disk held in a byte array: for tests, workers and images the host already loaded. */
export class BufferBackend implements BlockBackend {
  readonly readOnly: boolean;

  constructor(readonly bytes: Uint8Array, opts: { readOnly?: boolean } = {}) {
    this.readOnly = opts.readOnly ?? false;
  }

  get size(): number { return this.bytes.length; }

  read(offset: number, into: Uint8Array): void {
    checkRange(this, offset, into.length);
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error('disk is read-only');
    checkRange(this, offset, data.length);
    this.bytes.set(data, offset);
  }

  flush(): void { /* nothing is cached */ }
}

/** Granule of the overlay: the guest's usual page-sized I/O lands on whole chunks, so most writes need
 *  no read of the base to fill a partial chunk. */
export const OVERLAY_CHUNK = 4096;

/** Copy-on-write overlay: reads fall through to `base` except where the guest wrote; writes stay in host
 *  memory and vanish with it (QEMU's -snapshot). The base is never written, so it may be read-only. */
export class MemoryBackend implements BlockBackend {
  readonly readOnly: boolean;
  private readonly chunks = new Map<number, Uint8Array>();

  constructor(readonly base: BlockBackend, opts: { readOnly?: boolean } = {}) {
    this.readOnly = opts.readOnly ?? false;
  }

  get size(): number { return this.base.size; }

  /** Host memory held by written chunks. */
  get overlayBytes(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.length;
    return n;
  }

  read(offset: number, into: Uint8Array): void {
    checkRange(this, offset, into.length);
    let pos = 0;
    while (pos < into.length) {
      const ci = Math.floor((offset + pos) / OVERLAY_CHUNK);
      const chunkEnd = Math.min((ci + 1) * OVERLAY_CHUNK - offset, into.length); // position in `into`
      const chunk = this.chunks.get(ci);
      if (chunk) {
        const within = offset + pos - ci * OVERLAY_CHUNK;
        into.set(chunk.subarray(within, within + (chunkEnd - pos)), pos);
        pos = chunkEnd;
        continue;
      }
      // One base read for the whole run of untouched chunks.
      let end = chunkEnd;
      for (let next = ci + 1; end < into.length && !this.chunks.has(next); next++) {
        end = Math.min(end + OVERLAY_CHUNK, into.length);
      }
      this.base.read(offset + pos, into.subarray(pos, end));
      pos = end;
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error('disk is read-only');
    checkRange(this, offset, data.length);
    let pos = 0;
    while (pos < data.length) {
      const ci = Math.floor((offset + pos) / OVERLAY_CHUNK);
      const chunkStart = ci * OVERLAY_CHUNK;
      const within = offset + pos - chunkStart;
      const n = Math.min(OVERLAY_CHUNK - within, data.length - pos);
      let chunk = this.chunks.get(ci);
      if (!chunk) {
        chunk = new Uint8Array(Math.min(OVERLAY_CHUNK, this.size - chunkStart));
        if (within !== 0 || n !== chunk.length) this.base.read(chunkStart, chunk);
        this.chunks.set(ci, chunk);
      }
      chunk.set(data.subarray(pos, pos + n), within);
      pos += n;
    }
  }

  /** Nothing to make durable: the overlay lives only as long as the process. */
  flush(): void {}

  close(): void {
    this.chunks.clear();
    this.base.close?.();
  }
}
