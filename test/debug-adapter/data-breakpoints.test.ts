// Data breakpoints through DAP on demo.elf: dataBreakpointInfo for symbols, memory expressions, addresses and
// registers; write and read watches stopping after the accessing store/load; conditions and hit counts; bad
// requests answered as unverified; the watches survive a guest reset and a restart.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf } from '../../engine/loader/elf';
import { guest, lineOf, Session, source, startSession } from './support';

const DEMO = guest('demo.elf');
const demoSymbols = parseElf(new Uint8Array(fs.readFileSync(DEMO)), DEMO).symbols;
const sym = (name: string) => demoSymbols.lookup(name)!;
const hex = (n: number | bigint) => '0x' + BigInt(n).toString(16);

type ExitedEvent = DebugProtocol.ExitedEvent;

async function info(s: Session, args: DebugProtocol.DataBreakpointInfoArguments): Promise<DebugProtocol.DataBreakpointInfoResponse['body']> {
  return (await s.dc.dataBreakpointInfoRequest(args)).body;
}

function setData(s: Session, breakpoints: DebugProtocol.DataBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
  return s.dc.setDataBreakpointsRequest({ breakpoints }).then((r) => r.body.breakpoints);
}

/** The accessing instruction's pc, from the stop's description ("… by 'sb …' at 0x…"). */
function accessPc(ev: DebugProtocol.StoppedEvent): bigint {
  const m = /' at (0x[0-9a-f]+)/.exec(ev.body.description ?? '');
  assert.ok(m, `the description names the instruction: ${ev.body.description}`);
  return BigInt(m[1]);
}

async function instructionAt(s: Session, pc: bigint): Promise<DebugProtocol.DisassembledInstruction> {
  return (await s.dc.disassembleRequest({ memoryReference: hex(pc), instructionCount: 1 })).body!.instructions[0];
}

describe('debug-adapter: data breakpoints', function () {
  this.timeout(30000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  it('capabilities: supportsDataBreakpoints and supportsDataBreakpointBytes', async () => {
    const caps = (await s.initialize()).body!;
    assert.equal(caps.supportsDataBreakpoints, true);
    assert.equal(caps.supportsDataBreakpointBytes, true);
  });

  it('a write watch on the sieve (composite.3) stops after the stores of crt0 and of show_primes; removing it lets the demo finish', async () => {
    const sieve = sym('composite.3');
    const storeLine = lineOf('demo/main.c', 'composite[j] = 1;');
    const banner = lineOf('demo/main.c', 'uart_puts("primes below 100:");');
    let bp: DebugProtocol.Breakpoint | undefined;
    let dataId = '';
    await s.launch({ program: DEMO }, async () => {
      const i = await info(s, { name: 'composite.3' });
      assert.equal(i.dataId, `va:${hex(sieve.addr)}:${sieve.size}@0`);
      assert.deepEqual(i.accessTypes, ['read', 'write', 'readWrite']);
      assert.match(i.description, new RegExp(`composite\\.3: ${sieve.size} bytes at ${hex(sieve.addr)}`));
      dataId = i.dataId!;
      [bp] = await setData(s, [{ dataId, accessType: 'write' }]);
      assert.equal(bp.verified, true, bp.message);
    });
    // crt0 clears .bss first, 8 bytes at a time.
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'data breakpoint');
    assert.match(ev.body.description!, new RegExp(`^Data breakpoint: write of 8 bytes at ${hex(sieve.addr)} \\(composite\\.3\\) by 'sd zero,0\\(t0\\)' at 0x[0-9a-f]+ \\(zero_bss\\+0x[0-9a-f]+\\)$`));
    assert.equal((await s.top()).source?.path, source('common/crt0.S'));

    // Off while crt0 clears the rest, on again in show_primes (inlined into main).
    await setData(s, []);
    await s.dc.setBreakpointsRequest({ source: { path: source('demo/main.c') }, breakpoints: [{ line: banner }] });
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.stopped()).body.reason, 'breakpoint');
    await s.dc.setBreakpointsRequest({ source: { path: source('demo/main.c') }, breakpoints: [] });
    [bp] = await setData(s, [{ dataId, accessType: 'write' }]);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'data breakpoint');
    assert.deepEqual(ev.body.hitBreakpointIds, [bp!.id]);
    // The first store: composite[4] = 1 (i = 2, j = i * i).
    assert.match(ev.body.description!, new RegExp(`^Data breakpoint: write of 1 byte at ${hex(sieve.addr + 4)} \\(composite\\.3\\+0x4\\) by 'sb `));
    const pc = accessPc(ev);
    const insn = await instructionAt(s, pc);
    assert.match(insn.instruction, /^sb\s/, 'the accessing instruction is a byte store');
    assert.equal(insn.line, storeLine, 'on the line that writes the sieve');
    const top = await s.top();
    assert.equal(top.name, 'main', 'show_primes is inlined into main');
    assert.equal(top.source?.path, source('demo/main.c'));
    assert.notEqual(BigInt(top.instructionPointerReference!), pc, 'the store has completed: the pc is past it');
    assert.equal(await s.value(`*(uint8_t*)${hex(sieve.addr + 4)}`), 1n, 'the value written is visible');

    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'data breakpoint');
    assert.match(ev.body.description!, /composite\.3\+0x6\)/, 'next: composite[6]');

    // Replacing the set with nothing removes the watch: the demo runs to its end.
    assert.deepEqual(await setData(s, []), []);
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<ExitedEvent>('exited')).body.exitCode, 0);
    assert.match(s.stdout, /demo: done\n$/);
  });

  it('a read watch on `failures` stops after the load in main; hit conditions and conditions filter hits', async () => {
    const failures = sym('failures');
    const readLine = lineOf('demo/main.c', 'if (failures) {');
    let ids: number[] = [];
    await s.launch({ program: DEMO }, async () => {
      const f = await info(s, { name: 'failures' });
      assert.equal(f.dataId, `va:${hex(failures.addr)}:4@0`, 'an int: the symbol size');
      const c = await info(s, { name: 'composite.3' });
      const bps = await setData(s, [
        { dataId: f.dataId!, accessType: 'read' },
        // Every store into the sieve, but stop only on the 3rd one that writes composite[8] or later.
        { dataId: c.dataId!, accessType: 'readWrite', hitCondition: '3', condition: `*(uint8_t*)${hex(sym('composite.3').addr + 8)} == 1` },
      ]);
      assert.ok(bps.every((b) => b.verified), JSON.stringify(bps));
      ids = bps.map((b) => b.id!);
    });
    let ev = await s.stopped();
    assert.deepEqual(ev.body.hitBreakpointIds, [ids[1]]);
    assert.match(ev.body.description!, /^Data breakpoint: (read|write) of 1 byte at 0x[0-9a-f]+ \(composite\.3\+0x[0-9a-f]+\)/);
    assert.equal(await s.value(`*(uint8_t*)${hex(sym('composite.3').addr + 8)}`), 1n, 'the condition held');
    assert.equal((await s.top()).name, 'main');

    // Only the read watch on `failures` from now on.
    const f = await info(s, { name: 'failures' });
    const [kept] = await setData(s, [{ dataId: f.dataId!, accessType: 'read' }]);
    assert.equal(kept.id, ids[0], 'the same data breakpoint keeps its id');
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'data breakpoint');
    assert.deepEqual(ev.body.hitBreakpointIds, [ids[0]]);
    assert.match(ev.body.description!, new RegExp(`^Data breakpoint: read of 4 bytes at ${hex(failures.addr)} \\(failures\\) by 'lw `));
    const insn = await instructionAt(s, accessPc(ev));
    assert.match(insn.instruction, /^(c\.)?lw\s/, 'a load');
    assert.equal(insn.line, readLine);
    assert.equal((await s.top()).name, 'main');
    assert.match(await s.evaluate('info breakpoints'), /data \(read\)\t0x[0-9a-f]+\+4\tphys 0x[0-9a-f]+\+4\thit 1 times/);

    await setData(s, []);
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<ExitedEvent>('exited')).body.exitCode, 0);
  });

  it('dataBreakpointInfo: memory expressions, addresses with bytes, registers without an address', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const top = await s.top();
    const sp = await s.value('sp');
    const m = await info(s, { name: '*(uint64_t*)(sp+8)', frameId: top.id });
    assert.equal(m.dataId, `va:${hex(sp + 8n)}:8@0`);
    assert.match(m.description, /8 bytes at/);
    const w = await info(s, { name: '*(uint16_t*)failures' });
    assert.equal(w.dataId, `va:${hex(sym('failures').addr)}:2@0`);
    const a = await info(s, { name: hex(sym('failures').addr), asAddress: true, bytes: 4 });
    assert.equal(a.dataId, `va:${hex(sym('failures').addr)}:4@0`);
    const b = await info(s, { name: 'failures', bytes: 1 });
    assert.equal(b.dataId, `va:${hex(sym('failures').addr)}:1@0`);

    const regs = await s.scope('Registers', top.id);
    const scopes = (await s.dc.scopesRequest({ frameId: top.id })).body.scopes;
    const ref = scopes.find((x) => x.name === 'Registers')!.variablesReference;
    const r = await info(s, { name: regs.find((v) => v.name === 'a0')!.name, variablesReference: ref });
    assert.equal(r.dataId, null);
    assert.match(r.description, /register/);
    assert.equal((await info(s, { name: 'sp' })).dataId, null);
    assert.match((await info(s, { name: 'mstatus' })).description, /CSR/);
    assert.match((await info(s, { name: 'sp + 8' })).description, /computed value/);
    await assert.rejects(s.dc.dataBreakpointInfoRequest({ name: 'no_such_symbol' }), /no register, CSR or symbol named 'no_such_symbol'/);
    await assert.rejects(s.dc.dataBreakpointInfoRequest({ name: 'zz', asAddress: true }), /not an address/);
  });

  it('bad data breakpoints come back unverified, and the session goes on', async () => {
    await s.launch({ program: DEMO }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'main' }] }));
    await s.stopped(); // past crt0's clearing of .bss
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const uart = await info(s, { name: '0x10000000', asAddress: true, bytes: 1 });
    const bps = await setData(s, [
      { dataId: 'no-such-data-id' },
      { dataId: uart.dataId! },
      { dataId: `va:${hex(sym('failures').addr)}:4@0`, condition: 'nonsense ==' },
      { dataId: `va:${hex(sym('failures').addr)}:4@7` },
      { dataId: `va:${hex(sym('failures').addr)}:4@0`, accessType: 'write' },
    ]);
    assert.deepEqual(bps.map((b) => b.verified), [false, false, false, false, true]);
    assert.match(bps[0].message!, /unknown dataId "no-such-data-id"/);
    assert.match(bps[1].message!, /0x10000000 is not guest RAM/);
    assert.match(bps[2].message!, /expression ends too early|nonsense/);
    assert.match(bps[3].message!, /hart 7 does not exist/);
    // `failures` is never written when the demo passes: the write watch never fires.
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<ExitedEvent>('exited')).body.exitCode, 0);
    assert.match(s.stdout, /demo: done\n$/);
  });

  it('data breakpoints are watched again after a guest reset (the machine is rebuilt) and a restart', async () => {
    const sieve = sym('composite.3');
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const i = await info(s, { name: 'composite.3' });
    const [bp] = await setData(s, [{ dataId: i.dataId!, accessType: 'write' }]);
    assert.equal(bp.verified, true);
    // Make the guest reset the machine at once: `sw t1, 0(t0)` with t0 = the test device, t1 = its reset value.
    const vars = (await s.dc.scopesRequest({ frameId: (await s.top()).id })).body.scopes.find((x) => x.name === 'Registers')!;
    await s.dc.setVariableRequest({ variablesReference: vars.variablesReference, name: 't0', value: '0x100000' });
    await s.dc.setVariableRequest({ variablesReference: vars.variablesReference, name: 't1', value: '0x7777' });
    await s.dc.customRequest('writeMemory', { memoryReference: '0x80000000', data: Buffer.from([0x23, 0xa0, 0x62, 0x00]).toString('base64') });
    const outputs = s.console.length;
    await s.dc.continueRequest({ threadId: 1 });
    let ev = await s.stopped();
    assert.match(s.console.slice(outputs), /the guest reset the machine/);
    assert.equal(ev.body.reason, 'data breakpoint', 'the rebooted machine watches the sieve');
    assert.deepEqual(ev.body.hitBreakpointIds, [bp.id]);
    assert.match(ev.body.description!, new RegExp(`write of 8 bytes at ${hex(sieve.addr)} \\(composite\\.3\\) by 'sd zero`), 'crt0 of the rebooted guest clears .bss');

    await s.dc.restartRequest({});
    assert.equal((await s.stopped()).body.reason, 'entry');
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'data breakpoint', 'and so does the restarted one');
    assert.deepEqual(ev.body.hitBreakpointIds, [bp.id]);
    assert.match(ev.body.description!, /\(composite\.3\) by 'sd zero/);
  });

  it('a data breakpoint hit while stepping by line stops the step', async () => {
    const banner = lineOf('demo/main.c', 'uart_puts("primes below 100:");');
    await s.launch({ program: DEMO }, () => s.dc.setBreakpointsRequest({ source: { path: source('demo/main.c') }, breakpoints: [{ line: banner }] }));
    await s.stopped();
    const i = await info(s, { name: 'composite.3' });
    await setData(s, [{ dataId: i.dataId!, accessType: 'write' }]);
    // Step over lines until the sieve is written: the step ends with the data breakpoint.
    let ev: DebugProtocol.StoppedEvent;
    for (let n = 0; ; n++) {
      assert.ok(n < 200, 'the sieve is written within 200 line steps');
      await s.dc.nextRequest({ threadId: 1 });
      ev = await s.stopped();
      if (ev.body.reason !== 'step') break;
    }
    assert.equal(ev.body.reason, 'data breakpoint');
    assert.match(ev.body.description!, /composite\.3\+0x4\)/);
  });
});
