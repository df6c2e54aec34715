// SiFive test finisher at 0x10_0000 on QEMU's virt board: how a guest powers off, fails a test or resets.

import type { MmioDevice, PowerEvent } from './device';

const FINISHER_FAIL = 0x3333;
const FINISHER_PASS = 0x5555;
const FINISHER_RESET = 0x7777;

export class SifiveTest implements MmioDevice {
  readonly name = 'test';
  readonly size = 0x1000;

  private readonly onPower: (ev: PowerEvent) => void;

  constructor(onPower: (ev: PowerEvent) => void) {
    this.onPower = onPower;
  }

  read(_offset: number, _width: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, width: 1 | 2 | 4, value: number): void {
    // QEMU (hw/misc/sifive_test.c) accepts 2- and 4-byte writes at offset 0 only: low half = command,
    // high half = exit code for FAIL. A byte cannot carry a command, so it is ignored like other values.
    if (offset !== 0 || width === 1) return;
    const status = value & 0xffff;
    if (status === FINISHER_PASS) this.onPower({ kind: 'pass' });
    else if (status === FINISHER_FAIL) this.onPower({ kind: 'fail', code: (value >>> 16) & 0xffff });
    else if (status === FINISHER_RESET) this.onPower({ kind: 'reset' });
  }
}
