// Several harts through DAP: one thread per hart named with its privilege, every stop stops them all, stack
// traces and registers per thread, and stepping one thread while the others stay where they stopped
// (guests/sbi/smp-test.c on the built-in firmware: the boot hart starts the others with SBI HSM).
import { strict as assert } from 'assert';
import { DebugProtocol } from '@vscode/debugprotocol';
import { find, guest, lineOf, Session, source, startSession } from './support';

const SMP_TEST = guest('smp-test.elf');
const HARTS = 4;

describe('debug-adapter: SMP guests', function () {
  this.timeout(60000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  /** Where each hart stands: pc (from its top frame) and its retired-instruction count (minstret). */
  async function where(threadId: number): Promise<{ pc: string; instret: bigint }> {
    const top = (await s.dc.stackTraceRequest({ threadId, levels: 1 })).body.stackFrames[0];
    const result = (await s.dc.evaluateRequest({ expression: 'minstret', frameId: top.id, context: 'watch' })).body.result;
    return { pc: top.instructionPointerReference!, instret: BigInt(result.split(' ')[0]) };
  }

  it('harts are threads: stops stop all, stacks and registers per thread, one thread steps while the others stay', async () => {
    let bp: DebugProtocol.Breakpoint | undefined;
    await s.launch({ kernel: SMP_TEST, smp: HARTS }, async () => {
      bp = (await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'secondary_main', condition: 'a0 == 2' }] })).body.breakpoints[0];
    });
    assert.equal(bp?.verified, true);
    assert.match(s.console, /smp-test\.elf on the built-in SBI firmware, 4 harts, 128 MiB/);

    // Hart 2 comes in through HSM hart_start: thread 3 stops, and so does everyone else.
    const ev = await s.stopped();
    assert.deepEqual([ev.body.reason, ev.body.threadId, ev.body.allThreadsStopped], ['function breakpoint', 3, true]);
    const threads = (await s.dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.id), [1, 2, 3, 4]);
    threads.forEach((t, i) => assert.match(t.name, new RegExp(`^hart ${i} \\((M|H?S|U)\\)$`)));
    assert.match(threads[2].name, /^hart 2 \(H?S\)$/);

    // Per-thread stacks and registers.
    const stack2 = (await s.dc.stackTraceRequest({ threadId: 3 })).body.stackFrames;
    assert.deepEqual(stack2.slice(0, 2).map((f) => f.name), ['secondary_main', 'secondary_entry']);
    assert.equal(stack2[0].source?.path, source('sbi/smp-test.c'));
    assert.equal(stack2[1].line, lineOf('sbi/entry.S', 'call    secondary_main'));
    const regs2 = await s.scope('Registers', stack2[0].id);
    assert.equal(BigInt(find(regs2, 'a0').value), 2n, 'hart 2 entered with a0 = its hartid');
    assert.equal(BigInt(find(regs2, 'tp').value), 2n);
    const stack0 = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.notEqual(stack0[0].instructionPointerReference, stack2[0].instructionPointerReference);
    const regs0 = await s.scope('Registers', stack0[0].id);
    assert.equal(BigInt(find(regs0, 'tp').value), 0n, 'thread 1 is the boot hart');
    assert.equal(await s.evaluate('mhartid', stack2[0].id), '0x2 (2)');
    assert.equal(await s.evaluate('mhartid', stack0[0].id), '0x0 (0)');

    // Step thread 3 by instruction and by line: only hart 2 moves.
    const before = await Promise.all([1, 2, 3, 4].map(where));
    await s.dc.stepInRequest({ threadId: 3, granularity: 'instruction' });
    let step = await s.stopped();
    assert.deepEqual([step.body.reason, step.body.threadId, step.body.allThreadsStopped], ['step', 3, true]);
    let now = await Promise.all([1, 2, 3, 4].map(where));
    assert.notEqual(now[2].pc, before[2].pc, 'hart 2 stepped');
    assert.equal(now[2].instret, before[2].instret + 1n, 'by one instruction');
    for (const i of [0, 1, 3]) assert.deepEqual(now[i], before[i], `hart ${i} stayed where it stopped`);

    const line = (await s.top(3)).line;
    await s.dc.nextRequest({ threadId: 3 });
    step = await s.stopped();
    assert.deepEqual([step.body.reason, step.body.threadId], ['step', 3]);
    const moved = await s.top(3);
    assert.equal(moved.source?.path, source('sbi/smp-test.c'));
    assert.notEqual(moved.line, line);
    now = await Promise.all([1, 2, 3, 4].map(where));
    for (const i of [0, 1, 3]) assert.deepEqual(now[i], before[i], `hart ${i} still stayed where it stopped`);

    // A pause reports the thread in focus; then the test runs to its end on all harts.
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await s.dc.continueRequest({ threadId: 3 });
    const exited = await s.next<DebugProtocol.ExitedEvent>('exited', 30000);
    assert.equal(exited.body.exitCode, 0);
    assert.match(s.stdout, /smp-test: 4 harts, boot hart 0/);
    assert.match(s.stdout, /smp-test: PASS/);
  });

  it('a hart the firmware has not started yet cannot be stepped; the others can', async () => {
    await s.launch({ kernel: SMP_TEST, smp: 2, stopOnEntry: true });
    const ev = await s.stopped();
    assert.deepEqual([ev.body.reason, ev.body.description], ['entry', 'Stopped at the kernel entry (S-mode, after the built-in firmware)']);
    await assert.rejects(s.dc.stepInRequest({ threadId: 2, granularity: 'instruction' }),
      /hart 1 is not running \(stopped through SBI HSM, or never started\): it has no instruction to step/);
    await s.dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    assert.deepEqual([(await s.stopped()).body.threadId], [1]);
  });
});
