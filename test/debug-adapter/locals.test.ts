// The Locals scope: a stopped C function's parameters and locals from .debug_info (the -O2 demo kernel), in the
// innermost frame (the hart's registers) and in caller frames (the registers unwinding recovered), parameters
// known only by their values at entry recovered from the caller's call site, and evaluate of a local or a part of
// one in a frame.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { crossTool } from '../support/cross';
import { find, guest, Session, startSession } from './support';

const KERNEL = guest('kernel.elf');
const DISK = guest('disk.img');

describe('debug-adapter: Locals scope', function () {
  this.timeout(60000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  const stopIn = async (hit: string, name = 'virtio_blk_read') => {
    await s.launch({ kernel: KERNEL, drive: DISK }, async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name, hitCondition: hit }] });
    });
    await s.stopped();
    return (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  };
  const scopesOf = async (f: DebugProtocol.StackFrame) => (await s.dc.scopesRequest({ frameId: f.id })).body.scopes;

  it('lists the parameters with their values first: fs_init reads the header sector into `header`', async () => {
    const frames = await stopIn('1');
    assert.deepEqual(frames.slice(0, 2).map((f) => f.name), ['virtio_blk_read', 'fs_init']);
    assert.deepEqual((await scopesOf(frames[0])).map((x) => x.name), ['Locals', 'Registers', 'CSRs', 'Privilege', 'Virtualization', 'Translation']);
    const locals = await s.scope('Locals', frames[0].id);
    assert.deepEqual(locals.slice(0, 3).map((v) => [v.name, v.type, v.value]), [
      ['sector', 'uint64_t', '0 (0x0)'],
      ['buf', 'void *', `0x${(await s.value('header')).toString(16)} <header>`],
      ['count', 'uint32_t', '1 (0x1)'],
    ]);
    // Locals not assigned yet at the breakpoint (after the prologue): gcc gives them no location there.
    for (const name of ['avail', 'used', 'spins', 'e', 'isr']) assert.equal(find(locals, name).value, '<optimized out>', name);
    // fs_init's loop counters belong to blocks that do not hold the call: no locals in scope there.
    const caller = await scopesOf(frames[1]);
    assert.equal(caller[0].name, 'Locals');
    assert.deepEqual(await s.scope('Locals', frames[1].id), []);
    // evaluate: a local by name in its frame, and in arithmetic.
    assert.equal(await s.evaluate('count', frames[0].id), '1 (0x1)');
    assert.equal(await s.evaluate('sector + 5', frames[0].id), '0x5 (5)');
    // setVariable on a parameter held in a register: written there, read back, and the register shows it.
    const ref = (await scopesOf(frames[0])).find((x) => x.name === 'Locals')!.variablesReference;
    assert.equal(find(locals, 'count').presentationHint, undefined, 'a local in a register of the innermost frame is writable');
    const reg = (await s.dc.setVariableRequest({ variablesReference: ref, name: 'count', value: 'count + 2' })).body;
    assert.equal(reg.value, '3 (0x3)');
    assert.equal(await s.evaluate('count', frames[0].id), '3 (0x3)');
    await s.dc.setVariableRequest({ variablesReference: ref, name: 'count', value: '1' });
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: ref, name: 'avail', value: '1' }), /optimized out/);
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: ref, name: 'nothing', value: '1' }), /no local named 'nothing'/);
  });

  it('a caller frame\'s locals come from the registers unwinding recovered; structs and pointers expand', async () => {
    // The third read: a user process's read_file system call loads "poem.txt" through fs_load.
    const frames = await stopIn('3');
    assert.deepEqual(frames.slice(0, 3).map((f) => f.name), ['virtio_blk_read', 'fs_load', 'user_trap']);
    const inner = await s.scope('Locals', frames[0].id);
    const fsLoad = await s.scope('Locals', frames[1].id);
    assert.deepEqual(fsLoad.map((v) => v.name), ['name', 'data', 'sectors', 'e']);
    assert.match(find(fsLoad, 'name').value, /^0x[0-9a-f]+ .*"poem\.txt"$/);
    assert.equal(find(fsLoad, 'name').type, 'const char *');
    // e is the directory entry whose first sector virtio_blk_read was asked for.
    const e = find(fsLoad, 'e');
    assert.equal(e.type, 'const struct fs_entry *');
    const [target] = await s.children(e);
    assert.equal(target.name, '*e');
    const members = await s.children(target);
    assert.equal(find(members, 'name').value, '"poem.txt"');
    assert.equal(find(members, 'first_sector').value.split(' ')[0], find(inner, 'sector').value.split(' ')[0]);
    assert.equal(find(members, 'first_sector').evaluateName, 'e[0].first_sector');
    assert.equal(await s.evaluate('e[0].first_sector', frames[1].id), find(members, 'first_sector').value);
    // A caller frame's register-held local cannot be set there (the callee may have moved it).
    const fsLoadRef = (await scopesOf(frames[1])).find((x) => x.name === 'Locals')!.variablesReference;
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: fsLoadRef, name: 'e', value: '0' }), /caller frame|cannot be set|cannot be written/);
    // The system call handler: its parameter tf was in a caller-saved register only at entry, and its caller (the
    // trap vector, assembly) has no call site to say what it passed.
    const userTrap = await s.scope('Locals', frames[2].id);
    assert.match(find(userTrap, 'tf').value, /^<optimized out/);
    const p = await s.children(find(userTrap, 'p'));
    assert.match(find(await s.children(p[0]), 'name').value, /"reader"$/);
  });

  it('parameters known only by their values at entry come from the caller\'s call site, through a chain of callers', async () => {
    // kmain's first kprintf: kprintf passes its own fmt on to kvprintf, which has reused a0 by the time it calls
    // uart_putc_raw; only kmain's call site says what fmt is (an address, DW_OP_addr).
    const frames = await stopIn('1', 'uart_putc_raw');
    assert.deepEqual(frames.slice(0, 4).map((f) => f.name), ['uart_putc_raw', 'kvprintf', 'kprintf', 'kmain']);
    const kvprintf = await s.scope('Locals', frames[1].id);
    const kprintf = await s.scope('Locals', frames[2].id);
    const fmt = find(kvprintf, 'fmt');
    assert.match(fmt.value, /^0x[0-9a-f]+ .*"console: the 16550 at %p from here on/);
    assert.equal(fmt.type, 'const char *');
    assert.equal(find(kprintf, 'fmt').value, fmt.value);
    assert.equal(await s.evaluate('fmt', frames[1].id), fmt.value);
    // kvprintf's ap is kprintf's va_list as kprintf passed it (its frame address, DW_OP_fbreg).
    assert.equal(find(kvprintf, 'ap').value.split(' ')[0], find(kprintf, 'ap').value.split(' ')[0]);
    // A value computed from the caller is not stored anywhere: it cannot be set.
    const ref = (await scopesOf(frames[1])).find((x) => x.name === 'Locals')!.variablesReference;
    assert.deepEqual(fmt.presentationHint, { attributes: ['readOnly'] });
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: ref, name: 'fmt', value: '0' }), /cannot be set/);
    // kmain was entered from assembly (no call site): its dtb stays unknown.
    assert.match(find(await s.scope('Locals', frames[3].id), 'dtb').value, /^<optimized out/);
  });

  it('a symbol file without .debug_info says so in the Locals scope instead of showing it empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-nodebug-'));
    try {
      const stripped = path.join(dir, 'demo-nodebug.elf');
      crossTool('objcopy', ['--strip-debug', guest('demo.elf'), stripped]);
      await s.launch({ program: stripped, stopOnEntry: true });
      await s.stopped();
      const locals = await s.scope('Locals', (await s.top()).id);
      assert.deepEqual(locals.map((v) => [v.name, v.value]), [['<no locals>', 'demo-nodebug.elf has no .debug_info (build it with -g)']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

