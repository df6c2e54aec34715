// Guest RAM: one ArrayBuffer with typed-array views, so the CPU's fast path can index it directly.

// Guest memory is little-endian and the typed arrays use host order; a big-endian host would silently
// swap every multi-byte access, so refuse to start instead.
if (new Uint8Array(new Uint16Array([0x0102]).buffer)[0] !== 0x02) {
  throw new Error('Ringside needs a little-endian host: guest RAM is viewed through host-order typed arrays');
}

const PAGE_SIZE = 4096;

export class Ram {
  readonly base: number;
  readonly size: number;
  /** First physical address past the end of RAM. */
  readonly end: number;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  /** For unaligned and 64-bit accesses, which the typed arrays cannot express. */
  readonly view: DataView;

  constructor(base: number, size: number) {
    // Page granularity keeps the softmmu TLB simple: a page is either wholly RAM or wholly not.
    if (!Number.isSafeInteger(base) || base < 0 || base % PAGE_SIZE !== 0) {
      throw new Error(`RAM base 0x${base.toString(16)} must be a non-negative multiple of ${PAGE_SIZE}`);
    }
    if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
      throw new Error(`RAM size ${size} must be a positive multiple of ${PAGE_SIZE} bytes`);
    }
    this.base = base;
    this.size = size;
    this.end = base + size;
    this.buffer = new ArrayBuffer(size);
    this.u8 = new Uint8Array(this.buffer);
    this.u16 = new Uint16Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  /** True when all of [paddr, paddr + len) lies in RAM. */
  contains(paddr: number, len: number): boolean {
    return paddr >= this.base && len >= 0 && paddr + len <= this.end;
  }
}
