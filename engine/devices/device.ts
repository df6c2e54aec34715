// The contracts between the bus, its devices and the harts' interrupt lines.

/** A memory-mapped device: 1-, 2- and 4-byte accesses at byte offsets inside its window. The bus splits
 *  8-byte accesses into two 4-byte ones (low word first), so 64-bit registers such as mtime work as on
 *  hardware that serialises the halves; execution is single-threaded, so no tearing is observable. */
export interface MmioDevice {
  readonly name: string;
  /** Window size in bytes. */
  readonly size: number;
  /** Returns the value zero-extended to `width` bytes (an unsigned number below 2^32). */
  read(offset: number, width: 1 | 2 | 4): number;
  write(offset: number, width: 1 | 2 | 4, value: number): void;
  /** Instructions may be fetched from it (ROMs); other devices give instruction access faults, as in QEMU. */
  readonly executable?: boolean;
}

/** Level-triggered interrupt pins into the harts' mip (bits as in the privileged spec's mip layout). */
export interface InterruptLines {
  setPending(hartId: number, mipBit: number, level: boolean): void;
}

/** Host console, passed in so the engine runs the same under the CLI, the debug adapter and tests. */
export interface ConsoleIO {
  write(byte: number): void;
}

/** Why the machine stopped because of a device (test/syscon device or HTIF). */
export type PowerEvent =
  | { kind: 'pass' }
  | { kind: 'fail'; code: number }
  | { kind: 'reset' };
