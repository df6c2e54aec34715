// Tests of the differential harness itself: RSP decoding on strings, then QEMU against a second QEMU in lockstep.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import {
  GdbRemote, GdbTargetExitedError, GdbTimeoutError, PacketParser, checksum, decodeBody, encodePacket, isErrorReply, leHexToBigInt, bigIntToLeHex,
  parseRegisterFile, parseStopReply, RegisterFile,
} from './gdb-remote';
import {
  ABI_NAMES, DivergenceError, RemoteTarget, SteppableTarget, assertNoDivergence, compareRegisters, decodeCsrRead,
  formatDivergence, runLockstep, syncCounterReads,
} from './lockstep';
import { QEMU_BINARY, QemuInstance, skipUnlessInstalled } from './qemu';

const GCC = 'riscv64-unknown-elf-gcc';

describe('differential: GDB remote protocol framing', () => {
  it('computes the modulo-256 checksum and frames commands', () => {
    assert.equal(checksum('g'), 0x67);
    assert.equal(encodePacket('g'), '$g#67');
    assert.equal(encodePacket('m80000000,4'), `$m80000000,4#${checksum('m80000000,4').toString(16).padStart(2, '0')}`);
    assert.equal(encodePacket(''), '$#00');
  });

  it('escapes $ # } * in outgoing data as } + (c ^ 0x20)', () => {
    assert.equal(encodePacket('a$b#c}d*'), `$a}\x04b}\x03c}]d}\x0a#${checksum('a}\x04b}\x03c}]d}\x0a').toString(16).padStart(2, '0')}`);
    assert.equal(decodeBody('a}\x04b}\x03c}]d}\x0a'), 'a$b#c}d*');
  });

  it('expands run-length encoding: X*c is X plus (c - 29) more copies', () => {
    assert.equal(decodeBody('0* '), '0000'); // ' ' = 32 → 3 more
    assert.equal(decodeBody('0*!'), '00000');
    assert.equal(decodeBody('0*"0'), '0000000');
    assert.equal(decodeBody('ab*}x'), 'ab' + 'b'.repeat('}'.charCodeAt(0) - 29) + 'x');
    assert.equal(decodeBody('}]*!'), '}}}}}'); // repeats the decoded character
    assert.throws(() => decodeBody('*!'), /run-length/);
    assert.throws(() => decodeBody('ab}'), /escape/);
  });

  it('splits a byte stream into acks and packets across chunk boundaries', () => {
    const p = new PacketParser();
    assert.deepEqual(p.push('+$T05thr'), [{ kind: 'ack' }]);
    const items = p.push('ead:01;#07-$O');
    assert.deepEqual(items, [{ kind: 'packet', data: 'T05thread:01;', raw: 'T05thread:01;', checksumOk: true }, { kind: 'nack' }]);
    assert.deepEqual(p.push('K#9a'), [{ kind: 'packet', data: 'OK', raw: 'OK', checksumOk: true }]);
    assert.deepEqual(p.push('$OK#9b'), [{ kind: 'packet', data: '', raw: 'OK', checksumOk: false }]);
    assert.deepEqual(p.push('%Stop:T05;#'), []);
    assert.equal(p.push('00')[0].kind, 'notification');
  });

  it('decodes a run-length encoded register reply like QEMU could send it', () => {
    const body = '0*' + String.fromCharCode(29 + 15); // 16 zeros: one register
    const raw = body.repeat(32) + '0010000000000000' + 'ff'.repeat(8 * 33); // x0..x31 = 0, pc, then FP registers
    const p = new PacketParser();
    const [item] = p.push(`+$${raw}#${checksum(raw).toString(16).padStart(2, '0')}`).slice(1);
    assert.equal(item.kind, 'packet');
    const regs = parseRegisterFile((item as { data: string }).data);
    assert.equal(regs.pc, 0x1000n);
    assert.equal(regs.x.length, 32);
    assert.ok(regs.x.every((v) => v === 0n));
  });

  it('parses little-endian register values and stop replies', () => {
    assert.equal(leHexToBigInt('0010000000000000'), 0x1000n);
    assert.equal(leHexToBigInt('efcdab8967452301'), 0x0123456789abcdefn);
    assert.equal(bigIntToLeHex(0x0123456789abcdefn, 8), 'efcdab8967452301');
    assert.equal(bigIntToLeHex(-1n, 8), 'ffffffffffffffff');
    assert.deepEqual(parseStopReply('T05thread:01;'), { kind: 'stopped', signal: 5, info: { thread: '01' } });
    assert.deepEqual(parseStopReply('S05'), { kind: 'stopped', signal: 5, info: {} });
    assert.deepEqual(parseStopReply('W00'), { kind: 'exited', code: 0 });
    assert.deepEqual(parseStopReply('X09'), { kind: 'terminated', signal: 9 });
    assert.ok(isErrorReply('E14') && isErrorReply('E.bad') && !isErrorReply('e1') && !isErrorReply('0e14'));
    assert.throws(() => parseRegisterFile('00'.repeat(8 * 32)), /expected at least 264/);
  });
});

/** A scripted stub on a loopback port: answers each command with what `answer` returns (raw packet data, sent
 * with a correct checksum unless it starts with '!'), or nothing for undefined. */
async function fakeStub(answer: (command: string) => string | string[] | undefined, opts: { offerNoAck?: boolean } = {}) {
  const received: string[] = [];
  let noAck = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setEncoding('latin1');
    const parser = new PacketParser();
    let lastGood = '';
    sock.on('data', (chunk: string) => {
      for (const item of parser.push(chunk)) {
        if (item.kind === 'ack') received.push('+');
        if (item.kind === 'nack') {
          received.push('-');
          sock.write(lastGood); // what a stub does on '-': send the packet again (this time intact)
        }
        if (item.kind !== 'packet') continue;
        received.push(item.data);
        if (!noAck) sock.write('+');
        let reply = item.data.startsWith('qSupported') ? `PacketSize=100;qXfer:features:read-${opts.offerNoAck ? ';QStartNoAckMode+' : ''}`
          : item.data === 'QStartNoAckMode' ? 'OK'
          : item.data === 'vCont?' ? 'vCont;c;C;s;S'
          : item.data === '?' ? 'T05thread:01;'
          : answer(item.data);
        if (item.data === 'QStartNoAckMode') noAck = true;
        if (reply === undefined) continue;
        for (const r of Array.isArray(reply) ? reply : [reply]) {
          const bad = r.startsWith('!');
          const raw = bad ? r.slice(1) : r;
          const cs = checksum(raw).toString(16).padStart(2, '0');
          lastGood = `$${raw}#${cs}`;
          sock.write(bad ? `$${raw}#${((checksum(raw) + 1) & 0xff).toString(16).padStart(2, '0')}` : lastGood);
        }
        if (reply === 'CLOSE') sock.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('differential: GDB remote client against a scripted stub', () => {
  const regs = Array.from({ length: 33 }, (_, i) => bigIntToLeHex(BigInt(i) * 0x100n, 8)).join('');

  it('negotiates no-ack mode when offered, and decodes g, m, console output and stop replies', async () => {
    const stub = await fakeStub((cmd) => {
      if (cmd === 'g') return regs.replace(/0000000000/g, '0*&'); // run-length encoded: 0 + 9 more
      if (cmd === 'm80000000,4') return '13050000';
      if (cmd === 'vCont;s') return ['O' + Buffer.from('hi\n').toString('hex'), 'T05thread:01;'];
      return '';
    }, { offerNoAck: true });
    try {
      const gdb = await GdbRemote.connect(stub.port, '127.0.0.1', 1000);
      assert.ok(gdb.noAckMode);
      const file = await gdb.readRegisters();
      assert.equal(file.pc, 32n * 0x100n);
      assert.equal(file.x[31], 31n * 0x100n);
      assert.deepEqual([...await gdb.readMemory(0x80000000n, 4)], [0x13, 0x05, 0, 0]);
      await gdb.step();
      assert.equal(gdb.consoleOutput, 'hi\n');
      assert.deepEqual(gdb.lastStop, { kind: 'stopped', signal: 5, info: { thread: '01' } });
      await gdb.close();
      // The client acks the OK to QStartNoAckMode, then sends no more acks (GDB manual, Packet Acknowledgment).
      const afterNoAck = stub.received.slice(stub.received.indexOf('QStartNoAckMode') + 1);
      assert.deepEqual(afterNoAck, ['+', 'vCont?', '?', 'g', 'm80000000,4', 'vCont;s']);
    } finally {
      await stub.close();
    }
  });

  it('acks each reply, and answers a bad checksum with - so the stub resends', async () => {
    const stub = await fakeStub((cmd) => (cmd === 'g' ? '!' + regs : cmd === 'm0,2' ? '0100' : '')); // '!': checksum off by one
    try {
      const gdb = await GdbRemote.connect(stub.port, '127.0.0.1', 1000);
      assert.ok(!gdb.noAckMode); // not offered
      assert.equal((await gdb.readRegisters()).x[5], 0x500n);
      assert.deepEqual([...await gdb.readMemory(0n, 2)], [1, 0]);
      await gdb.close();
      // Every command after the handshake is preceded by the ack of the previous reply; the bad one got a '-'.
      assert.deepEqual(stub.received.slice(stub.received.indexOf('?')), ['?', '+', 'g', '-', '+', 'm0,2', '+']);
    } finally {
      await stub.close();
    }
  });

  it('gives a clear error when nothing listens on the port', async () => {
    await assert.rejects(GdbRemote.connect(1, '127.0.0.1', 1000), /cannot connect to GDB stub at 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('times out with a clear error when the stub does not answer', async () => {
    const stub = await fakeStub(() => undefined);
    try {
      const gdb = await GdbRemote.connect(stub.port, '127.0.0.1', 200);
      await assert.rejects(gdb.readRegisters(), (err: Error) => err instanceof GdbTimeoutError && /no reply to 'g' within 200 ms/.test(err.message));
      await assert.rejects(gdb.readMemory(0n, 4), GdbTimeoutError); // the connection stays failed
    } finally {
      await stub.close();
    }
  });

  it('reports the target as exited when the stub hangs up during a step or answers W', async () => {
    const stub = await fakeStub((cmd) => (cmd === 'vCont;s' ? 'CLOSE' : cmd === 'vCont;c' ? 'W03' : ''));
    try {
      const a = await GdbRemote.connect(stub.port, '127.0.0.1', 1000);
      assert.deepEqual(await a.cont(), { kind: 'exited', code: 3 });
      const b = await GdbRemote.connect(stub.port, '127.0.0.1', 1000);
      await assert.rejects(b.step(), GdbTargetExitedError);
      assert.ok(b.exited);
      await a.close();
    } finally {
      await stub.close();
    }
  });
});

describe('differential: lockstep helpers', () => {
  it('recognises CSR reads from the SYSTEM opcode, funct3 and csr field', () => {
    assert.deepEqual(decodeCsrRead(0xc00024f3), { rd: 9, csr: 0xc00 }); // rdcycle s1
    assert.deepEqual(decodeCsrRead(0xb02029f3), { rd: 19, csr: 0xb02 }); // csrr s3, minstret
    assert.deepEqual(decodeCsrRead(0xf1402573), { rd: 10, csr: 0xf14 }); // csrr a0, mhartid
    assert.equal(decodeCsrRead(0x30029073), null); // csrw mstatus, t0: rd = x0
    assert.equal(decodeCsrRead(0x00000073), null); // ecall: funct3 0
    assert.equal(decodeCsrRead(0x929a), null); // c.add: compressed
    assert.ok(syncCounterReads(0xc01025f3, 0n)); // rdtime a1
    assert.equal(syncCounterReads(0xf1402573, 0n), null); // mhartid is compared, not synced
  });

  it('compares pc and x0..x31 and formats a side-by-side report', () => {
    const ref: RegisterFile = { pc: 0x80000018n, x: Array.from({ length: 32 }, (_, i) => BigInt(i)) };
    const dut: RegisterFile = { pc: 0x8000001cn, x: [...ref.x] };
    dut.x[13] = 0xdeadn;
    const differences = compareRegisters(ref, dut);
    assert.deepEqual(differences.map((d) => `${d.field}/${d.name}`), ['pc/pc', 'x13/a3']);
    const text = formatDivergence({ step: 7, pc: 0x80000014n, instruction: 0x02c286b3, referenceName: 'qemu', dutName: 'engine', reference: ref, dut, differences, syncedReads: 2 });
    const lines = text.split('\n');
    assert.equal(lines[0], 'lockstep divergence at step 7: qemu vs engine');
    assert.equal(lines[1], '  instruction  0x0000000080000014: 0x02c286b3');
    assert.equal(lines[2], '  differing    pc, a3 (x13)');
    assert.equal(lines[3], '  synced reads 2');
    assert.equal(lines[5], '  reg        qemu                engine');
    assert.equal(lines[6], '  pc         0x0000000080000018  0x000000008000001c  <-- differs');
    assert.equal(lines[7], '  x0  zero   0x0000000000000000  0x0000000000000000');
    assert.equal(lines[20], '  x13 a3     0x000000000000000d  0x000000000000dead  <-- differs');
    assert.equal(lines.length, 6 + 33);
    assert.equal(ABI_NAMES.length, 32);
  });
});

// A tiny bare-metal guest: an arithmetic/memory loop (~4000 instructions), counter reads, then power-off through
// the SiFive test device (write 0x5555 to 0x100000 on the virt board).
const GUEST_SOURCE = `
    .section .text
    .globl _start
_start:
    li sp, 0x80100000
    li t0, 0
    li t1, 500
    li a2, 0x12345
loop:
    add t0, t0, t1
    mul a3, t0, a2
    xor a4, a3, t0
    sd a4, -8(sp)
    ld a5, -8(sp)
    srai a6, a5, 3
    addi t1, t1, -1
    bnez t1, loop
    .globl counters
counters:
    rdcycle s1
    rdtime s2
    csrr s3, minstret
    add s4, s1, s2
    li t0, 0x100000
    li t1, 0x5555
    .globl exit_store
exit_store:
    sw t1, 0(t0)
1:  j 1b
`;

interface Guest {
  elf: string;
  symbols: Map<string, bigint>;
  text: Buffer;
}

function buildGuest(dir: string): Guest {
  const src = path.join(dir, 'guest.S');
  const elf = path.join(dir, 'guest.elf');
  const bin = path.join(dir, 'guest.bin');
  fs.writeFileSync(src, GUEST_SOURCE);
  execFileSync(GCC, ['-nostdlib', '-nostartfiles', '-march=rv64gc', '-mabi=lp64d', '-Wl,-Ttext=0x80000000', '-o', elf, src]);
  execFileSync(GCC.replace(/gcc$/, 'objcopy'), ['-O', 'binary', elf, bin]);
  const symbols = new Map<string, bigint>();
  for (const line of execFileSync(GCC.replace(/gcc$/, 'nm'), [elf], { encoding: 'utf8' }).split('\n')) {
    const [addr, , name] = line.trim().split(/\s+/);
    if (name) symbols.set(name, BigInt('0x' + addr));
  }
  return { elf, symbols, text: fs.readFileSync(bin) };
}

/** A second QEMU whose register file is corrupted (one bit of one register) from a chosen step on. */
class CorruptingTarget implements SteppableTarget {
  readonly name = 'corrupted-qemu';
  private steps = 0;

  constructor(private readonly inner: RemoteTarget, private readonly atStep: number, private readonly register: number) {}

  readRegisters(): { pc: bigint; x: bigint[] } {
    const regs = this.inner.readRegisters();
    if (this.steps >= this.atStep) regs.x[this.register] ^= 1n;
    return regs;
  }

  async step(): Promise<void> {
    await this.inner.step();
    this.steps++;
  }

  writeRegister(index: number, value: bigint): void {
    this.inner.writeRegister(index, value);
  }
}

describe('differential: QEMU against QEMU in lockstep', function () {
  this.timeout(60000);
  let guest: Guest;
  let tmp = '';
  const instances: QemuInstance[] = [];

  const launch = async (): Promise<QemuInstance> => {
    const q = await QemuInstance.launch({ kernel: guest.elf });
    instances.push(q);
    return q;
  };
  const pair = async (): Promise<[QemuInstance, RemoteTarget]> => {
    const [a, b] = await Promise.all([launch(), launch()]);
    return [a, await RemoteTarget.create(b.gdb)];
  };

  before(function () {
    skipUnlessInstalled(this, [QEMU_BINARY, GCC]);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-diff-'));
    guest = buildGuest(tmp);
  });

  afterEach(async () => {
    // Also runs when a test failed: no QEMU outlives its test.
    const closing = instances.splice(0).map(async (q) => {
      await q.close();
      assert.ok(q.hasExited, `QEMU pid ${q.pid} still running`);
    });
    await Promise.all(closing);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads registers, memory and CSRs through the stub', async () => {
    const q = await launch();
    const regs = await q.gdb.readRegisters();
    assert.equal(regs.pc, 0x1000n); // QEMU virt reset vector, held there by -S
    const code = await q.gdb.readMemory(0x80000000n, 16);
    assert.deepEqual(Buffer.from(code), guest.text.subarray(0, 16));
    assert.equal(await q.gdb.registerNumber('pc'), 32);
    const mhartid = await q.gdb.registerNumber('mhartid');
    assert.ok(mhartid !== undefined, 'QEMU exposes CSRs in its target description');
    assert.equal(await q.gdb.readRegister(mhartid), 0n);
    assert.equal(await q.gdb.readRegister(32), 0x1000n);
    assert.equal(await q.gdb.qemuSingleStepFlags(), 0x7); // steps hold off interrupts and timers
    await q.gdb.step();
    assert.equal((await q.gdb.readRegisters()).pc, 0x1004n);
    await q.gdb.runTo(guest.symbols.get('counters')!);
    const atCounters = await q.gdb.readRegisters();
    assert.equal(atCounters.pc, guest.symbols.get('counters'));
    assert.equal(atCounters.x[6], 0n); // t1: the loop ran to its end
    await q.gdb.step();
    assert.equal((await q.gdb.readRegisters()).pc, guest.symbols.get('counters')! + 4n);
  });

  it('reports starting states that differ as step 0, unless told to copy the registers over', async () => {
    const [ref, dut] = await pair();
    const loop = guest.symbols.get('loop')!;
    await Promise.all([ref.gdb.runTo(loop), dut.remote.runTo(loop)]);
    const start = await RemoteTarget.create(dut.remote);
    start.writeRegister(10, 0x1234n); // a0, as if the DUT had booted with another hart id
    const differing = await runLockstep(ref.gdb, start, { maxSteps: 100 });
    assert.equal(differing.stopReason, 'divergence');
    assert.equal(differing.steps, 0);
    assert.deepEqual(differing.divergence!.differences.map((d) => d.name), ['a0']);
    assert.match(differing.divergence!.text.split('\n')[1], /not yet executed: the starting states differ/);
    const synced = await runLockstep(ref.gdb, start, { maxSteps: 100, syncInitialRegisters: true });
    assert.equal(synced.stopReason, 'max-steps');
    assert.equal(synced.steps, 100);
  });

  it('runs the guest to power-off with no divergence, syncing the three counter reads', async () => {
    const [ref, dut] = await pair();
    const result = await runLockstep(ref.gdb, dut, { maxSteps: 100000 });
    assertNoDivergence(result);
    assert.equal(result.stopReason, 'reference-exited');
    assert.equal(result.finalPc, guest.symbols.get('exit_store'));
    assert.ok(result.steps > 4000, `only ${result.steps} steps`);
    assert.equal(result.syncedReads, 3);
    assert.deepEqual(result.syncLog.map((s) => `${ABI_NAMES[s.register]} ${s.reason}`),
      ['s1 csr read of cycle (0xc00)', 's2 csr read of time (0xc01)', 's3 csr read of minstret (0xb02)']);
    assert.equal(result.syncLog[0].pc, guest.symbols.get('counters'));
    console.log(`      lockstep speed: ${result.steps} steps in ${result.elapsedMs.toFixed(0)} ms = ${result.stepsPerSecond.toFixed(0)} steps/s`);
    await ref.exited(); // the guest's write of 0x5555 to the test device powers QEMU off
  });

  it('stops at the pc the caller names, before executing it', async () => {
    const [ref, dut] = await pair();
    const exitPc = guest.symbols.get('exit_store')!;
    const result = await runLockstep(ref.gdb, dut, { maxSteps: 100000, stopPc: (pc) => pc === exitPc });
    assert.equal(result.stopReason, 'stop-pc');
    assert.equal(result.finalPc, exitPc);
    assert.equal((await ref.gdb.readRegisters()).pc, exitPc);
    assert.ok(!ref.hasExited);
    const capped = await runLockstep(ref.gdb, dut, { maxSteps: 0 });
    assert.equal(capped.stopReason, 'max-steps');
  });

  it('without counter syncing, the rdcycle read is reported as a divergence in s1', async () => {
    const [ref, dut] = await pair();
    const result = await runLockstep(ref.gdb, dut, { maxSteps: 100000, syncInstruction: () => null });
    assert.equal(result.stopReason, 'divergence');
    const report = result.divergence!;
    assert.equal(report.pc, guest.symbols.get('counters'));
    assert.equal(report.instruction, 0xc00024f3); // rdcycle s1
    assert.deepEqual(report.differences.map((d) => d.name), ['s1']);
  });

  it('reports a corrupted register at the step it happened, naming it, with both register files', async () => {
    const [ref, second] = await pair();
    const N = 1234;
    const dut = new CorruptingTarget(second, N, 13);
    const result = await runLockstep(ref.gdb, dut, { maxSteps: 100000 });
    assert.equal(result.stopReason, 'divergence');
    assert.equal(result.steps, N);
    const report = result.divergence!;
    assert.equal(report.step, N);
    assert.deepEqual(report.differences.map(({ field, name }) => ({ field, name })), [{ field: 'x13', name: 'a3' }]);
    assert.equal(report.differences[0].dut, report.differences[0].reference ^ 1n);
    assert.equal(report.referenceName, 'qemu');
    assert.equal(report.dutName, 'corrupted-qemu');

    // The instruction line names the pc executed at step N and its word as it is in guest memory.
    const bytes = await ref.gdb.readMemory(report.pc, 4);
    const word = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
    assert.equal(report.instruction, (word & 3) === 3 ? word : word & 0xffff);
    const lines = report.text.split('\n');
    assert.equal(lines[0], `lockstep divergence at step ${N}: qemu vs corrupted-qemu`);
    assert.match(lines[1], /^ {2}instruction {2}0x00000000800000[0-9a-f]{2}: 0x[0-9a-f]{4,8}$/);
    assert.equal(lines[2], '  differing    a3 (x13)');
    assert.equal(lines[3], '  synced reads 0');
    assert.equal(lines[5], '  reg        qemu                corrupted-qemu');
    const a3 = lines.find((l) => l.startsWith('  x13 a3'))!;
    assert.match(a3, /^ {2}x13 a3 {5}0x[0-9a-f]{16} {2}0x[0-9a-f]{16} {2}<-- differs$/);
    assert.equal(lines.filter((l) => l.endsWith('<-- differs')).length, 1);
    assert.throws(() => assertNoDivergence(result), (err: unknown) => err instanceof DivergenceError && err.message === report.text);
  });
});
