// Integration: Debian's OpenSBI and U-Boot boot to the interactive prompt on Ringside, and typed commands
// work; U-Boot also boots on Ringside's built-in SBI firmware.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { BootMode, bootMachine, BootOptions, hostRamSize } from '../../engine/boot';
import { Machine } from '../../engine/machine';
import { BlockBackend, BufferBackend, MemoryBackend } from '../../engine/devices/virtio/blk-backends';
import { ConsoleDriver } from '../support/console-driver';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const BUDGET = 400_000_000;

function boot(bios: BootOptions['bios'], drives: BlockBackend[] = [], mode: BootMode = 'bare'): ConsoleDriver {
  let d: ConsoleDriver | undefined;
  const m = new Machine({ console: ConsoleDriver.sink(() => d!), drives, ramSize: hostRamSize(mode, 128 << 20) });
  d = new ConsoleDriver(m);
  bootMachine(m, { bios, kernel: { name: UBOOT, bytes: new Uint8Array(fs.readFileSync(UBOOT)) }, mode });
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

  it('U-Boot reads and writes a virtio-blk disk (copy-on-write: the image itself is untouched)', () => {
    const image = new Uint8Array(64 * 1024);
    image.set(Buffer.from('RINGSIDE-DISK-SECTOR-ZERO'), 0);
    image.set(Buffer.from('second sector'), 512);
    const disk = new MemoryBackend(new BufferBackend(image));
    const d = boot('builtin', [disk]);
    toPrompt(d);
    const scan = command(d, 'virtio scan') + command(d, 'virtio info');
    assert.match(scan, /Device 0: .*(QEMU|VirtIO|virtio)/i);
    assert.match(scan, /Capacity: 0\.0 MB|Capacity: 64\.0 KB|128 x 512/);
    assert.match(command(d, 'virtio read 0x84000000 0 2'), /2 blocks read: OK/);
    assert.match(command(d, 'md.b 0x84000000 0x10'), /52 49 4e 47 53 49 44 45 2d 44 49 53 4b 2d 53 45/); // RINGSIDE-DISK-SE
    assert.match(command(d, 'md.b 0x84000200 6'), /73 65 63 6f 6e 64/); // "second"
    command(d, 'mw.b 0x84000000 0x41 0x200');
    assert.match(command(d, 'virtio write 0x84000000 1 1'), /1 blocks written: OK/);
    assert.match(command(d, 'virtio read 0x85000000 1 1') + command(d, 'md.b 0x85000000 4'), /41 41 41 41/);
    assert.equal(Buffer.from(image.subarray(512, 518)).toString(), 'second', 'the base image is not written');
  });

  it('U-Boot runs as a VS-mode guest under --mode hw: the same console as bare to the prompt, commands and virtio-blk through MMIO exits', () => {
    const image = new Uint8Array(64 * 1024);
    image.set(Buffer.from('RINGSIDE-DISK-SECTOR-ZERO'), 0);
    const bare = boot('builtin', [new MemoryBackend(new BufferBackend(image))]);
    toPrompt(bare);
    const d = boot('builtin', [new MemoryBackend(new BufferBackend(image))], 'hw');
    toPrompt(d);
    assert.equal(d.output, bare.output);
    assert.match(command(d, 'version'), /U-Boot 20\d\d\.\d\d/);
    command(d, 'virtio scan');
    assert.match(command(d, 'virtio read 0x84000000 0 1'), /1 blocks read: OK/);
    assert.match(command(d, 'md.b 0x84000000 0x8'), /52 49 4e 47 53 49 44 45/); // RINGSIDE
    const m = d.machine;
    assert.equal(m.vmm!.privilege(0).real, 'VS');
    const stats = m.exits!.statistics();
    assert.ok(stats.get('mmio')!.count > 500);
    assert.ok(stats.get('guest-page-fault')!.count >= 2, 'U-Boot relocates to the top of guest RAM: more megapages are mapped on demand');
  });
});

