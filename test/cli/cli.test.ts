// The `ringside` command end to end: exit status from the guest, console output, tracing, and one-line
// errors (never a stack trace) for bad flags, missing or malformed files and runaway guests.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GUEST_BIN, REPO } from '../support/run-guest';

const BIN = path.join(REPO, 'bin', 'ringside.js');
const KERNEL = path.join(GUEST_BIN, 'kernel.elf');
const DISK = path.join(GUEST_BIN, 'disk.img');
const KERNEL_GOLDEN = path.join(REPO, 'test', 'golden', 'kernel.console.txt');

function ringside(...args: string[]) {
  // --trace-exits writes a line per exit: room for all of them.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'latin1', input: '', timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const first = stderr.split('\n')[0];
  assert.match(first, /^ringside: /);
  assert.match(first, pattern);
  assert.doesNotMatch(stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
}

describe('cli: ringside run', function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-cli-'));

  it('runs the demo, prints its console and exits 0', () => {
    const r = ringside('run', path.join(GUEST_BIN, 'demo.elf'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Ringside demo guest\r?\n/);
    assert.match(r.stdout, /demo: done\r?\n$/);
  });

  it('stops a guest that runs past --max-insns with exit 124 and one line', () => {
    const r = ringside('run', path.join(GUEST_BIN, 'isa-rv64m.elf'), '--max-insns', '100');
    assert.equal(r.code, 124);
    assertOneLineError(r.stderr, /did not exit within 100 instructions/);
  });

  it('exits with the guest\'s status: test-device fail code, HTIF exit code and HTIF console', function () {
    if (spawnSync('riscv64-unknown-elf-gcc', ['--version']).status !== 0) this.skip();
    const build = (name: string, asm: string) => {
      const src = path.join(tmp, `${name}.S`), elf = path.join(tmp, `${name}.elf`);
      fs.writeFileSync(src, asm);
      const cc = spawnSync('riscv64-unknown-elf-gcc', ['-march=rv64imac_zicsr', '-mabi=lp64', '-nostdlib', '-Wl,-N', '-Ttext=0x80000000', src, '-o', elf], { encoding: 'utf8' });
      assert.equal(cc.status, 0, cc.stderr);
      return elf;
    };
    const syscon = build('fail42', `.globl _start\n_start: li t0, 0x100000\n li t1, (42 << 16) | 0x3333\n sw t1, 0(t0)\n1: j 1b\n`);
    assert.equal(ringside('run', syscon).code, 42);
    const htif = build('htif7', [
      '.globl _start', '_start:',
      ' la t0, tohost', ' li t1, (1 << 56) | (1 << 48) | 0x48', ' sd t1, 0(t0)', // putchar 'H'
      ' li t1, (1 << 56) | (1 << 48) | 0x0a', ' sd t1, 0(t0)',
      ' li t1, (7 << 1) | 1', ' sd t1, 0(t0)', '1: j 1b',
      '.data', '.align 3', '.globl tohost', 'tohost: .dword 0', '.globl fromhost', 'fromhost: .dword 0', '',
    ].join('\n'));
    const r = ringside('run', htif);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'H\n');
  });

  it('--trace prints one Spike-style line per instruction with the registers written', () => {
    const r = ringside('run', path.join(GUEST_BIN, 'isa-rv64i-alu.elf'), '--trace', '--max-insns', '20');
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('core'));
    assert.equal(lines.length, 20);
    assert.match(lines[0], /^core {3}0: 3 0x0000000080000000 \(0x[0-9a-f]{4,8}\) \S+/);
    assert.ok(lines.some((l) => / x\d+ +0x[0-9a-f]{16}/.test(l)), 'some line shows a register write');
  });

  it('takes -m in QEMU syntax', () => {
    assert.equal(ringside('run', path.join(GUEST_BIN, 'demo.elf'), '-m', '256M').code, 0);
    const r = ringside('run', path.join(GUEST_BIN, 'demo.elf'), '-m', 'lots');
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /-m: 'lots' is not a memory size/);
  });

  it('rejects unknown flags, missing values and missing files with one line', () => {
    let r = ringside('run', path.join(GUEST_BIN, 'demo.elf'), '--frobnicate');
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /unknown option '--frobnicate'/);
    r = ringside('run', path.join(GUEST_BIN, 'demo.elf'), '--max-insns');
    assertOneLineError(r.stderr, /--max-insns needs a value/);
    r = ringside('run', path.join(tmp, 'nope.elf'));
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /nope\.elf: no such file/);
    r = ringside('fly');
    assertOneLineError(r.stderr, /unknown command 'fly'/);
  });

  it('rejects malformed and foreign ELFs with one line', () => {
    const junk = path.join(tmp, 'junk.elf');
    fs.writeFileSync(junk, 'this is not an ELF file at all');
    let r = ringside('run', junk);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /junk\.elf: .*magic/i);
    const truncated = path.join(tmp, 'truncated.elf');
    fs.writeFileSync(truncated, fs.readFileSync(path.join(GUEST_BIN, 'demo.elf')).subarray(0, 80));
    r = ringside('run', truncated);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /truncated\.elf: /);
    r = ringside('run', process.execPath);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /not RISC-V|machine/i);
  });

  it('rejects a missing firmware, a missing kernel and malformed disk images with one line', () => {
    let r = ringside('run', '--bios', path.join(tmp, 'no-fw.bin'), '--kernel', path.join(GUEST_BIN, 'kernel.elf'));
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /firmware .*no-fw\.bin: no such file/);
    r = ringside('run', '--kernel', path.join(tmp, 'no-kernel.elf'));
    assertOneLineError(r.stderr, /kernel .*no-kernel\.elf: no such file/);
    const odd = path.join(tmp, 'odd.img');
    fs.writeFileSync(odd, Buffer.alloc(1000));
    r = ringside('run', '--kernel', path.join(GUEST_BIN, 'kernel.elf'), '--drive', odd);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /--drive: .*odd\.img.* 512-byte sectors/);
    r = ringside('run', '--kernel', path.join(GUEST_BIN, 'kernel.elf'), '--drive', path.join(tmp, 'none.img'));
    assertOneLineError(r.stderr, /--drive: .*none\.img/);
    r = ringside('run', '--kernel', path.join(GUEST_BIN, 'kernel.elf'), '--drive', `${odd},cache=none`);
    assertOneLineError(r.stderr, /--drive: unknown option 'cache=none'/);
    r = ringside('run', '--kernel', path.join(GUEST_BIN, 'kernel.elf'), '--smp', '9');
    assertOneLineError(r.stderr, /--smp: '9' is not a hart count from 1 to 8/);
  });

  it('boots the demo kernel on the built-in firmware with a disk, as the README says', () => {
    const r = ringside('run', '--kernel', path.join(GUEST_BIN, 'kernel.elf'), '--drive', path.join(GUEST_BIN, 'disk.img'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /disk: hello\.txt: Hello from the virtio disk!/);
    assert.match(r.stdout, /kernel: all processes finished\r?\n$/);
  });

  it('--mode hw: the demo kernel as a VS-mode guest prints the same console as in bare mode', () => {
    const r = ringside('run', '--mode', 'hw', '--kernel', KERNEL, '--drive', DISK);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(KERNEL_GOLDEN, 'latin1'));
    assert.equal(r.stderr, '', 'no exit output unless asked for');
  });

  it('--mode hw --exits --trace-exits: one line per exit as it happens, the summary at the end', () => {
    const r = ringside('run', '--mode', 'hw', '--kernel', KERNEL, '--drive', DISK, '--exits', '--trace-exits');
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.equal(r.stdout, fs.readFileSync(KERNEL_GOLDEN, 'latin1'), 'tracing changes nothing the guest sees');
    const lines = r.stderr.split('\n');
    const exits = lines.filter((l) => l.startsWith('exit '));
    assert.match(exits[0], /^exit 1 vcpu 0 /);
    exits.forEach((l, i) => assert.ok(l.startsWith(`exit ${i + 1} vcpu 0 `), `in order: ${l}`));
    assert.ok(exits.some((l) => / hypercall +pc=0x[0-9a-f]+ .*eid=0x54494d45/.test(l)), 'an SBI TIME call');
    assert.ok(exits.some((l) => / mmio +pc=0x[0-9a-f]+ /.test(l)), 'a device access');
    // The summary follows the last exit line.
    const summary = lines.slice(lines.indexOf('VM exits')).join('\n');
    assert.match(summary, /^reason +samples +samples% +time% +min ns +max ns +avg ns$/m);
    const count = (reason: string) => Number(new RegExp(`^${reason} +(\\d+) `, 'm').exec(summary)?.[1]);
    assert.ok(count('hypercall') > 0 && count('mmio') > 0, summary);
    assert.equal(Number(/^total: (\d+) exits/m.exec(summary)?.[1]), exits.length, 'the summary counts every exit traced');
  });

  it('--exits and --trace-exits in bare mode: one note that there are no exits', () => {
    const r = ringside('run', path.join(GUEST_BIN, 'demo.elf'), '--exits', '--trace-exits');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'ringside: --exits, --trace-exits: bare mode runs no VMM, so there are no VM exits (they come with --mode hw)\n');
  });

  it('rejects modes that do not exist or are not implemented, and hw without an S-mode kernel, with one line', () => {
    let r = ringside('run', '--mode', 'trap', '--kernel', KERNEL);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /--mode trap is not implemented yet \(implemented: bare, hw\)/);
    r = ringside('run', '--mode', 'turbo', '--kernel', KERNEL);
    assertOneLineError(r.stderr, /--mode: 'turbo' is not a virtualization mode \(implemented: bare, hw; planned: trap, bt, pv\)/);
    r = ringside('run', '--kernel', KERNEL, '--mode');
    assertOneLineError(r.stderr, /--mode needs a value/);
    r = ringside('run', '--mode', 'hw', '--bios', 'none', '--kernel', KERNEL);
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /--mode hw cannot take --bios none: it runs the VMM on the built-in firmware/);
    r = ringside('run', '--mode', 'hw', '--bios', '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin', '--kernel', KERNEL);
    assertOneLineError(r.stderr, /--mode hw cannot take --bios .*fw_jump\.bin/);
    r = ringside('run', '--mode', 'hw', path.join(GUEST_BIN, 'demo.elf'));
    assertOneLineError(r.stderr, /--mode hw runs an S-mode kernel as a guest: give it with --kernel/);
    r = ringside('run', '--mode', 'hw');
    assertOneLineError(r.stderr, /--mode hw needs the guest kernel: --kernel KERNEL/);
    r = ringside('run', '--mode', 'hw', '-m', '3M', '--kernel', KERNEL);
    assertOneLineError(r.stderr, /--mode hw needs guest memory in whole 2 MiB units, at least 4 MiB \(-m 3M\)/);
  });

  it('rejects a guest whose segments lie outside RAM', () => {
    const r = ringside('run', path.join(GUEST_BIN, 'demo.elf'), '-m', '4K');
    assert.equal(r.code, 2);
    assertOneLineError(r.stderr, /outside RAM/);
  });

  it('on a terminal: U-Boot `reset` reboots the board, and Ctrl-A x quits like QEMU (exit 0)', function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    // `script` gives the CLI a pseudo-terminal; the shell sends Ctrl-A x once U-Boot is waiting.
    const cmd = `node ${BIN} run --kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin`;
    if (!fs.existsSync('/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin')) this.skip();
    const keys = `sleep 3; printf ' '; sleep 1; printf 'reset\\r'; sleep 3; printf '\\001x'`;
    const r = spawnSync('sh', ['-c', `(${keys}) | script -qfec "${cmd}" /dev/null`], { encoding: 'latin1', timeout: 30_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/U-Boot 20\d\d\.\d\d/g) ?? []).length, 2, 'booted twice: reset reboots');
    assert.match(r.stdout, /terminated \(Ctrl-A x\)/);
  });
});
