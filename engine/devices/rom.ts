// A read-only memory device (the virt board's mask ROM at 0x1000 holding the reset vector).
import { MmioDevice } from './device';

export class Rom implements MmioDevice {
  readonly size: number;
  readonly executable = true;

  constructor(readonly name: string, private readonly bytes: Uint8Array, size = bytes.length) {
    this.size = size;
  }

  read(offset: number, width: 1 | 2 | 4): number {
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0);
    return v;
  }

  write(): void { /* ROM: writes are ignored */ }
}
