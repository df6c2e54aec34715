// Guest state through DAP: scopes (registers, CSRs with fields, privilege, virtualization, translation),
// setVariable, evaluate and monitor commands, disassemble, memory read/write, stack unwinding, custom requests.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { DebugProtocol } from '@vscode/debugprotocol';
import { TRANSLATIONS_INVALIDATED_EVENT } from '../../debug-adapter/session';
import { CSRS } from '../../engine/isa/csr-table';
import { parseElf } from '../../engine/loader/elf';
import { crossBuild, CrossBuild, crossToolchainAvailable } from '../support/cross';
import { find, guest, lineOf, Session, source, startSession } from './support';

const DEMO = guest('demo.elf');
const demo = parseElf(new Uint8Array(fs.readFileSync(DEMO)), DEMO);
const addrOf = (name: string) => demo.symbols.lookup(name)!.addr;
const hexOf = (n: number | bigint) => '0x' + n.toString(16);

describe('debug-adapter: state', function () {
  this.timeout(30000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  /** Stops in demo_gcd (assembly, a leaf called from C). */
  async function inGcd(): Promise<void> {
    await s.launch({ program: DEMO }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'demo_gcd' }] }));
    await s.stopped();
  }

  it('registers: x0–x31 by ABI name and pc, read and written (setVariable, evaluate)', async () => {
    await inGcd();
    const regs = await s.scope('Registers');
    assert.equal(regs.length, 33);
    assert.deepEqual(regs.slice(0, 4).map((v) => v.name), ['pc', 'zero', 'ra', 'sp']);
    assert.equal(find(regs, 'pc').value, `0x${addrOf('demo_gcd').toString(16).padStart(16, '0')} <demo_gcd>`);
    assert.equal(find(regs, 'a0').value, '0x000000000000042f', 'gcd(1071, 462)');
    assert.equal(find(regs, 'a1').type, 'x11');
    assert.equal(find(regs, 'sp').memoryReference, `v:${hexOf(await s.value('sp'))}`, 'a register holds a virtual address');
    const ref = (await s.dc.scopesRequest({ frameId: (await s.top()).id })).body.scopes.find((x) => x.name === 'Registers')!.variablesReference;

    const set = await s.dc.setVariableRequest({ variablesReference: ref, name: 'a1', value: '0x64' });
    assert.equal(set.body.value, '0x0000000000000064');
    assert.equal(await s.value('a1'), 100n);
    const inv = await s.next<DebugProtocol.InvalidatedEvent>('invalidated');
    assert.deepEqual(inv.body.areas, ['variables']);
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: ref, name: 'zero', value: '1' }), /hardwired/);
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: ref, name: 'a0', value: 'what?' }), /unexpected/);
    // gcd(1071, 100) = 1: the guest computes with the new value.
    await s.dc.stepOutRequest({ threadId: 1 });
    await s.stopped();
    assert.equal(await s.value('a0'), 1n);
  });

  it('CSRs grouped by privilege with decoded fields; written with WARL; read-only ones refused', async () => {
    await inGcd();
    const groups = await s.scope('CSRs');
    assert.deepEqual(groups.map((g) => g.name), ['machine', 'supervisor', 'hypervisor', 'unprivileged (counters)']);
    const hCsrs = CSRS.filter((c) => c.implemented && c.priv === 'H').length;
    if (hCsrs === 0) {
      assert.equal(find(groups, 'hypervisor').variablesReference, 0);
      assert.match(find(groups, 'hypervisor').value, /H extension is not implemented/);
    } else {
      assert.equal((await s.children(find(groups, 'hypervisor'))).length, hCsrs, 'the engine\'s H CSRs, as it implements them');
    }
    const machine = await s.children(find(groups, 'machine'));
    const mstatus = find(machine, 'mstatus');
    const fields = await s.children(mstatus);
    assert.deepEqual(fields.slice(0, 6).map((f) => f.name), ['SIE', 'MIE', 'SPIE', 'MPIE', 'SPP', 'MPP']);
    assert.equal(find(fields, 'UXL').value, '2 (64)');
    assert.equal(find(machine, 'mhartid').value, '0x0000000000000000');
    assert.ok(find(machine, 'PMP').variablesReference > 0);
    const mtvec = await s.children(find(machine, 'mtvec'));
    assert.equal(find(mtvec, 'BASE').value, hexOf(addrOf('guest_trap_entry')));
    assert.equal(find(mtvec, 'MODE').value, '0 (Direct)');

    // Whole CSR, then one field (by value name), both read back through the engine's CSR semantics.
    const mref = find(groups, 'machine').variablesReference;
    assert.equal((await s.dc.setVariableRequest({ variablesReference: mref, name: 'mscratch', value: '0xdeadbeef' })).body.value, '0x00000000deadbeef');
    assert.equal(await s.value('mscratch'), 0xdeadbeefn);
    const fref = mstatus.variablesReference;
    assert.equal((await s.dc.setVariableRequest({ variablesReference: fref, name: 'MPP', value: 'S' })).body.value, '1 (S)');
    assert.equal(((await s.value('mstatus')) >> 11n) & 3n, 1n);
    // MPP = 2 is reserved: WARL keeps the old value.
    assert.equal((await s.dc.setVariableRequest({ variablesReference: fref, name: 'MPP', value: '2' })).body.value, '1 (S)');
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: mref, name: 'mhartid', value: '1' }), /read-only/);
    await assert.rejects(s.dc.setVariableRequest({ variablesReference: fref, name: 'MPP', value: 'Q' }), /does not fit mstatus.MPP/);
    // The S view of mstatus follows.
    const sup = await s.children(find(groups, 'supervisor'));
    assert.ok(find(sup, 'sstatus'));
    assert.equal(await s.value('sstatus & 0x100'), 0n);
  });

  it('privilege, virtualization and translation scopes tell what the engine has', async () => {
    await inGcd();
    const priv = await s.scope('Privilege');
    assert.equal(find(priv, 'privilege').value, 'M (machine)');
    assert.match(find(priv, 'ring analogy').value, /VMM \/ firmware/);
    assert.match(find(priv, 'virtual privilege').value, /^none/);
    const virt = await s.scope('Virtualization');
    assert.match(find(virt, 'mode').value, /^bare/);
    assert.match(find(virt, 'VM exits').value, /^none/);
    const tr = await s.scope('Translation');
    assert.match(find(tr, 'engine').value, /^interpreter/);
    assert.match(find(tr, 'translated blocks').value, /^0/);
    assert.match(find(tr, 'instructions retired').value, /^\d+$/);
  });

  it('evaluate: registers, CSRs, symbols, memory expressions, and monitor commands', async () => {
    await inGcd();
    const sp = await s.value('sp');
    assert.equal(await s.value('main'), BigInt(addrOf('main')));
    assert.equal(await s.value('$a0 + a1 * 2'), 1071n + 462n * 2n);
    assert.equal(await s.value('*(uint32_t*)0x80000000'), 0xf14022f3n, 'csrr t0, mhartid');
    assert.equal(await s.value('*(uint16_t*)(0x80000000 + 2)'), 0xf140n);
    assert.equal(await s.value('*(int8_t*)0x80000003'), BigInt.asUintN(64, -15n), 'sign-extended');
    const raw = await s.dc.customRequest('readMemory', { memoryReference: hexOf(sp + 8n), count: 8 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(await s.value('*(uint64_t*)(sp+8)'), Buffer.from(raw.body!.data!, 'base64').readBigUInt64LE(0));
    assert.equal(await s.value('mhartid == 0 && priv == "M"'), 1n);
    assert.equal(await s.evaluate('priv'), '"M"');
    await assert.rejects(s.dc.evaluateRequest({ expression: 'no_such_name + 1', context: 'repl' }), /no register, CSR or symbol named 'no_such_name'/);
    await assert.rejects(s.dc.evaluateRequest({ expression: '*(uint64_t*)0x10', context: 'repl' }), /not RAM/);

    const regs = await s.evaluate('info registers');
    assert.match(regs, /^pc {3}0x[0-9a-f]{16} {2}<demo_gcd>/);
    assert.match(regs, /x10 a0 {3}0x000000000000042f/);
    assert.match(await s.evaluate('info csr mstatus'), /mstatus \(0x300, M-level\) = 0x0000000a00000000[\s\S]*MPP\s+0 \(U\)/);
    assert.match(await s.evaluate('info csr fcsr'), /not implemented by this hart/);
    assert.match(await s.evaluate('info tb'), /engine: interpreter[\s\S]*no translated blocks/);
    assert.match(await s.evaluate('info jit'), /binary translator has not landed/);
    const mmu = await s.evaluate('info mmu 0x80001000');
    assert.match(mmu, /hart 0 is in M-mode: no translation \(mstatus.MPRV is clear\)\. va 0x80001000 = pa 0x80001000 \(identity\)/);
    assert.match(mmu, /is RAM/);
    assert.match(mmu, /PMP: M rwx, S ---, U ---/);
    assert.match(await s.evaluate('info mmu 0x10000000'), /device uart0/);
    assert.match(await s.evaluate('info exits'), /no VM exits/);
    assert.match(await s.evaluate('info breakpoints'), /function\tdemo_gcd/);
    await assert.rejects(s.dc.evaluateRequest({ expression: 'info nonsense', context: 'repl' }), /unknown monitor command/);
  });

  it('disassemble with symbols, instruction bytes, source lines and negative offsets', async () => {
    await inGcd();
    const gcd = addrOf('demo_gcd');
    const r = await s.dc.disassembleRequest({ memoryReference: hexOf(gcd), instructionOffset: -3, instructionCount: 8, resolveSymbols: true });
    const ins = r.body!.instructions;
    assert.equal(ins.length, 8);
    assert.equal(ins[3].address, hexOf(gcd), 'three instructions before the reference, then it');
    assert.equal(ins[3].symbol, 'demo_gcd');
    assert.equal(ins[3].instruction, `beqz     a1,${(gcd + 12).toString(16)} <demo_gcd+0xc>`);
    assert.equal(ins[3].line, lineOf('demo/asm.S', 'demo_gcd:') + 1);
    assert.equal(ins[4].instruction, 'remu     t0,a0,a1');
    assert.equal(ins[4].instructionBytes?.length, 8);
    for (let i = 1; i < ins.length; i++) {
      const prev = BigInt(ins[i - 1].address), size = BigInt(ins[i - 1].instructionBytes!.length / 2);
      assert.equal(BigInt(ins[i].address), prev + size, 'contiguous');
    }
    assert.ok(ins.some((i) => i.location?.path === source('demo/asm.S')));
    // Before RAM: placeholders, not an error.
    const low = await s.dc.disassembleRequest({ memoryReference: '0x80000000', instructionOffset: -2, instructionCount: 3 });
    assert.equal(low.body!.instructions[0].presentationHint, 'invalid');
    assert.equal(low.body!.instructions[2].address, '0x80000000');
  });

  it('memory: read, write (events), unreadable ranges; the guest sees the write', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const r = await s.dc.customRequest('readMemory', { memoryReference: '0x80000000', count: 8 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(r.body!.address, '0x80000000');
    assert.deepEqual([...Buffer.from(r.body!.data!, 'base64')], [0xf3, 0x22, 0x40, 0xf1, 0x63, 0x92, 0x02, 0x04]);
    // Across the end of RAM (128 MiB): the readable prefix, then the unreadable count.
    const end = await s.dc.customRequest('readMemory', { memoryReference: hexOf(0x80000000 + 128 * 1024 * 1024 - 4), count: 16 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(Buffer.from(end.body!.data!, 'base64').length, 4);
    assert.equal(end.body!.unreadableBytes, 12);
    const dev = await s.dc.customRequest('readMemory', { memoryReference: '0x10000000', count: 8 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(dev.body!.data, undefined, 'device registers are not read (reads have side effects)');
    assert.equal(dev.body!.unreadableBytes, 8);

    // Patch the string show_reverse prints, then let the guest run.
    const text = demo.symbols.all().find((x) => /^text(\.\d+)?$/.test(x.name) && x.kind === 'object'); // gcc names statics text.N
    assert.ok(text, 'show_reverse\'s static text');
    const w = await s.dc.customRequest('writeMemory', { memoryReference: hexOf(text.addr), data: Buffer.from('J').toString('base64') }) as DebugProtocol.WriteMemoryResponse;
    assert.equal(w.body!.bytesWritten, 1);
    const mem = await s.next<DebugProtocol.MemoryEvent>('memory');
    assert.deepEqual(mem.body, { memoryReference: hexOf(text.addr), offset: 0, count: 1 });
    await assert.rejects(s.dc.customRequest('writeMemory', { memoryReference: '0x10000000', data: 'AA==' }), /not all guest RAM/);
    await s.dc.continueRequest({ threadId: 1 });
    await s.next('exited');
    assert.match(s.stdout, /reverse of "Jello from a RISC-V guest!" is "!tseug V-CSIR a morf olleJ"/);
  });

  it('a code patch through writeMemory runs as written (the decode cache is dropped)', async () => {
    await inGcd();
    // demo_gcd's first instruction `beqz a1, 2f` (c.beqz, 2 bytes) → `c.li a0, 7; ...`: make it return 7 at once
    // by writing `li a0, 7` (c.li: 0x451d) and `ret` (c.jr ra: 0x8082).
    const gcd = addrOf('demo_gcd');
    await s.dc.customRequest('writeMemory', { memoryReference: hexOf(gcd), data: Buffer.from([0x1d, 0x45, 0x82, 0x80]).toString('base64') });
    const ins = (await s.dc.disassembleRequest({ memoryReference: hexOf(gcd), instructionCount: 2 })).body!.instructions;
    assert.deepEqual(ins.map((i) => i.instruction), ['li       a0,7', 'ret']);
    await s.dc.stepOutRequest({ threadId: 1 });
    await s.stopped();
    assert.equal(await s.value('a0'), 7n);
  });

  it('stack trace: frame-pointer chain through C frames (a -fno-omit-frame-pointer build)', async function () {
    if (!crossToolchainAvailable(['gcc'])) this.skip();
    const program = [
      '#include <stdint.h>', // 1
      'char stack[8192] __attribute__((aligned(16)));',
      '__asm__(".globl _start\\n_start:\\n la sp, stack + 8192\\n call main\\n1: j 1b\\n");',
      'volatile int sink;',
      'void leaf(int x)', // 5
      '{',
      '  sink = x;', // 7
      '}',
      'void inner(int x)', // 9
      '{',
      '  leaf(x + 1);', // 11
      '  sink += 2;',
      '}',
      'void outer(int x)', // 14
      '{',
      '  inner(x * 2);', // 16
      '  sink += 3;',
      '}',
      'int main(void)', // 19
      '{',
      '  outer(5);', // 21
      '  *(volatile uint32_t *)0x100000 = 0x5555;',
      '  for (;;) {}',
      '}',
    ].join('\n');
    let b: CrossBuild | undefined;
    try {
      b = crossBuild(program, { lang: 'c', name: 'fp', flags: ['-O1', '-g', '-ffreestanding', '-fno-omit-frame-pointer', '-mcmodel=medany', '-fno-inline'],
        linkerScript: 'ENTRY(_start)\nSECTIONS { . = 0x80000000; .text : { *(.text*) } .data : { *(.rodata*) *(.data*) *(.sdata*) } ' +
          '.bss : { *(.sbss*) *(.bss*) *(COMMON) } }\n' });
      await s.launch({ program: b.elf }, async () => {
        await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'leaf' }, { name: 'inner' }] });
      });
      await s.stopped(); // inner, before its prologue: ra names outer, s0 is still outer's frame
      let frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.deepEqual(frames.map((f) => f.name), ['inner', 'outer', 'main', '_start']);
      await s.dc.continueRequest({ threadId: 1 });
      await s.stopped(); // leaf
      await s.dc.nextRequest({ threadId: 1 }); // past leaf's prologue: its own frame record
      await s.stopped();
      frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.deepEqual(frames.map((f) => f.name), ['leaf', 'inner', 'outer', 'main', '_start']);
      assert.ok(frames.every((f) => f.instructionPointerReference), 'every frame has an instruction pointer');
      assert.equal(frames[0].line, 7);
      assert.equal(frames[1].line, 11, 'inner\'s frame is at its call of leaf');
      assert.equal(frames[2].line, 16);
      assert.equal(frames[3].line, 21);
      const paged = (await s.dc.stackTraceRequest({ threadId: 1, startFrame: 1, levels: 2 })).body;
      assert.deepEqual(paged.stackFrames.map((f) => f.name), ['inner', 'outer']);
      assert.equal(paged.totalFrames, 5);
    } finally {
      b?.cleanup();
    }
  });

  it('custom requests: ring level, translated blocks (paged, sortable, truthful), TB stats, VM exits, console input', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const ring = (await s.dc.customRequest('ringside/ringLevel')).body;
    assert.deepEqual(ring, {
      mode: 'bare',
      harts: [{ threadId: 1, hartId: 0, privilege: 'M', privilegeName: 'machine', ring: ring.harts[0].ring, v: 0,
        virtualPrivilege: null, virtualRing: null, state: 'stopped' }],
    });
    const tbs = (await s.dc.customRequest('ringside/translatedBlocks', { start: 0, count: 50, sortBy: 'execCount' })).body;
    assert.equal(tbs.engine, 'interpreter');
    assert.deepEqual(tbs.blocks, []);
    assert.equal(tbs.totalBlocks, 0);
    await assert.rejects(s.dc.customRequest('ringside/translatedBlocks', { sortBy: 'colour' }), /sortBy must be one of/);
    await assert.rejects(s.dc.customRequest('ringside/translatedBlocks', { count: -1 }), /count must be/);
    const stats = (await s.dc.customRequest('ringside/tbStats')).body;
    assert.equal(stats.engine, 'interpreter');
    assert.equal(stats.blocks, 0);
    assert.equal(typeof stats.decodedPagesDropped, 'number');
    const exits = (await s.dc.customRequest('ringside/vmExits', { start: 0, count: 10 })).body;
    assert.deepEqual([exits.mode, exits.total, exits.exits], ['bare', 0, []]);
    const input = (await s.dc.customRequest('ringside/consoleInput', { text: 'hello\n' })).body;
    assert.deepEqual(input, { accepted: 6, dropped: 0 });
    // The UART's receive buffer is finite: the overflow is reported, not hidden.
    const flood = (await s.dc.customRequest('ringside/consoleInput', { text: 'x'.repeat(5000) })).body;
    assert.equal(flood.accepted + flood.dropped, 5000);
    assert.ok(flood.dropped > 0);
    await assert.rejects(s.dc.customRequest('ringside/consoleInput', { text: 42 }), /needs \{ text: string \}|needs \( text: string \)/);
    await assert.rejects(s.dc.customRequest('ringside/noSuchThing'), /unknown request 'ringside\/noSuchThing'/);
  });

  it('custom requests: one translated block (none under the interpreter), invalidating translations with its event', async () => {
    await s.launch({ program: DEMO, stopOnEntry: true });
    await s.stopped();
    const one = (await s.dc.customRequest('ringside/translatedBlock', { guestPc: '0x80000000' })).body;
    assert.deepEqual([one.engine, one.guestPc, one.block], ['interpreter', '0x80000000', null]);
    assert.match(one.note, /no translated blocks/);
    await assert.rejects(s.dc.customRequest('ringside/translatedBlock', {}), /needs [{(] guestPc/);
    // A step decodes the entry page; invalidating all of RAM drops it, with an event saying so.
    await s.dc.nextRequest({ threadId: 1, granularity: 'instruction' });
    await s.stopped();
    const before = s.queued(TRANSLATIONS_INVALIDATED_EVENT).length;
    const inv = (await s.dc.customRequest('ringside/invalidateTranslations')).body;
    assert.equal(inv.engine, 'interpreter');
    assert.equal(inv.blocksInvalidated, 0);
    assert.ok(inv.decodedPagesDropped >= 1, `dropped ${inv.decodedPagesDropped}`);
    const ev = s.queued(TRANSLATIONS_INVALIDATED_EVENT).slice(before);
    assert.equal(ev.length, 1);
    assert.deepEqual([ev[0].body.reason, ev[0].body.decodedPages, ev[0].body.start], ['request', inv.decodedPagesDropped, '0x80000000']);
    // A range that holds no decoded code drops nothing; a reversed one is refused.
    const none = (await s.dc.customRequest('ringside/invalidateTranslations', { start: '0x87000000', end: '0x87001000' })).body;
    assert.equal(none.decodedPagesDropped, 0);
    await assert.rejects(s.dc.customRequest('ringside/invalidateTranslations', { start: 10, end: 5 }), /start ≤ end/);
    // The guest runs on, its code decoded again.
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<DebugProtocol.ExitedEvent>('exited')).body.exitCode, 0);
  });
});
