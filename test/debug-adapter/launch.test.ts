// Launch configurations and malformed requests: each answered with an error naming the problem (shown to
// the user for launch fields) while the session goes on; the adapter over TCP (--server) and inline.
import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';
import { createInlineSession } from '../../debug-adapter/index';
import { csrByName } from '../../engine/isa/csr-table';
import { ADAPTER, guest, REPO, Session, source, startSession } from './support';

const DEMO = guest('demo.elf');
const KERNEL = guest('kernel.elf');
const DISK = guest('disk.img');

describe('debug-adapter: launch and malformed requests', function () {
  this.timeout(30000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-launch-'));
  const EMPTY = path.join(tmp, 'empty.img'), ODD = path.join(tmp, 'odd.img');
  fs.writeFileSync(EMPTY, '');
  fs.writeFileSync(ODD, Buffer.alloc(1000));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const BAD: [string, Record<string, unknown>, RegExp][] = [
    ['nothing to boot', {}, /'program' is missing: name a bare-metal guest ELF as "program", or an S-mode kernel as "kernel"/],
    ['program not a string', { program: 42 }, /'program' must be a path \(got number\)/],
    ['program does not exist', { program: '/no/such/guest.elf' }, /'program' \/no\/such\/guest.elf does not exist/],
    ['program is a directory', { program: path.join(REPO, 'guests') }, /'program' .* is not a file/],
    ['program is not an ELF', { program: source('demo/main.c') }, /'program' is not a usable guest: .*not an ELF file \(bad magic\)/],
    ['cwd missing', { program: DEMO, cwd: '/no/such/dir' }, /'cwd' \/no\/such\/dir does not exist/],
    ['smp 9', { program: DEMO, smp: 9 }, /'smp' is 9: the virt board has 1 to 8 harts/],
    ['smp 0', { kernel: KERNEL, smp: 0 }, /'smp' is 0: the virt board has 1 to 8 harts/],
    ['smp not a number', { program: DEMO, smp: 'two' }, /'smp' must be a whole number of harts from 1 to 8 \(got string\)/],
    ['smp fractional', { program: DEMO, smp: 1.5 }, /'smp' must be a whole number of harts from 1 to 8 \(got 1.5\)/],
    ['mode hw with a program', { program: DEMO, mode: 'hw' }, /'mode' "hw" runs an S-mode kernel as a guest of the H-extension VMM: name it as "kernel"/],
    ['mode hw on firmware', { kernel: KERNEL, mode: 'hw', bios: 'none' }, /'bios' cannot be "none" with "mode": "hw": it runs the VMM on the built-in firmware/],
    ['mode hw without a kernel', { mode: 'hw' }, /'kernel' is missing: "mode": "hw" boots an S-mode kernel/],
    ['mode trap', { program: DEMO, mode: 'trap' }, /'mode' "trap" is not implemented yet: this version runs guests in "bare" and "hw" mode/],
    ['mode pv', { kernel: KERNEL, mode: 'pv' }, /'mode' "pv" is not implemented yet/],
    ['mode unknown', { program: DEMO, mode: 'turbo' }, /'mode' "turbo" is not a virtualization mode \(one of: bare, trap, bt, pv, hw\)/],
    ['engine dbt', { program: DEMO, engine: 'dbt' }, /'engine' "dbt" is not implemented yet/],
    ['engine unknown', { program: DEMO, engine: 'jit' }, /'engine' "jit" is not an execution engine/],
    ['memory not a size', { program: DEMO, memory: 'lots' }, /'memory' "lots" is not a memory size/],
    ['memory not page aligned', { program: DEMO, memory: 1000 }, /'memory' must be a positive multiple of 4 KiB/],
    ['memory too large', { program: DEMO, memory: '4G' }, /'memory' is \d+ bytes, more than the 2 GiB/],
    ['memory too small for the program', { program: DEMO, memory: '64K' }, /'memory' is too small for the program: .*lies outside RAM/],
    ['memory too small for the kernel', { kernel: KERNEL, memory: '1M' }, /'memory' is too small for the kernel: .*kernel\.elf: segment \d .*lies outside RAM/],
    ['maxInstructions negative', { program: DEMO, maxInstructions: -5 }, /'maxInstructions' must be at least 1/],
    ['stopOnEntry not a boolean', { program: DEMO, stopOnEntry: 'yes' }, /'stopOnEntry' must be true or false/],
    ['program and kernel', { program: DEMO, kernel: KERNEL }, /'kernel' cannot be given with "program"/],
    ['program on firmware', { program: DEMO, bios: 'builtin' }, /'bios' cannot be "builtin" with "program": a bare-metal program runs without firmware/],
    ['builtin firmware without a kernel', { bios: 'builtin' }, /'kernel' is missing: "bios": "builtin" boots a kernel/],
    ['bios none without a kernel', { bios: 'none' }, /'kernel' is missing: "bios": "none" boots a kernel/],
    ['bios not a string', { kernel: KERNEL, bios: 5 }, /'bios' must be "builtin", "none" or a firmware path \(got number\)/],
    ['bios missing', { kernel: KERNEL, bios: '/no/fw_jump.bin' }, /'bios' \/no\/fw_jump.bin does not exist/],
    ['bios empty', { kernel: KERNEL, bios: EMPTY }, /'bios' .*empty.img is empty/],
    ['kernel missing', { kernel: '/no/such/Image' }, /'kernel' \/no\/such\/Image does not exist/],
    ['kernel an ELF of another machine', { kernel: process.execPath }, /'kernel' is not a usable RISC-V ELF: .*(x86-64|AArch64)/],
    ['drive missing', { kernel: KERNEL, drive: '/no/disk.img' }, /'drive' \/no\/disk.img does not exist/],
    ['drive of odd size', { kernel: KERNEL, drive: ODD }, /'drive' .*odd.img is 1000 bytes, not a whole number of 512-byte sectors/],
    ['drive empty', { kernel: KERNEL, drive: [DISK, EMPTY] }, /'drive\[1\]' .*empty.img is empty/],
    ['drive list entry not a path', { kernel: KERNEL, drive: [DISK, 7] }, /'drive\[1\]' must be a disk image path or an object with "file" and, optionally, "snapshot" \(got number\)/],
    ['drive object without file', { kernel: KERNEL, drive: { snapshot: false } }, /'drive.file' is missing: name the disk image/],
    ['drive object with an unknown key', { kernel: KERNEL, drive: { file: DISK, readonly: true } }, /'drive' has an unknown property 'readonly' \(known: file, snapshot\)/],
    ['drive snapshot not a boolean', { kernel: KERNEL, drive: [{ file: DISK, snapshot: 'no' }] }, /'drive\[0\].snapshot' must be true or false/],
    ['too many drives', { kernel: KERNEL, drive: Array(9).fill(DISK) }, /'drive' lists 9 disks; the virt board has 8 virtio-mmio slots/],
    ['symbolFiles not a list', { kernel: KERNEL, symbolFiles: KERNEL }, /'symbolFiles' must be a list/],
    ['symbol file missing', { kernel: KERNEL, symbolFiles: [{ path: '/no/u-boot.elf' }] }, /'symbolFiles\[0\].path' \/no\/u-boot.elf does not exist/],
    ['symbol file not an ELF', { kernel: KERNEL, symbolFiles: [{ path: DISK }] }, /'symbolFiles\[0\].path' .*disk.img is not an ELF file/],
    ['symbol file offset not a number', { kernel: KERNEL, symbolFiles: [KERNEL, { path: KERNEL, offset: 'far' }] }, /'symbolFiles\[1\].offset' must be a number or a string such as "0x7d57000" \(got "far"\)/],
    ['symbol file with an unknown key', { kernel: KERNEL, symbolFiles: [{ path: KERNEL, base: 0 }] }, /'symbolFiles\[0\]' has an unknown property 'base'/],
    ['append not a string', { program: DEMO, append: 7 }, /'append' must be a string/],
  ];

  it('every invalid launch configuration is refused with a message naming the field, shown to the user', async () => {
    await s.initialize();
    for (const [what, config, message] of BAD) {
      const r = await s.raw('launch', config) as DebugProtocol.ErrorResponse;
      assert.equal(r.success, false, what);
      assert.match(r.message ?? '', message, what);
      assert.equal(r.body.error?.showUser, true, `${what}: showUser`);
      assert.equal(r.body.error?.id, 3001, what);
    }
    assert.equal(s.queued('initialized').length, 0, 'no refused launch got as far as initialized');
    // The session is still usable: a good launch works.
    const launched = s.dc.launchRequest({ program: DEMO, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
    await s.next('initialized');
    await s.dc.configurationDoneRequest();
    await launched;
    assert.equal((await s.stopped()).body.reason, 'entry');
  });

  it('append/args is accepted with a note that a bare program has no command line; relative paths use cwd', async () => {
    await s.launch({ program: 'bin/demo.elf', cwd: path.join(REPO, 'guests'), stopOnEntry: true, args: ['console=ttyS0'] });
    await s.stopped();
    assert.match(s.console, /"append"\/"args" \("console=ttyS0"\) is a kernel command line/);
    assert.equal((await s.top()).source?.path, source('common/crt0.S'));
  });

  it('malformed requests are answered with errors and the session goes on', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const errors: [string, unknown, RegExp][] = [
      ['stackTrace', { threadId: 99 }, /unknown thread 99: threads are harts 1\.\.1/],
      ['stackTrace', { threadId: 'one' }, /unknown thread "one"/],
      ['continue', { threadId: 0 }, /unknown thread 0/],
      ['next', { threadId: 1, granularity: 'paragraph' }, /unknown stepping granularity 'paragraph'/],
      ['scopes', { frameId: 123456 }, /unknown stack frame 123456/],
      ['variables', { variablesReference: 987654 }, /variablesReference 987654 is not valid/],
      ['setVariable', { variablesReference: 987654, name: 'a0', value: '1' }, /variablesReference 987654 is not valid/],
      ['readMemory', { memoryReference: 'banana', count: 4 }, /'banana' is not a memory reference/],
      ['readMemory', { memoryReference: '0x80000000', count: -1 }, /count -1 is not a byte count/],
      ['readMemory', { memoryReference: '0x80000000', offset: 1.5, count: 1 }, /offset 1.5 is not a whole number/],
      ['writeMemory', { memoryReference: '0x80000000', data: '%%%' }, /data is not base64/],
      ['writeMemory', { memoryReference: 'nowhere', data: 'AA==' }, /'nowhere' is not a memory reference/],
      ['disassemble', { memoryReference: '???', instructionCount: 4 }, /is not a memory reference/],
      ['disassemble', { memoryReference: '0x80000000', instructionCount: -4 }, /instructionCount -4/],
      ['evaluate', { expression: '1 +', context: 'repl' }, /expression ends too early/],
      ['evaluate', { expression: 'a0 / 0', context: 'repl' }, /division by zero/],
      ['exceptionInfo', { threadId: 7 }, /unknown thread 7/],
      ['setBreakpoints', { breakpoints: [{ line: 3 }] }, /needs a source with a path/],
      ['launch', { program: DEMO }, /a guest is already running in this session/],
    ];
    for (const [command, args, message] of errors) {
      const r = await s.raw(command, args) as DebugProtocol.ErrorResponse;
      assert.equal(r.success, false, `${command} ${JSON.stringify(args)} should fail`);
      assert.match(r.message ?? '', message, `${command} ${JSON.stringify(args)}`);
    }
    // Breakpoints that cannot be placed come back unverified with the reason, not as errors.
    const bp = await s.dc.setBreakpointsRequest({ source: { path: path.join(REPO, 'README.md') }, breakpoints: [{ line: 1 }] });
    assert.equal(bp.body.breakpoints[0].verified, false);
    assert.match(bp.body.breakpoints[0].message!, /README.md is not part of demo.elf/);
    const past = await s.dc.setBreakpointsRequest({ source: { path: source('demo/main.c') }, breakpoints: [{ line: 100000 }] });
    assert.match(past.body.breakpoints[0].message!, /no code at or after line 100000 of main.c/);
    const cond = await s.dc.setBreakpointsRequest({ source: { path: source('demo/main.c') }, breakpoints: [{ line: 150, condition: 'a0 ==' }, { line: 150, condition: 'nope > 1' }, { line: 150, hitCondition: 'often' }] });
    assert.deepEqual(cond.body.breakpoints.map((b) => b.verified), [false, false, false]);
    assert.match(cond.body.breakpoints[1].message!, /no register, CSR or symbol named 'nope'/);
    assert.match(cond.body.breakpoints[2].message!, /'often' is not a hit condition/);
    // Still alive and answering.
    assert.deepEqual((await s.dc.threadsRequest()).body.threads, [{ id: 1, name: 'hart 0 (M)' }]);
    await s.dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    assert.equal((await s.stopped()).body.reason, 'step');
  });

  it('requests that need a stopped guest say so while it runs', async () => {
    await s.launch({ program: guest('bench.elf') });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(s.dc.stackTraceRequest({ threadId: 1 }), /the guest is running: pause it first/);
    await assert.rejects(s.dc.nextRequest({ threadId: 1 }), /the guest is running/);
    await s.dc.pauseRequest({ threadId: 1 });
    assert.equal((await s.stopped()).body.reason, 'pause');
  });

  it('initialize advertises the capabilities, the trap filters and the privilege-change filter', async () => {
    const caps = (await s.initialize()).body!;
    for (const c of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints',
      'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsExceptionFilterOptions', 'supportsExceptionInfoRequest',
      'supportsSetVariable', 'supportsRestartRequest', 'supportsTerminateRequest', 'supportsSteppingGranularity',
      'supportsInstructionBreakpoints', 'supportsDisassembleRequest', 'supportsReadMemoryRequest', 'supportsWriteMemoryRequest'] as const) {
      assert.equal(caps[c], true, c);
    }
    const filters = caps.exceptionBreakpointFilters!.map((f) => f.filter);
    const h = csrByName('hstatus')?.implemented ? ['guest-page-fault', 'virtual-instruction'] : [];
    assert.deepEqual(filters, ['illegal-instruction', 'breakpoint', 'ecall', 'page-fault', 'access-fault', 'misaligned', ...h, 'interrupt', 'privilege-change']);
    assert.ok(caps.exceptionBreakpointFilters!.every((f) => f.supportsCondition));
  });
});

describe('debug-adapter: transports', function () {
  this.timeout(30000);

  it('--server=0 serves DAP on 127.0.0.1 at the port it prints', async () => {
    const server: ChildProcess = spawn(process.execPath, [ADAPTER, '--server=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        server.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
      });
      const s = new Session(new DebugClient('node', ADAPTER, 'ringside'));
      await s.dc.start(port);
      await s.launch({ program: DEMO, stopOnEntry: true });
      assert.equal((await s.stopped()).body.reason, 'entry');
      assert.equal((await s.top()).instructionPointerReference, '0x80000000');
      await s.dc.disconnectRequest({});
      await s.stop();
    } finally {
      server.kill();
    }
  });

  it('--server with a bad port is refused with a usage message', async () => {
    const p = spawn(process.execPath, [ADAPTER, '--server=http'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise((r) => p.on('exit', r));
    assert.equal(code, 2);
    assert.match(err, /expected --server=PORT/);
  });

  it('inline: the session object speaks DAP through handleMessage/onDidSendMessage', async () => {
    const session = createInlineSession();
    const sent: DebugProtocol.ProtocolMessage[] = [];
    session.onDidSendMessage((m) => { sent.push(m as DebugProtocol.ProtocolMessage); });
    const wait = async (pred: (m: DebugProtocol.ProtocolMessage) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const m = sent.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('no such message');
    };
    let seq = 1;
    const request = (command: string, args: unknown) => session.handleMessage({ type: 'request', seq: seq++, command, arguments: args } as DebugProtocol.Request);
    request('initialize', { adapterID: 'ringside', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    request('launch', { program: DEMO, stopOnEntry: true });
    await wait((m) => m.type === 'event' && (m as DebugProtocol.Event).event === 'initialized');
    request('configurationDone', {});
    const stopped = await wait((m) => m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped') as DebugProtocol.StoppedEvent;
    assert.equal(stopped.body.reason, 'entry');
    request('disconnect', {});
    await wait((m) => m.type === 'response' && (m as DebugProtocol.Response).command === 'disconnect');
    session.dispose();
  });
});
