// Run control through DAP on the real guests: entry, source/function/instruction breakpoints (C and assembly),
// conditions, hit counts, log points, stepping by line and instruction, pause in a long run, traps, exit.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf } from '../../engine/loader/elf';
import { guest, lineOf, Session, source, startSession } from './support';

const DEMO = guest('demo.elf');
const demoSymbols = parseElf(new Uint8Array(fs.readFileSync(DEMO)), DEMO).symbols;
const addrOf = (name: string) => demoSymbols.lookup(name)!.addr;

describe('debug-adapter: run control', function () {
  this.timeout(30000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  it('launch with stopOnEntry stops at the ELF entry, hart 0 is thread 1', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'entry');
    assert.equal(ev.body.threadId, 1);
    assert.equal(ev.body.allThreadsStopped, true);
    const threads = (await s.dc.threadsRequest()).body.threads;
    assert.deepEqual(threads, [{ id: 1, name: 'hart 0 (M)' }]);
    const top = await s.top();
    assert.equal(top.instructionPointerReference, '0x80000000');
    assert.equal(top.source?.path, source('common/crt0.S'));
    assert.equal(top.line, lineOf('common/crt0.S', 'csrr    t0, mhartid'));
    assert.equal(top.name, '_start');
  });

  it('a breakpoint in C source stops there; stepping by line goes over, into and out of calls', async () => {
    const file = source('demo/main.c');
    const banner = lineOf('demo/main.c', 'uart_puts("Ringside demo guest\\n");');
    let bps: { verified: boolean; line?: number; id?: number }[] = [];
    await s.launch({ program: DEMO }, async () => {
      bps = (await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: banner }] })).body.breakpoints;
    });
    assert.equal(bps[0].verified, true);
    assert.equal(bps[0].line, banner);
    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'breakpoint');
    assert.deepEqual(ev.body.hitBreakpointIds, [bps[0].id]);
    let top = await s.top();
    assert.equal(top.source?.path, file);
    assert.equal(top.line, banner);
    assert.equal(top.name, 'main');
    assert.equal(s.stdout, '', 'nothing printed before the banner');

    await s.dc.nextRequest({ threadId: 1 }); // over uart_puts: the banner is printed
    assert.equal((await s.stopped()).body.reason, 'step');
    top = await s.top();
    assert.equal(top.line, banner + 1);
    assert.equal(s.stdout, 'Ringside demo guest\n');

    await s.dc.stepInRequest({ threadId: 1 }); // into uart_puts (common/uart.c)
    await s.stopped();
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frames[0].name, 'uart_puts');
    assert.equal(frames[0].source?.path, source('common/uart.c'));
    assert.equal(frames[1].name, 'main', 'the caller comes from ra in a leaf function');
    assert.equal(frames[1].line, banner + 1, 'the caller frame shows the line of the call');

    await s.dc.stepOutRequest({ threadId: 1 });
    await s.stopped();
    top = await s.top();
    assert.equal(top.name, 'main');
    assert.equal(s.stdout, 'Ringside demo guest\nrunning on hart ');
  });

  it('breakpoints in assembly: a condition, a hit count and a log point on demo_gcd\'s loop (asm.S)', async () => {
    const file = source('demo/asm.S');
    const loop = lineOf('demo/asm.S', '1:  remu    t0, a0, a1');
    const entry = lineOf('demo/asm.S', 'demo_gcd:') + 1; // beqz a1, 2f
    await s.launch({ program: DEMO }, async () => {
      const r = await s.dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [{ line: entry, logMessage: 'gcd({a0}, {a1})' }, { line: loop, condition: 'a1 == 21' }],
      });
      assert.ok(r.body.breakpoints.every((b) => b.verified));
    });
    // gcd(1071, 462): the loop runs with a1 = 462, 147, 21; the condition picks the third pass.
    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'breakpoint');
    assert.equal((await s.top()).line, loop);
    assert.equal(await s.value('a0'), 147n);
    assert.equal(await s.value('a1'), 21n);
    assert.match(s.console, /gcd\(0x42f \(1071\), 0x1ce \(462\)\)\n/, 'the log point printed instead of stopping');

    // Hit count: replace the condition with "stop on the 2nd hit" and run the demo again.
    await s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: loop, hitCondition: '2' }] });
    await s.dc.restartRequest({ arguments: { program: DEMO } as DebugProtocol.LaunchRequestArguments });
    await s.stopped();
    assert.equal(await s.value('a1'), 147n);
  });

  it('a breakpoint in crt0.S and line steps through assembly', async () => {
    const file = source('common/crt0.S');
    const call = lineOf('common/crt0.S', 'call    main');
    await s.launch({ program: DEMO }, () => s.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: call }] }));
    await s.stopped();
    assert.equal((await s.top()).line, call);
    await s.dc.stepInRequest({ threadId: 1 });
    await s.stopped();
    const top = await s.top();
    assert.equal(top.name, 'main');
    assert.equal(top.source?.path, source('demo/main.c'));
  });

  it('function and instruction breakpoints', async () => {
    const gcd = addrOf('demo_gcd'), checksum = addrOf('demo_checksum');
    await s.launch({ program: DEMO }, async () => {
      const f = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'demo_gcd' }, { name: 'no_such_function' }] });
      assert.equal(f.body.breakpoints[0].verified, true);
      assert.equal(f.body.breakpoints[1].verified, false);
      assert.match(f.body.breakpoints[1].message!, /no function named 'no_such_function'/);
      const i = await s.setInstructionBreakpoints([{ instructionReference: `0x${checksum.toString(16)}` }, { instructionReference: '0x80000001' }]);
      assert.equal(i.body.breakpoints[0].verified, true);
      assert.equal(i.body.breakpoints[1].verified, false);
      assert.match(i.body.breakpoints[1].message!, /odd/);
    });
    // show_reverse (demo_checksum) runs before show_asm (demo_gcd).
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'instruction breakpoint');
    assert.equal((await s.top()).instructionPointerReference, `0x${checksum.toString(16)}`);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'function breakpoint');
    const top = await s.top();
    assert.equal(top.instructionPointerReference, `0x${gcd.toString(16)}`);
    assert.equal(top.name, 'demo_gcd');
  });

  it('step by instruction advances one instruction; next over a call runs it', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    await s.dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    assert.equal((await s.stopped()).body.reason, 'step');
    assert.equal((await s.top()).instructionPointerReference, '0x80000004', 'csrr is 4 bytes');
    // Run to the jalr of `call main` (auipc + jalr: the guests link without relaxation) by instruction
    // breakpoint, then next by instruction: main runs to its end.
    const callLine = lineOf('common/crt0.S', 'call    main');
    const call = (await s.dc.disassembleRequest({ memoryReference: '0x80000000', instructionCount: 40 })).body!.instructions
      .find((i) => i.line === callLine && i.instruction.startsWith('jalr'));
    assert.ok(call, 'crt0 calls main with auipc + jalr');
    await s.setInstructionBreakpoints([{ instructionReference: call.address }]);
    await s.dc.continueRequest({ threadId: 1 });
    await s.stopped();
    await s.dc.nextRequest({ threadId: 1, granularity: 'instruction' });
    assert.equal((await s.stopped()).body.reason, 'step');
    assert.equal(BigInt((await s.top()).instructionPointerReference!), BigInt(call!.address) + 4n);
    assert.match(s.stdout, /demo: done\n$/, 'the whole of main ran');
  });

  it('pause stops a long run within milliseconds, and continue resumes it (bench.elf)', async () => {
    await s.launch({ program: guest('bench.elf') });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const paused = s.stopped();
    await s.dc.pauseRequest({ threadId: 1 });
    const ev = await paused;
    const latency = Date.now() - t0;
    assert.equal(ev.body.reason, 'pause');
    assert.ok(latency < 250, `pause took ${latency} ms`);
    const pc1 = BigInt((await s.top()).instructionPointerReference!);
    assert.ok(pc1 >= 0x80000000n);
    await s.dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 100));
    await s.dc.pauseRequest({ threadId: 1 });
    assert.equal((await s.stopped()).body.reason, 'pause');
    assert.match(await s.evaluate('info tb'), /interpreter/);
  });

  it('exception breakpoints: illegal instruction from U and ecall from S, by condition (isa-priv.elf)', async () => {
    const priv = guest('isa-priv.elf');
    let verified: { verified: boolean; message?: string }[] = [];
    await s.launch({ program: priv }, async () => {
      verified = (await s.dc.setExceptionBreakpointsRequest({
        filters: [],
        filterOptions: [
          { filterId: 'illegal-instruction', condition: 'priv == "U"' },
          { filterId: 'ecall', condition: 'cause == 9' },
          { filterId: 'page-fault', condition: 'cause ==' },
          { filterId: 'no-such-filter' },
        ],
      })).body!.breakpoints!;
    });
    assert.deepEqual(verified.map((b) => b.verified), [true, true, false, false]);
    assert.match(verified[2].message!, /condition 'cause =='/);
    assert.match(verified[3].message!, /unknown exception filter/);

    // The M-mode illegal instructions come first; the condition skips them to `csrr a0, mstatus` in U.
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'exception');
    let info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(info.exceptionId, 'illegal-instruction');
    assert.match(info.description!, /illegal instruction \(exception 2\) in U-mode at 0x[0-9a-f]+, tval 0x30002573; handler 0x[0-9a-f]+ in M-mode/);
    assert.equal(await s.value('mcause'), 2n);
    assert.equal(await s.value('mtval'), 0x30002573n);
    const ring = (await s.dc.customRequest('ringside/ringLevel')).body.harts[0];
    assert.equal(ring.privilege, 'M', 'the handler runs in M');

    await s.dc.continueRequest({ threadId: 1 }); // next: mret in U, also illegal
    ev = await s.stopped();
    assert.equal(await s.value('mtval'), 0x30200073n);

    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'exception');
    info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(info.exceptionId, 'ecall');
    assert.match(info.description!, /environment call from S-mode \(exception 9\) in S-mode/);

    await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<{ body: { exitCode: number } } & { event: string; seq: number; type: 'event' }>('exited')).body.exitCode, 0);
    assert.match(s.stdout, /priv: PASS/);
  });

  it('a stop in U-mode reports the privilege change; exceptionInfo without a trap is an error', async () => {
    const priv = guest('isa-priv.elf');
    await s.launch({ program: priv, stopOnEntry: true });
    await s.stopped();
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'u_csr' }] });
    await s.dc.continueRequest({ threadId: 1 });
    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'function breakpoint');
    const change = await s.next('ringside/privilegeChanged');
    assert.deepEqual(change.body, { threadId: 1, hartId: 0, from: 'M', to: 'U', ring: 'user, ring 3', virtualPrivilege: null, v: 0 });
    const ring = (await s.dc.customRequest('ringside/ringLevel', { threadId: 1 })).body.harts[0];
    assert.equal(ring.privilege, 'U');
    await assert.rejects(s.dc.exceptionInfoRequest({ threadId: 1 }), /did not stop for an exception/);
  });

  it('runs to the end: console output, exited with the guest status, terminated', async () => {
    await s.launch({ program: DEMO });
    const exited = await s.next('exited');
    assert.equal(exited.body.exitCode, 0);
    await s.next('terminated');
    assert.match(s.stdout, /^Ringside demo guest\n/);
    assert.match(s.stdout, /demo: done\n$/);
    assert.deepEqual((await s.dc.threadsRequest()).body.threads, []);
    await assert.rejects(s.dc.stackTraceRequest({ threadId: 1 }), /exited/);
  });

  it('maxInstructions stops the guest, and each continue grants as many again', async () => {
    await s.launch({ program: DEMO, maxInstructions: 5000 });
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'pause');
    assert.equal(ev.body.description, 'Instruction limit reached');
    assert.equal(await s.value('minstret'), 5000n);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(await s.value('minstret'), 10000n);
  });

  it('restart and terminate', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    await s.dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    await s.stopped();
    await s.dc.restartRequest({});
    assert.equal((await s.stopped()).body.reason, 'entry');
    assert.equal((await s.top()).instructionPointerReference, '0x80000000');
    await s.dc.terminateRequest({});
    await s.next('terminated');
  });
});
