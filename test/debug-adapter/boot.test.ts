// Booting real guests through DAP: the demo kernel on the built-in firmware (a syscall breakpoint hit from a user
// process, kernel source lines, CSRs, the user page table, a step, the exit code), OpenSBI + U-Boot with the
// symbols of both (U-Boot's ELF at its link address and relocated), a guest reset that reboots with the same
// disks and breakpoints, and the other boot paths (firmware file from the reset vector, bios none, append).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { find, guest, lineOf, Session, source, startSession } from './support';

const KERNEL = guest('kernel.elf');
const DISK = guest('disk.img');
const FW_DIR = '/usr/lib/riscv64-linux-gnu/opensbi/generic';
const FW_JUMP_BIN = path.join(FW_DIR, 'fw_jump.bin');
const FW_JUMP_ELF = path.join(FW_DIR, 'fw_jump.elf');
const UBOOT_DIR = '/usr/lib/u-boot/qemu-riscv64_smode';
const UBOOT_BIN = path.join(UBOOT_DIR, 'u-boot.bin');
const UBOOT_ELF = path.join(UBOOT_DIR, 'uboot.elf');
/**
 * Where U-Boot relocates itself on a 128 MiB virt board (its `bdinfo` prints it as "reloc off"): the second
 * copy of uboot.elf's symbols goes there. The tests check it against bdinfo, so a new U-Boot build that moves
 * it fails loudly here rather than showing wrong symbols.
 */
const UBOOT_RELOC_OFF = 0x7d57000;
/** OpenSBI 1.x `struct sbi_ecall_extension`: list head (16), extid_start, extid_end, probe, then handle at 40. */
const ECALL_HANDLE_OFFSET = 40;
/** SBI Base extension id (SBI v2.0 §4). */
const SBI_EXT_BASE = 0x10n;

const haveUboot = () => [FW_JUMP_BIN, FW_JUMP_ELF, UBOOT_BIN, UBOOT_ELF].every((f) => fs.existsSync(f));
const S_MODE = /^H?S$/; // S, or HS once the engine's harts have the H extension

/** At U-Boot's autoboot countdown, a key; then the prompt. Returns where the prompt ends in the console text. */
async function toUbootPrompt(s: Session, from = 0): Promise<number> {
  const at = await s.waitForStdout('Hit any key to stop autoboot', from);
  await s.type(' ');
  return s.waitForStdout('=> ', at);
}

/** Types a U-Boot command and waits for the next prompt; returns the command's output. */
async function uboot(s: Session, from: number, command: string): Promise<{ out: string; at: number }> {
  await s.type(command + '\r');
  const at = await s.waitForStdout('=> ', from + 1);
  return { out: s.stdout.slice(from, at), at };
}

describe('debug-adapter: booting kernels and firmware', function () {
  this.timeout(60000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  it('the demo kernel: a syscall breakpoint hit from a user process, kernel source lines, CSRs, the user page table, a step, the exit code', async () => {
    const procC = source('kernel/proc.c');
    const want = lineOf('kernel/proc.c', 'p->syscalls++;');
    let bp: DebugProtocol.Breakpoint | undefined;
    await s.launch({ kernel: KERNEL, drive: DISK }, async () => {
      bp = (await s.dc.setBreakpointsRequest({ source: { path: procC }, breakpoints: [{ line: want }] })).body.breakpoints[0];
    });
    assert.equal(bp?.verified, true, bp?.message);
    assert.ok(bp!.line! >= want && bp!.line! <= want + 2, `placed at ${bp!.line}, where the statement's code starts`);
    assert.match(s.console, /kernel\.elf on the built-in SBI firmware, 1 hart, 128 MiB, disks: disk\.img \(copy-on-write\)/);
    assert.match(s.console, /symbols: kernel\.elf \(kernel\): \d+ symbols from \.symtab, line table; at its link addresses: 0x80200000-/);

    const ev = await s.stopped();
    assert.equal(ev.body.reason, 'breakpoint');
    assert.deepEqual(ev.body.hitBreakpointIds, [bp!.id]);
    assert.equal(s.stdout.includes('kernel: 6 processes'), true, 'the kernel started its processes first');

    // The stack: the handler's C source, the trap vector in entry.S, then (below the trap) the user code that
    // made the system call, in user/ulib.c.
    const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.deepEqual(frames.slice(0, 2).map((f) => [f.name, f.source?.path, f.line]), [
      ['user_trap', procC, bp!.line],
      ['trap_vector', source('kernel/entry.S'), lineOf('kernel/entry.S', 'call    user_trap')],
    ]);
    assert.equal(frames[2].presentationHint, 'label');
    assert.match(frames[2].name, /^\[trap from U-mode: environment call from U-mode, scause 8\]$/);
    assert.equal(frames[3].source?.path, source('kernel/user/ulib.c'));
    assert.equal(frames[3].line, lineOf('kernel/user/ulib.c', '__asm__ volatile("ecall"'));

    // scause, sepc and satp in the CSR scope's supervisor group.
    const csrs = await s.children(find(await s.scope('CSRs'), 'supervisor'));
    const csr = (name: string) => BigInt(find(csrs, name).value);
    assert.equal(csr('scause'), 8n, 'ecall from U-mode');
    const sepc = csr('sepc');
    assert.equal(sepc, BigInt(frames[3].instructionPointerReference!), 'the user frame is at sepc');
    assert.ok(sepc >= 0x10000n && sepc < 0x11000n, 'sepc is in the user text at 0x10000');
    assert.equal(csr('satp') >> 60n, 8n, 'Sv39');
    assert.equal(((csr('sstatus') >> 8n) & 1n), 0n, 'sstatus.SPP = U: the trap came from a user process');
    const a7 = await s.value('a7');
    assert.ok(a7 >= 1n && a7 <= 5n, `a7 = ${a7} is a system call number`);

    // The user page table: three Sv39 levels down to a U page of the shared user text.
    const mmu = await s.evaluate('info mmu sepc');
    assert.match(mmu, /satp\.MODE = Sv39, S-mode access/);
    assert.match(mmu, /level 2: PTE at pa 0x[0-9a-f]+ = 0x[0-9a-f]+ \[V-------\]/);
    assert.match(mmu, /level 0: PTE at pa 0x[0-9a-f]+ = 0x[0-9a-f]+ \[VR-XU-A-\]/);
    assert.match(mmu, /a user page \(PTE\.U = 1\): S-mode may access it only with sstatus\.SUM set; as U-mode:/);
    assert.match(mmu, new RegExp(`va 0x${sepc.toString(16)} → pa 0x802060[0-9a-f]{2} \\(4 KiB page\\)`));
    assert.match(mmu, /store \(U-mode\): faults\n\s+fetch \(U-mode\): allowed/);

    // A line step stays in the handler's source.
    await s.dc.nextRequest({ threadId: 1 });
    assert.equal((await s.stopped()).body.reason, 'step');
    const after = await s.top();
    assert.equal(after.source?.path, procC);
    assert.notEqual(after.line, bp!.line);

    // To the end: every process finishes and the kernel shuts down with status 0.
    await s.dc.setBreakpointsRequest({ source: { path: procC }, breakpoints: [] });
    await s.dc.continueRequest({ threadId: 1 });
    const exited = await s.next<DebugProtocol.ExitedEvent>('exited');
    assert.equal(exited.body.exitCode, 0);
    await s.next('terminated');
    assert.match(s.stdout, /kernel: all processes finished/);
    assert.match(s.stdout, /reader: \| Six small programs share one hart,/, 'the reader process read poem.txt from the disk');
  });

  it('OpenSBI + U-Boot with both symbol files: breakpoints before and after U-Boot relocates, and an SBI call into OpenSBI\'s handler (S → M)', async function () {
    if (!haveUboot()) this.skip();
    let fbps: DebugProtocol.Breakpoint[] = [];
    await s.launch({
      bios: FW_JUMP_ELF, kernel: UBOOT_BIN,
      symbolFiles: [UBOOT_ELF, { path: UBOOT_ELF, offset: `0x${UBOOT_RELOC_OFF.toString(16)}` }],
    }, async () => {
      fbps = (await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'board_init_f' }, { name: 'board_init_r' }] })).body.breakpoints;
    });
    const linkF = 0x80212394, linkR = 0x802125fa; // from `nm -D uboot.elf`
    assert.deepEqual(fbps.map((b) => [b.verified, b.message]), [
      [true, `2 locations: 0x${linkF.toString(16)}, 0x${(linkF + UBOOT_RELOC_OFF).toString(16)}`],
      [true, `2 locations: 0x${linkR.toString(16)}, 0x${(linkR + UBOOT_RELOC_OFF).toString(16)}`],
    ]);
    assert.match(s.console, /symbols: fw_jump\.elf \(firmware\): \d+ symbols from \.dynsym, no line table; at its link addresses: 0x80000000-/);
    assert.match(s.console, /symbols: uboot\.elf \(symbol file\): \d+ symbols from \.dynsym, no line table; link address \+ 0x7d57000: 0x87f57000-/);
    const modules = (await s.dc.customRequest('modules', {})).body as DebugProtocol.ModulesResponse['body'];
    assert.deepEqual(modules.modules.map((m) => [m.name, m.addressRange, m.version]), [
      ['fw_jump.elf', modules.modules[0].addressRange, 'firmware'],
      ['uboot.elf', modules.modules[1].addressRange, 'symbol file'],
      ['uboot.elf', modules.modules[2].addressRange, 'symbol file, offset +0x7d57000'],
    ]);
    assert.match(modules.modules[0].addressRange!, /^0x80000000-0x800[0-9a-f]{5}$/);

    // board_init_f runs before relocation (at the link address), board_init_r after it (relocated).
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'function breakpoint');
    let top = await s.top();
    assert.deepEqual([top.name, top.instructionPointerReference, top.moduleId], ['board_init_f', `0x${linkF.toString(16)}`, 2]);
    assert.match((await s.dc.threadsRequest()).body.threads[0].name, /^hart 0 \(H?S\)$/);
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    top = await s.top();
    assert.deepEqual([top.name, top.instructionPointerReference, top.moduleId], ['board_init_r', `0x${(linkR + UBOOT_RELOC_OFF).toString(16)}`, 3]);
    const dis = (await s.dc.disassembleRequest({ memoryReference: top.instructionPointerReference!, instructionCount: 3 })).body!.instructions;
    assert.deepEqual(dis.map((d) => d.symbol), ['board_init_r', 'board_init_r', 'board_init_r']);

    // At the prompt, bdinfo confirms the relocation offset the symbol file was given.
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await s.dc.continueRequest({ threadId: 1 });
    let at = await toUbootPrompt(s);
    assert.match(s.stdout, /OpenSBI v1\.\d+/);
    const bd = await uboot(s, at, 'bdinfo');
    at = bd.at;
    assert.equal(Number(/reloc off\s*=\s*(0x[0-9a-f]+)/.exec(bd.out)?.[1]), UBOOT_RELOC_OFF, bd.out);

    // OpenSBI's Base-extension ecall handler: the `handle` pointer of its `ecall_base` extension record (a
    // dynamic symbol of fw_jump.elf; the handler functions themselves are stripped).
    const handler = await s.value(`*(uint64_t*)(ecall_base + ${ECALL_HANDLE_OFFSET})`);
    assert.ok(handler > 0x80000000n && handler < 0x80080000n, `handler ${handler.toString(16)} lies in OpenSBI`);
    const filters = (await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'ecall', condition: 'from == "S"' }] })).body?.breakpoints;
    assert.deepEqual(filters?.map((b) => b.verified), [true]);
    const ibp = (await s.setInstructionBreakpoints([{ instructionReference: `0x${handler.toString(16)}` }])).body.breakpoints[0];
    assert.equal(ibp.verified, true);

    // U-Boot's `sbi` command asks OpenSBI for its version: the ecall traps from S to M ...
    const changedBefore = s.queued('ringside/privilegeChanged').length;
    await s.type('sbi\r');
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'exception');
    assert.equal(ev.body.description, 'Trap: environment call from S-mode');
    const change = s.queued('ringside/privilegeChanged').slice(changedBefore).pop();
    assert.match(change?.body?.from, S_MODE);
    assert.equal(change?.body?.to, 'M');
    const info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.equal(info.exceptionId, 'ecall');
    assert.match(info.description!, /environment call from S-mode \(exception 9\) in S-mode at 0x87f[0-9a-f]{5}, tval 0x0; handler 0x800[0-9a-f]{5} in M-mode/);
    const atTrap = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.match(atTrap[0].name, /^0x800[0-9a-f]{5} in fw_jump\.elf$/, 'the M-mode trap handler, in OpenSBI');
    assert.equal(atTrap[1].name, '[trap from S-mode: environment call from S-mode, mcause 9]');
    assert.match(atTrap[2].name, /^0x87f[0-9a-f]{5} in uboot\.elf$/, 'the trapped context: relocated U-Boot');
    assert.equal(atTrap[2].moduleId, 3);
    let priv = await s.scope('Privilege');
    assert.equal(find(priv, 'privilege').value, 'M (machine)');
    assert.equal(find(priv, 'before the last trap into M (mstatus.MPP)').value, 'S');
    assert.equal(await s.value('a7'), SBI_EXT_BASE, 'a7 = the SBI extension U-Boot called');

    // ... and reaches the Base extension's handler.
    await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal(ev.body.reason, 'instruction breakpoint');
    const inHandler = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(inHandler[0].instructionPointerReference, `0x${handler.toString(16)}`);
    assert.ok(inHandler.length >= 2 && inHandler.every((f) => / in fw_jump\.elf$/.test(f.name)), 'OpenSBI\'s own frames (it keeps frame pointers)');
    priv = await s.scope('Privilege');
    assert.equal(find(priv, 'privilege').value, 'M (machine)');
    assert.equal(find(priv, 'before the last trap into M (mstatus.MPP)').value, 'S');
    assert.equal(await s.value('a0'), SBI_EXT_BASE, 'OpenSBI passes the extension id as the handler\'s first argument');
    assert.match((await s.dc.threadsRequest()).body.threads[0].name, /^hart 0 \(M\)$/);

    await s.setInstructionBreakpoints([]);
    await s.dc.continueRequest({ threadId: 1 });
    const end = await s.waitForStdout('=> ', at);
    assert.match(s.stdout.slice(at, end), /SBI 1\.0\s+OpenSBI 1\.\d/);
    const back = s.queued('ringside/privilegeChanged').length;
    await s.dc.pauseRequest({ threadId: 1 });
    await s.stopped();
    assert.equal(s.queued('ringside/privilegeChanged').length, back + 1, 'paused at the prompt, back in S-mode');
  });

  it('a guest reset reboots the same configuration: disk writes survive, breakpoints are placed again', async function () {
    if (!haveUboot()) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-reset-'));
    const image = path.join(dir, 'disk.img');
    const original = Buffer.alloc(64 * 1024);
    original.write('RINGSIDE-DISK-SECTOR-ZERO', 0);
    fs.writeFileSync(image, original);
    try {
      await s.launch({ kernel: UBOOT_BIN, drive: { file: image }, symbolFiles: [{ path: UBOOT_ELF, offset: UBOOT_RELOC_OFF }] });
      let at = await toUbootPrompt(s);
      assert.match((await uboot(s, at, 'virtio scan')).out, /virtio scan/);
      at = s.stdout.length;
      ({ at } = await uboot(s, at, 'mw.b 0x84000000 0x5a 0x200'));
      const wrote = await uboot(s, at, 'virtio write 0x84000000 1 1');
      assert.match(wrote.out, /1 blocks written: OK/);
      at = wrote.at;

      // A breakpoint set now must be placed again on the rebooted machine.
      const fbp = (await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'board_init_r' }] })).body.breakpoints[0];
      assert.equal(fbp.verified, true);
      const outputs = s.console.length;
      await s.type('reset\r');
      const ev = await s.stopped();
      assert.equal(ev.body.reason, 'function breakpoint', 'the rebooted U-Boot reached board_init_r');
      assert.match(s.console.slice(outputs), /the guest reset the machine: rebooting the same configuration \(disks keep their writes; breakpoints placed again\); the harts start at 0x80200000/);
      assert.equal((await s.top()).name, 'board_init_r');
      assert.match(s.stdout.slice(at), /resetting \.\.\./i);

      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      await s.dc.continueRequest({ threadId: 1 });
      at = await toUbootPrompt(s, at);
      ({ at } = await uboot(s, at, 'virtio scan'));
      ({ at } = await uboot(s, at, 'virtio read 0x85000000 1 1'));
      const md = await uboot(s, at, 'md.b 0x85000000 8');
      assert.match(md.out, /85000000: 5a 5a 5a 5a 5a 5a 5a 5a/, 'the write before the reset is on the disk after it');
      assert.deepEqual(fs.readFileSync(image), original, 'copy-on-write: the image file itself is untouched');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('firmware from the reset vector (fw_jump.bin), bios none, and append in the device tree', async function () {
    if (!fs.existsSync(FW_JUMP_BIN)) this.skip();
    // OpenSBI as a raw image: the harts start in M-mode at QEMU's reset vector; the kernel's symbols still work.
    await s.launch({ bios: FW_JUMP_BIN, kernel: KERNEL, drive: DISK, stopOnEntry: true }, async () => {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
    });
    let ev = await s.stopped();
    assert.equal(ev.body.reason, 'entry');
    assert.equal(ev.body.description, 'Stopped at the reset vector (the firmware starts next)');
    assert.equal((await s.top()).instructionPointerReference, '0x1000');
    assert.equal((await s.dc.threadsRequest()).body.threads[0].name, 'hart 0 (M)');
    await s.dc.continueRequest({ threadId: 1 });
    ev = await s.stopped();
    assert.equal((await s.top()).name, 'kmain');
    assert.match(s.stdout, /OpenSBI v1\.\d/);
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<DebugProtocol.ExitedEvent>('exited')).body.exitCode, 0);
    await s.stop();

    // bios none: the kernel itself starts in M-mode at its entry, a1 = the device tree with the command line.
    s = await startSession();
    await s.launch({ bios: 'none', kernel: KERNEL, stopOnEntry: true, append: 'console=ttyS0 ringside=1' });
    ev = await s.stopped();
    assert.equal(ev.body.description, 'Stopped at the kernel entry (M-mode)');
    const top = await s.top();
    assert.deepEqual([top.source?.path, top.instructionPointerReference], [source('kernel/entry.S'), '0x80200000']);
    assert.match(top.name, /^(_start|__kernel_start)$/, 'two labels name the entry: the linker script\'s and entry.S\'s');
    assert.equal((await s.dc.threadsRequest()).body.threads[0].name, 'hart 0 (M)');
    const dtb = await s.value('a1');
    const mem = (await s.dc.customRequest('readMemory', { memoryReference: `0x${dtb.toString(16)}`, count: 8192 })).body as DebugProtocol.ReadMemoryResponse['body'];
    const bytes = Buffer.from(mem!.data!, 'base64');
    assert.equal(bytes.readUInt32BE(0), 0xd00dfeed, 'a1 points at a flattened device tree');
    assert.ok(bytes.includes(Buffer.from('console=ttyS0 ringside=1\0')), '/chosen/bootargs holds "append"');
  });
});

describe('debug-adapter: call frame information, privilege-change breakpoints, memory address spaces', function () {
  this.timeout(60000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  for (const mode of ['bare', 'hw']) {
    it(`unwinds the -O2 demo kernel by .debug_frame through inlined calls and the trap frame (${mode} mode)`, async () => {
      await s.launch({ kernel: KERNEL, drive: DISK, mode }, async () => {
        await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'virtio_blk_read', hitCondition: '3' }] });
      });
      await s.stopped();
      const frames = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      // The third disk read comes from a user process's read_file system call: through the syscall handler
      // (sys_read_file is inlined into user_trap), the assembly trap vector, then the user code below the trap.
      assert.deepEqual(frames.slice(0, 4).map((f) => [f.name, f.source?.path, f.line]), [
        ['virtio_blk_read', source('kernel/virtio_blk.c'), lineOf('kernel/virtio_blk.c', 'int virtio_blk_read(') + 2],
        ['fs_load', source('kernel/fs.c'), lineOf('kernel/fs.c', 'if (virtio_blk_read(e->first_sector')],
        ['user_trap', source('kernel/proc.c'), lineOf('kernel/proc.c', 'long size = fs_load(name, &data);')],
        ['trap_vector', source('kernel/entry.S'), lineOf('kernel/entry.S', 'call    user_trap')],
      ]);
      assert.match(frames[4].name, /^\[trap from U-mode: environment call from U-mode, scause 8\]$/);
      assert.equal(frames[5].source?.path, source('kernel/user/ulib.c'));

      // A caller frame's Registers scope shows what unwinding recovered: sp (the callee's CFA) and the callee-saved
      // registers; caller-saved ones are not saved anywhere. They are read-only.
      const regsOf = async (frameId: number) => {
        const scope = (await s.dc.scopesRequest({ frameId })).body.scopes.find((x) => x.name === 'Registers')!;
        return { ref: scope.variablesReference, vars: (await s.dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables };
      };
      const inner = await regsOf(frames[0].id), caller = await regsOf(frames[1].id);
      const val = (vars: DebugProtocol.Variable[], n: string) => BigInt(vars.find((v) => v.name === n)!.value.split(' ')[0]);
      assert.ok(val(caller.vars, 'sp') >= val(inner.vars, 'sp'), 'the caller\'s stack pointer is at or above the callee\'s');
      assert.equal(caller.vars.find((v) => v.name === 'a0')!.value, '<not saved>');
      assert.equal(val(caller.vars, 'pc'), BigInt(frames[1].instructionPointerReference!));
      await assert.rejects(s.dc.setVariableRequest({ variablesReference: caller.ref, name: 's0', value: '0' }), /caller frame/);

      // stepOut runs to the return address the CFI names, with the caller's sp: out of the disk driver into
      // fs_load, then out of fs_load into the system call handler.
      for (const want of frames.slice(1, 3)) {
        await s.dc.stepOutRequest({ threadId: 1 });
        assert.equal((await s.stopped()).body.reason, 'step');
        const top = (await s.dc.stackTraceRequest({ threadId: 1, levels: 1 })).body.stackFrames[0];
        assert.equal(top.name, want.name);
        assert.equal(top.instructionPointerReference, want.instructionPointerReference);
        if (want === frames[1]) {
          // Back in fs_load: its live registers are what unwinding recovered for it.
          const live = (await regsOf(top.id)).vars;
          for (const r of ['sp', 's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11']) {
            assert.equal(val(live, r), val(caller.vars, r), r);
          }
        }
      }
    });
  }


  for (const [mode, user] of [['bare', 'U'], ['hw', 'VU']]) {
    it(`stop where the demo kernel first enters user mode, with a condition (${mode} mode)`, async () => {
      let set: DebugProtocol.Breakpoint[] = [];
      await s.launch({ kernel: KERNEL, drive: DISK, mode }, async () => {
        set = (await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'privilege-change', condition: `from == "${mode === 'hw' ? 'VS' : 'S'}" && to == "${user}"` }] })).body!.breakpoints!;
      });
      assert.deepEqual(set.map((b) => b.verified), [true]);
      const ev = await s.stopped();
      assert.equal(ev.body.reason, 'exception');
      const kernelMode = mode === 'hw' ? 'VS' : 'S';
      assert.equal(ev.body.description, `Privilege change: ${kernelMode} → ${user}`);
      const info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
      assert.equal(info.exceptionId, 'privilege-change');
      assert.match(info.description!, new RegExp(`^hart 0: ${kernelMode}-mode → ${user}-mode, continuing at 0x[0-9a-f]+$`));
      const top = (await s.dc.stackTraceRequest({ threadId: 1, levels: 1 })).body.stackFrames[0];
      assert.equal(top.source?.path, source('kernel/user/ulib.c'), 'the first user program starts');
      assert.equal(s.stdout.includes('kernel: all processes finished'), false);
      // A condition over an unknown name is refused; clearing the filter lets the kernel finish.
      const bad = (await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'privilege-change', condition: 'nonsense == 1' }] })).body!.breakpoints!;
      assert.equal(bad[0].verified, false);
      assert.match(bad[0].message!, /no privilege-change field, register, CSR or symbol named 'nonsense'/);
      await s.dc.setExceptionBreakpointsRequest({ filters: [] });
      await s.dc.continueRequest({ threadId: 1 });
      await s.waitForStdout('kernel: all processes finished');
    });
  }


  it('v: references read and write a user process\'s memory through its page table (and the G stage under hw); plain ones are physical', async () => {
    await s.launch({ kernel: KERNEL, drive: DISK, mode: 'hw' }, async () => {
      await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'privilege-change', condition: 'to == "VU"' }] });
    });
    await s.stopped();
    const regs = await s.scope('Registers');
    const sp = BigInt(find(regs, 'sp').value.split(' ')[0]);
    assert.equal(find(regs, 'sp').memoryReference, `v:0x${sp.toString(16)}`);
    // The user stack lies at a user virtual address no physical RAM has.
    assert.ok(sp < 0x8000_0000n, `user sp 0x${sp.toString(16)}`);
    const read = async (ref: string, count: number) => (await s.dc.customRequest('readMemory', { memoryReference: ref, count })).body as DebugProtocol.ReadMemoryResponse['body'];
    const viaV = await read(`v:0x${(sp - 16n).toString(16)}`, 16);
    assert.equal(viaV!.unreadableBytes ?? 0, 0);
    const word = Buffer.from(viaV!.data!, 'base64').readBigUInt64LE(8);
    assert.equal(word, await s.value('*(uint64_t*)(sp-8)'), 'the same bytes as an expression through the hart');
    const viaP = await read(`0x${(sp - 16n).toString(16)}`, 16);
    assert.equal(viaP!.unreadableBytes, 16, 'as a physical address it is not RAM');
    // A write through the page table lands where the guest sees it.
    await s.dc.customRequest('writeMemory', { memoryReference: `v:0x${(sp - 8n).toString(16)}`, data: Buffer.from('ringside').toString('base64') });
    assert.equal(await s.value('*(uint64_t*)(sp-8)'), Buffer.from('ringside').readBigUInt64LE(0));
    // A virtual range that runs into unmapped memory is refused without a partial write.
    await assert.rejects(s.dc.customRequest('writeMemory', { memoryReference: 'v:0x10', data: 'AAAA' }), /not all mapped guest RAM/);
  });
});
