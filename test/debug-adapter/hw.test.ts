// The demo kernel under `mode: "hw"` through the real adapter: a VS-mode guest with its virtual privilege,
// the Virtualization scope and `info exits` from the VMM's exit stream, and VM-exit breakpoints with
// conditions (an SBI TIME hypercall, a device access) that stop the guest and let it continue.
import { strict as assert } from 'assert';
import { DebugProtocol } from '@vscode/debugprotocol';
import { VM_EXIT_REASONS } from '../../engine/vmm/vm-exit';
import { find, guest, Session, startSession } from './support';

const KERNEL = guest('kernel.elf');
const DISK = guest('disk.img');
const HW = { kernel: KERNEL, drive: DISK, mode: 'hw' };

describe('debug-adapter: mode hw (the H-extension VMM)', function () {
  this.timeout(60000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  it('stops on entry in VS-mode, the guest believing it is in S; the VM-exit filters are offered', async () => {
    await s.launch({ ...HW, stopOnEntry: true });
    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'entry');
    assert.equal(ev.body.description, 'Stopped at the kernel entry (VS-mode, a guest of the hw VMM)');
    const caps = s.queued('capabilities');
    assert.equal(caps.length, 1, 'one capabilities event: the VM-exit filters');
    const filters = (caps[0] as DebugProtocol.CapabilitiesEvent).body.capabilities.exceptionBreakpointFilters!.map((f) => f.filter);
    for (const r of VM_EXIT_REASONS) assert.ok(filters.includes(`vm-exit-${r}`), r);
    assert.match(s.console, /kernel\.elf on the hw VMM/);

    assert.equal((await s.dc.threadsRequest()).body.threads[0].name, 'hart 0 (VS)');
    const priv = await s.scope('Privilege');
    assert.equal(find(priv, 'privilege').value, 'VS (virtual supervisor)');
    assert.equal(find(priv, 'ring analogy').value, 'guest kernel: ring 0 in non-root mode');
    assert.match(find(priv, 'V (virtualization mode)').value, /^1: the hart runs a guest/);
    assert.match(find(priv, 'virtual privilege').value, /^S \(the guest's own view: kernel, ring 0; the hw VMM runs at HS\)/);
    const virt = await s.scope('Virtualization');
    assert.match(find(virt, 'mode').value, /^hw: /);
    assert.match(find(virt, 'vCPU').value, /^vCPU 0 on hart 0 \(running the guest: V=1\)/);
    assert.match(find(virt, 'G-stage root (hgatp)').value, /^0x[0-9a-f]{16} \((Bare|Sv39x4|Sv48x4)/);

    assert.match(await s.evaluate('info priv'), /^hart 0: VS \(supervisor\): guest kernel: ring 0 in non-root mode; V=1, virtual privilege S /);
    const ring = (await s.dc.customRequest('ringside/ringLevel', {})).body;
    assert.equal(ring.mode, 'hw');
    assert.deepEqual([ring.harts[0].privilege, ring.harts[0].v, ring.harts[0].virtualPrivilege, ring.harts[0].virtualRing],
      ['VS', 1, 'S', 'kernel, ring 0']);
    // The debugger reads guest memory through the guest's translation: the entry's instructions disassemble.
    const top = await s.top();
    assert.equal(top.instructionPointerReference, '0x80200000');
    const dis = (await s.dc.disassembleRequest({ memoryReference: '0x80200000', instructionCount: 2 })).body!.instructions;
    assert.ok(!/unreadable|\?\?/.test(dis[0].instruction), dis[0].instruction);
  });

  it('VM-exit breakpoints: an SBI TIME hypercall, then device accesses, each with a condition; continue goes on', async () => {
    await s.launch(HW, () => s.dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'vm-exit-hypercall', condition: 'eid == 0x54494D45' }],
    }));
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'exception');
    assert.equal(ev.body.description, 'VM exit: hypercall');
    let info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(info.exceptionId, 'vm-exit-hypercall');
    const m = /^exit \d+ vcpu 0 hypercall +pc=(0x[0-9a-f]+) ecall eid=0x54494d45/.exec(info.description!);
    assert.ok(m, info.description);
    // The VMM has handled the call: the guest resumes after its ecall, in sbi_set_timer.
    const top = await s.top();
    assert.equal(top.instructionPointerReference, '0x' + (BigInt(m[1]) + 4n).toString(16));
    assert.equal(top.name, 'sbi_set_timer');
    // Guest memory through both stages: the guest's Sv39 tables, then the VMM's G stage; devices are the VMM's.
    assert.match(await s.evaluate('info mmu sp'), /^hart 0 runs a guest \(V=1\): two-stage translation[^]*\nvsatp\.MODE = Sv39, VS-mode access[^]*\nG stage \(hgatp\): Sv39x4: mapped → pa 0x8020[0-9a-f]{4}\npa 0x8020[0-9a-f]{4} is RAM/);
    assert.match(await s.evaluate('info mmu 0x10000000'), /guest physical 0x10000000 is device uart0 \+ 0x0, emulated by the VMM: accesses are 'mmio' VM exits/);
    await s.value('*(uint64_t*)sp');
    assert.equal(info.details?.typeName, 'VM exit: hypercall');
    // Stopped at the exit: the hart is back in the guest or about to be; the summary counts the exits so far.
    assert.match(await s.evaluate('info exits'), /^hypercall +\d+ /m);
    assert.match(find(await s.scope('Virtualization'), 'VM exits').value, /^\d+ \(.*hypercall \d+/);
    const listed = (await s.dc.customRequest('ringside/vmExits', { reason: 'hypercall', count: 10000 })).body;
    assert.equal(listed.mode, 'hw');
    assert.ok(listed.exits.some((e: { details: { hypercall?: { extension: number } } }) => e.details.hypercall?.extension === 0x54494d45));

    // Now device accesses at or above the UART, instead.
    const set = (await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit-mmio', condition: 'addr >= 0x10000000' }] })).body!.breakpoints!;
    assert.deepEqual(set.map((b) => b.verified), [true]);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.description, 'VM exit: mmio');
    info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(info.exceptionId, 'vm-exit-mmio');
    const first = Number(/^exit (\d+) vcpu 0 mmio /.exec(info.description!)?.[1]);
    assert.ok(first > 0, info.description);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.ok(Number(/^exit (\d+) vcpu 0 mmio /.exec(info.description!)?.[1]) > first, 'the next device access');

    // Without filters the guest runs to its end.
    await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    await s.dc.continueRequest({ threadId: 1 });
    const exited = await s.next<DebugProtocol.ExitedEvent>('exited', 60000);
    assert.equal(exited.body.exitCode, 0);
    assert.match(s.stdout, /kernel: all processes finished\n$/);
  });

  it('refuses hw with a program and the modes not implemented, and the session goes on', async () => {
    await s.initialize();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ program: guest('demo.elf'), mode: 'hw' }, /'mode' "hw" runs an S-mode kernel as a guest/],
      [{ kernel: KERNEL, mode: 'hw', bios: 'none' }, /'bios' cannot be "none" with "mode": "hw"/],
      [{ kernel: KERNEL, mode: 'trap' }, /'mode' "trap" is not implemented yet/],
    ];
    for (const [config, message] of bad) {
      const r = await s.raw('launch', config);
      assert.equal(r.success, false);
      assert.match(r.message ?? '', message);
      assert.equal((r as DebugProtocol.ErrorResponse).body.error?.id, 3001);
    }
    const launched = s.dc.launchRequest({ ...HW, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
    await s.next('initialized');
    await s.dc.configurationDoneRequest();
    await launched;
    assert.equal((await s.stopped()).body.reason, 'entry');
  });
});
