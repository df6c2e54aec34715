// VM exits in the debugger: truthful in bare mode (no filters, an empty list), and, with a bare machine given an
// exit stream fed by the test (exact records, independent of the VMM), the listing, the counters and VM-exit
// breakpoints with conditions, end to end through an inline session. The hw VMM's own exits: hw.test.ts.
import { strict as assert } from 'assert';
import { DebugProtocol } from '@vscode/debugprotocol';
import { createInlineSession } from '../../debug-adapter/index';
import { listVmExits, VM_EXIT_FILTERS, vmExitFiltersFor, VmExitListError } from '../../debug-adapter/vm-exits';
import { Machine } from '../../engine/machine';
import { ExitStream } from '../../engine/vmm/exit-stream';
import { VM_EXIT_REASONS, VmExit, VmExitReason } from '../../engine/vmm/vm-exit';
import { guest, startSession } from './support';

/** A record as a VMM would emit it (docs/vm-exits.md). */
function record(stream: ExitStream, reason: VmExitReason, details: VmExit['details'], vcpu = 0): VmExit {
  return {
    seq: stream.nextSeq(), vcpu, reason, guestPc: 0x80001234n, instruction: { raw: 0x00000073, text: 'ecall' }, details,
    before: { real: 'VS' }, after: { real: 'HS' }, instret: 1000, hostNs: 250,
  };
}

const TIME_SET = { hypercall: { extension: 0x54494d45, function: 0, args: [0x1234n], name: 'TIME.set_timer' } };
const PUTCHAR = { hypercall: { extension: 0x1, function: 0, args: [0x41n], name: 'legacy console_putchar' } };

describe('debug-adapter: VM exits', function () {
  this.timeout(30000);

  it('VM-exit filters: one per exit reason, offered only where a VMM runs', () => {
    assert.deepEqual(vmExitFiltersFor('bare'), []);
    for (const mode of ['trap', 'bt', 'pv', 'hw'] as const) {
      assert.deepEqual(vmExitFiltersFor(mode).map((f) => f.filter), VM_EXIT_REASONS.map((r) => `vm-exit-${r}`));
    }
    assert.ok(VM_EXIT_FILTERS.every((f) => f.supportsCondition && /csr == "satp"/.test(f.conditionDescription!)));
  });

  it('ringside/vmExits answers from the stream when there is one, else an empty bare-mode list', () => {
    assert.deepEqual(listVmExits(undefined, 'bare', {}).exits, []);
    assert.match(String(listVmExits(undefined, 'bare', {}).note), /bare mode runs no VMM/);
    const stream = new ExitStream();
    stream.keepHistory = true;
    for (let i = 0; i < 5; i++) stream.emit(record(stream, 'hypercall', TIME_SET, i % 2));
    stream.emit(record(stream, 'csr-access', { csr: { number: 0x180, name: 'satp', write: true, value: 0x8000000000080200n } }));
    const all = listVmExits(stream, 'hw', {});
    assert.equal(all.total, 6);
    assert.deepEqual(all.counts, { hypercall: 5, 'csr-access': 1 });
    const page = listVmExits(stream, 'hw', { reason: 'hypercall', hartId: 1, start: 1, count: 5 });
    assert.equal(page.total, 2);
    const exits = page.exits as { seq: number; vcpu: number; guestPc: string; details: { hypercall: { args: string[] } } }[];
    assert.deepEqual(exits.map((e) => [e.seq, e.vcpu]), [[4, 1]]);
    assert.equal(exits[0].guestPc, '0x80001234', '64-bit values as hex strings');
    assert.deepEqual(exits[0].details.hypercall.args, ['0x1234']);
    assert.throws(() => listVmExits(stream, 'hw', { reason: 'coffee-break' }), VmExitListError);
    assert.throws(() => listVmExits(stream, 'hw', { count: 0 }), /count must be between 1 and 10000/);
  });

  it('bare mode: no VM-exit filters at initialize, a VM-exit filter cannot hit, no exits listed', async () => {
    const s = await startSession();
    try {
      const caps = (await s.initialize()).body!;
      assert.ok(!caps.exceptionBreakpointFilters!.some((f) => f.filter.startsWith('vm-exit-')));
      const launched = s.dc.launchRequest({ program: guest('demo.elf'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
      await s.next('initialized');
      await s.dc.configurationDoneRequest();
      await launched;
      await s.stopped();
      assert.equal(s.queued('capabilities').length, 0, 'bare mode changes no capabilities');
      const r = (await s.dc.setExceptionBreakpointsRequest({ filters: ['vm-exit-hypercall', 'ecall'] })).body!.breakpoints!;
      assert.deepEqual(r.map((b) => b.verified), [false, true]);
      assert.match(r[0].message!, /no VMM runs \(bare mode has no VM exits\)/);
      const bad = (await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit-csr-access', condition: 'colour == 3' }] })).body!.breakpoints!;
      assert.match(bad[0].message!, /no VM-exit field named 'colour'/);
      const list = (await s.dc.customRequest('ringside/vmExits', {})).body;
      assert.deepEqual([list.mode, list.total, list.exits], ['bare', 0, []]);
      assert.match(await s.evaluate('info exits'), /no VM exits: the guest runs in bare mode/);
    } finally {
      await s.stop();
    }
  });

  it('with an exit stream on the machine: VM-exit breakpoints with conditions stop the guest; exits are listed and counted', async () => {
    // Give every (bare) Machine a stream, as the hw VMM's Machine.exits is, and feed it by hand.
    const streams: ExitStream[] = [];
    Object.defineProperty(Machine.prototype, 'exits', {
      configurable: true,
      get(this: Machine & { _exits?: ExitStream }) {
        if (!this._exits) streams.push(this._exits = new ExitStream());
        return this._exits;
      },
    });
    const session = createInlineSession();
    try {
      const sent: DebugProtocol.ProtocolMessage[] = [];
      session.onDidSendMessage((m) => { sent.push(m as DebugProtocol.ProtocolMessage); });
      let seq = 1;
      const next = async (pred: (m: DebugProtocol.ProtocolMessage) => boolean, from = 0) => {
        for (let i = 0; i < 1000; i++) {
          const m = sent.slice(from).find(pred);
          if (m) return m;
          await new Promise((r) => setTimeout(r, 5));
        }
        throw new Error('no such message');
      };
      const request = async (command: string, args: unknown): Promise<DebugProtocol.Response> => {
        const mySeq = seq++;
        session.handleMessage({ type: 'request', seq: mySeq, command, arguments: args } as DebugProtocol.Request);
        return await next((m) => m.type === 'response' && (m as DebugProtocol.Response).request_seq === mySeq) as DebugProtocol.Response;
      };
      const event = (name: string, from: number) => next((m) => m.type === 'event' && (m as DebugProtocol.Event).event === name, from);

      await request('initialize', { adapterID: 'ringside', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const launched = request('launch', { program: guest('bench.elf') });
      await event('initialized', 0);
      const set = await request('setExceptionBreakpoints', { filters: [], filterOptions: [{ filterId: 'vm-exit-hypercall', condition: 'eid == 0x54494D45 && a0 == 0x1234' }] });
      assert.deepEqual((set.body as DebugProtocol.SetExceptionBreakpointsResponse['body'])!.breakpoints!.map((b) => b.verified), [true]);
      await request('configurationDone', {});
      await launched;
      const stream = streams[streams.length - 1];
      assert.equal(stream.keepHistory, true, 'the adapter keeps history on for the VM Exits view');

      // An exit the condition rejects, then one it accepts, while the guest runs.
      const mark = sent.length;
      stream.emit(record(stream, 'hypercall', PUTCHAR));
      stream.emit(record(stream, 'hypercall', TIME_SET));
      const stopped = await event('stopped', mark) as DebugProtocol.StoppedEvent;
      assert.equal(stopped.body.reason, 'exception');
      assert.equal(stopped.body.description, 'VM exit: hypercall');
      assert.equal(sent.slice(mark).filter((m) => (m as DebugProtocol.Event).event === 'stopped').length, 1, 'one stop, for the exit that matched');
      const info = (await request('exceptionInfo', { threadId: 1 })).body as DebugProtocol.ExceptionInfoResponse['body'];
      assert.equal(info.exceptionId, 'vm-exit-hypercall');
      assert.match(info.description!, /^exit 2 vcpu 0 hypercall\s+pc=0x80001234 ecall eid=0x54494d45 \(TIME\.set_timer\) fid=0 \[VS -> HS\]/);

      const list = (await request('ringside/vmExits', { reason: 'hypercall' })).body as { total: number; exits: { seq: number }[]; counts: Record<string, number> };
      assert.deepEqual([list.total, list.exits.map((e) => e.seq), list.counts], [2, [1, 2], { hypercall: 2 }]);
      const summary = (await request('evaluate', { expression: 'info exits', context: 'repl' })).body as { result: string };
      assert.match(summary.result, /hypercall\s+2\s+100\.00%/);
      await request('terminate', {});
    } finally {
      delete (Machine.prototype as unknown as Record<string, unknown>).exits;
      session.dispose();
    }
  });
});
