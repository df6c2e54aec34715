// Integration: the demo multitasking kernel (guests/kernel) boots on Ringside under both firmwares, prints
// its golden transcript (exact on Ringside, deterministic), and matches QEMU's normalized transcript.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BootMode, bootMachine, BootOptions, hostRamSize } from '../../engine/boot';
import { BufferBackend, MemoryBackend } from '../../engine/devices/virtio/blk-backends';
import { Machine, StopReason } from '../../engine/machine';
import { REPO } from '../support/run-guest';

const KERNEL = path.join(REPO, 'guests', 'bin', 'kernel.elf');
const DISK = path.join(REPO, 'guests', 'bin', 'disk.img');
const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const GOLDEN = path.join(REPO, 'test', 'golden', 'kernel.console.txt');
const ACCEPT = process.env.RINGSIDE_ACCEPT_GOLDEN === '1';

function runKernel(bios: BootOptions['bios'], input?: string, mode: BootMode = 'bare'): { console: string; stop: StopReason; machine: Machine } {
  let text = '';
  const disk = new MemoryBackend(new BufferBackend(new Uint8Array(fs.readFileSync(DISK))));
  const m = new Machine({ console: { write: (b) => { text += String.fromCharCode(b); } }, drives: [disk], ramSize: hostRamSize(mode, 128 << 20) });
  bootMachine(m, { bios, kernel: { name: KERNEL, bytes: new Uint8Array(fs.readFileSync(KERNEL)) }, mode });
  let stop: StopReason = { kind: 'budget' };
  for (let i = 0; i < 200 && stop.kind === 'budget'; i++) {
    stop = m.run(1_000_000);
    if (input && text.includes('input on the UART is echoed')) { m.consoleUart.pushInput(Buffer.from(input)); input = undefined; }
  }
  return { console: text, stop, machine: m };
}

/** The guest's own normalizer: drops firmware/board lines and regroups the interleaved process output. */
function normalize(log: string): string {
  const r = spawnSync('sh', [path.join(REPO, 'guests', 'kernel', 'normalize-transcript.sh')], { input: log, encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('boot: the demo multitasking kernel', function () {
  this.timeout(120_000);

  it('runs to completion on the built-in firmware with the exact golden transcript', () => {
    const r = runKernel('builtin');
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    if (ACCEPT) fs.writeFileSync(GOLDEN, r.console);
    assert.equal(r.console, fs.readFileSync(GOLDEN, 'latin1'));
  });

  it('is deterministic: a second run prints the same bytes and retires the same instructions', () => {
    const a = runKernel('builtin'), b = runKernel('builtin');
    assert.equal(a.console, b.console);
    assert.equal(a.machine.harts[0].instret, b.machine.harts[0].instret);
  });

  it('matches the transcript QEMU + OpenSBI produce, after normalization', () => {
    const expected = fs.readFileSync(path.join(REPO, 'guests', 'kernel', 'transcript.expected'), 'latin1')
      // QEMU 7.2 writes riscv,ndev = 96; the PLIC has sources 1..95 and Ringside's DTB says 95, as later QEMU does.
      .replace('96 sources', '95 sources');
    assert.equal(normalize(runKernel('builtin').console), expected);
  });

  it('runs on Debian\'s OpenSBI too, and echoes console input received through PLIC interrupts', function () {
    if (!fs.existsSync(OPENSBI)) this.skip();
    const r = runKernel({ name: OPENSBI, bytes: new Uint8Array(fs.readFileSync(OPENSBI)) }, '\nhello\n');
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    assert.match(r.console, /OpenSBI v1\.\d/);
    assert.match(r.console, /echo: hello\r?\n/);
    assert.match(r.console, /stats: .* 1 external interrupts?, 7 bytes of input/);
    assert.match(r.console, /kernel: all processes finished/);
  });

  it('runs as a VS-mode guest under --mode hw with the same golden transcript, every device access an MMIO exit', () => {
    const r = runKernel('builtin', undefined, 'hw');
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    assert.equal(r.console, fs.readFileSync(GOLDEN, 'latin1'));
    const stats = r.machine.exits!.statistics();
    assert.ok(stats.get('mmio')!.count > 1000, 'the UART and virtio-blk are emulated');
    assert.ok(stats.get('hypercall')!.count > 100, 'SBI calls are hypercalls');
    assert.ok(stats.get('interrupt')!.count >= 30, 'the preemption timer arrives through the VMM');
    assert.equal(stats.get('halt')!.count, 1);
  });

  it('under --mode hw echoes console input delivered by the virtual PLIC as a VS external interrupt', () => {
    const r = runKernel('builtin', '\nhello\n', 'hw');
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    assert.match(r.console, /echo: hello\r?\n/);
    assert.match(r.console, /stats: .* 1 external interrupts?, 7 bytes of input/);
    assert.equal(r.machine.uart.pushInput([]), 0, 'the board UART stays unused: input went to the virtual one');
  });
});
