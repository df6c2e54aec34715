// Integration: Debian's OpenSBI and U-Boot boot to the interactive prompt on Ringside, and typed commands
// work; U-Boot also boots on Ringside's built-in SBI firmware.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { bootMachine, BootOptions } from '../../engine/boot';
import { Machine } from '../../engine/machine';
import { ConsoleDriver } from '../support/console-driver';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const BUDGET = 400_000_000;

function boot(bios: BootOptions['bios']): ConsoleDriver {
  let d: ConsoleDriver | undefined;
  const m = new Machine({ console: ConsoleDriver.sink(() => d!) });
  d = new ConsoleDriver(m);
  bootMachine(m, { bios, kernel: { name: UBOOT, bytes: new Uint8Array(fs.readFileSync(UBOOT)) } });
  return d;
}

/** Stops autoboot at its countdown and waits for the prompt. */
function toPrompt(d: ConsoleDriver): number {
  d.runUntil('Hit any key to stop autoboot', BUDGET);
  d.type(' ');
  return d.runUntil('=> ', BUDGET);
}

function command(d: ConsoleDriver, cmd: string): string {
  const start = d.output.length;
  d.type(cmd + '\r');
  const end = d.runUntil('=> ', d.executed + 100_000_000, start);
  return d.output.slice(start, end);
}

describe('boot: OpenSBI + U-Boot to the prompt', function () {
  this.timeout(300_000);
  before(function () {
    if (!fs.existsSync(OPENSBI) || !fs.existsSync(UBOOT)) this.skip();
  });

  it('OpenSBI fw_jump hands over to U-Boot, which reaches its prompt and runs typed commands', () => {
    const d = boot({ name: OPENSBI, bytes: new Uint8Array(fs.readFileSync(OPENSBI)) });
    toPrompt(d);
    assert.match(d.output, /OpenSBI v\d+\.\d+/);
    assert.match(d.output, /Platform Name\s+: riscv-virtio,qemu/);
    assert.match(d.output, /Domain0 Next Mode\s+: S-mode/);
    assert.match(d.output, /U-Boot 20\d\d\.\d\d/);
    assert.match(d.output, /DRAM:\s+128 MiB/);
    assert.match(command(d, 'version'), /U-Boot 20\d\d\.\d\d[^\n]*\n/);
    const bd = command(d, 'bdinfo');
    assert.match(bd, /boot_params|fdt_blob/);
    assert.match(bd, /0x0*80000000/);
    // OpenSBI's PMP keeps S-mode out of 0x80000000-0x8007ffff (a load there faults, as on QEMU): read U-Boot's own image.
    const md = command(d, 'md.l 0x80200000 4');
    assert.match(md, /80200000: [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}/);
  });

  it('U-Boot also boots on the built-in SBI firmware', () => {
    const d = boot('builtin');
    toPrompt(d);
    assert.match(command(d, 'version'), /U-Boot 20\d\d\.\d\d/);
    assert.doesNotMatch(d.output, /OpenSBI/);
  });
});
