// A bounds-checked reader over a DWARF section (DWARF 5 §7: fixed-size fields, LEB128, offsets, addresses); every
// malformed read throws DwarfError naming where it happened.

/** Malformed or unsupported DWARF: "<where>: <what is wrong>". */
export class DwarfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DwarfError';
  }
}

const utf8 = new TextDecoder('utf-8');

export class Cursor {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number, readonly where: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(problem: string): never {
    throw new DwarfError(`${this.where}: ${problem}`);
  }

  private need(n: number): number {
    if (this.pos + n > this.end) this.fail(`truncated at offset 0x${this.pos.toString(16)} (need ${n} more bytes)`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number { return this.view.getUint8(this.need(1)); }
  i8(): number { return this.view.getInt8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  u64(): bigint { return this.view.getBigUint64(this.need(8), true); }

  /** An offset-sized field: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF (§7.4). */
  offset(is64: boolean): number {
    return is64 ? this.exact(this.u64(), 'offset') : this.u32();
  }

  exact(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} 0x${v.toString(16)} is too large`);
    return Number(v);
  }

  /** LEB128 digits (DWARF 5 §7.6): the unsigned value, its bit count, and the last byte (for the sign). */
  private leb(): { value: bigint; bits: bigint; last: number } {
    let value = 0n, bits = 0n, b: number;
    do {
      b = this.u8();
      value |= BigInt(b & 0x7f) << bits;
      bits += 7n;
    } while (b & 0x80);
    return { value, bits, last: b };
  }

  uleb(): number {
    return this.exact(this.leb().value, 'ULEB128 value');
  }

  sleb(): number {
    const { value, bits, last } = this.leb();
    return Number(last & 0x40 ? value - (1n << bits) : value);
  }

  cstring(): string {
    const nul = this.bytes.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) this.fail(`string at 0x${this.pos.toString(16)} is not NUL-terminated`);
    const s = utf8.decode(this.bytes.subarray(this.pos, nul));
    this.pos = nul + 1;
    return s;
  }

  /** A target address of `size` bytes as the engine's signed 64-bit number. */
  address(size: number): number {
    let v: bigint;
    switch (size) {
      case 4: v = BigInt(this.u32()); break;
      case 8: v = BigInt.asIntN(64, this.u64()); break;
      default: this.fail(`address size ${size} is not supported (need 4 or 8)`);
    }
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`address 0x${BigInt.asUintN(64, v).toString(16)} cannot be represented exactly`);
    }
    return Number(v);
  }
}

