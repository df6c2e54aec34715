// SBI firmware integration: the guests/sbi payloads (sbi-test, smp-test) under Ringside's built-in firmware and
// under Debian's OpenSBI fw_jump, and direct checks of what the built-in firmware does in M-mode (SBI v2.0).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { bootMachine, BootOptions } from '../../engine/boot';
import { SbiFirmware } from '../../engine/firmware/sbi';
import { Machine, StopReason, TrapInfo } from '../../engine/machine';
import { addi, addiw, ecall, J_SELF, lui, slli, srli, X } from '../support/asm';
import { GUEST_BIN } from '../support/run-guest';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
/** sbi-test takes ~0.3 M instructions on the built-in firmware and ~9 M under OpenSBI (its boot included). */
const BUDGET = 100_000_000;
const KERNEL_BASE = 0x8020_0000;
const ECALL = 0x00000073;

const EID = { BASE: 0x10, HSM: 0x48534d, SRST: 0x53525354, DBCN: 0x4442434e } as const;
const SBI_ERR_INVALID_PARAM = -3n, SBI_ERR_ALREADY_AVAILABLE = -6n;

interface Run { machine: Machine; stop: StopReason; console: string; traps: TrapInfo[] }

function opensbi(): BootOptions['bios'] {
  return { name: OPENSBI, bytes: new Uint8Array(fs.readFileSync(OPENSBI)) };
}

/** Boots `kernel` (an ELF in guests/bin, or raw S-mode code at 0x8020_0000) and runs it, recording every trap. */
function run(kernel: string | Uint8Array, bios: BootOptions['bios'], harts: number, budget = BUDGET): Run {
  let text = '';
  const machine = new Machine({ console: { write: (b) => { text += String.fromCharCode(b); } }, harts });
  const file = typeof kernel === 'string' ? path.join(GUEST_BIN, kernel) : 'raw S-mode program';
  const bytes = typeof kernel === 'string' ? new Uint8Array(fs.readFileSync(file)) : kernel;
  bootMachine(machine, { bios, kernel: { name: file, bytes } });
  const traps: TrapInfo[] = [];
  machine.trapFilter = (t) => { traps.push(t); return false; };
  const stop = machine.run(budget);
  return { machine, stop, console: text, traps };
}

/** The payload's verdict: no FAIL line, its PASS line last, and a clean SRST shutdown (exit code 0). */
function assertPass(r: Run, name: string): string[] {
  const lines = r.console.replace(/\r/g, '').split('\n').filter((l) => l.startsWith(`${name}:`));
  const tail = `stop: ${JSON.stringify(r.stop)}; console ends:\n${r.console.slice(-1500)}`;
  assert.deepEqual(lines.filter((l) => l.startsWith(`${name}: FAIL`)), [], tail);
  assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' }, tail);
  assert.equal(lines[lines.length - 1], `${name}: PASS`);
  return lines;
}

// ---- raw S-mode programs for the direct tests ----

/** li rd, v for -2^31 <= v < 2^32 (lui + addiw; zero-extended when bit 31 is set). */
function li(rd: number, v: number): number[] {
  if (v >= -2048 && v < 2048) return [addi(rd, X.zero, v)];
  const lo = ((v & 0xfff) ^ 0x800) - 0x800;
  const words = [lui(rd, ((v - lo) / 4096) & 0xfffff), addiw(rd, rd, lo)];
  return v > 0x7fffffff ? [...words, slli(rd, rd, 32), srli(rd, rd, 32)] : words;
}

/** An SBI call: a7 = EID, a6 = FID, a0.. = args, then ecall (SBI v2.0 ch. 3). */
function sbiCall(eid: number, fid: number, ...args: number[]): number[] {
  return [...li(X.a7, eid), ...li(X.a6, fid), ...args.flatMap((v, i) => li(X.a0 + i, v)), ecall()];
}

/** Code blocks at byte offsets from 0x8020_0000 (the rest is `j .`), plus data. */
function image(blocks: { at: number; words?: number[]; bytes?: Uint8Array }[]): Uint8Array {
  const size = Math.max(...blocks.map((b) => b.at + (b.words ? 4 * b.words.length : b.bytes!.length))) + 4;
  const img = new Uint8Array(Math.ceil(size / 4) * 4);
  const v = new DataView(img.buffer);
  for (let i = 0; i < img.length; i += 4) v.setUint32(i, J_SELF, true);
  for (const b of blocks) {
    b.words?.forEach((w, i) => v.setUint32(b.at + 4 * i, w, true));
    if (b.bytes) img.set(b.bytes, b.at);
  }
  return img;
}

/** Address of the (first) ecall in a code block placed at `at`. */
function ecallAddress(at: number, words: number[]): number {
  return KERNEL_BASE + at + 4 * words.indexOf(ecall());
}

const u64 = (h: Machine, csr: number, hart = 0) =>
  BigInt.asUintN(64, (BigInt(h.harts[hart].csrHi[csr]) << 32n) | BigInt(h.harts[hart].csrLo[csr] >>> 0));

describe('firmware: SBI payloads on the built-in firmware and on OpenSBI', function () {
  this.timeout(20_000);

  describe('built-in firmware', () => {
    it('sbi-test passes on 1 hart and shuts down through SRST with exit code 0', () => {
      const r = run('sbi-test.elf', 'builtin', 1);
      const lines = assertPass(r, 'sbi-test');
      assert.ok(lines.includes('sbi-test: spec version 2.0'));
      assert.ok(lines.includes('sbi-test: implementation 1380535879 (Ringside) version 0x10000'));
      assert.ok(lines.includes('sbi-test: hello from dbcn console_write'));
      assert.ok(lines.includes('sbi-test: hello from dbcn console_write_byte'));
      assert.ok(lines.includes('sbi-test: hello from legacy console_putchar'));
      assert.ok(lines.includes('sbi-test: ok time.STIP interrupt delivered to stvec'));
      assert.ok(lines.includes('sbi-test: ok ipi.SSIP interrupt delivered to stvec'));
    });

    for (const harts of [2, 4]) {
      it(`smp-test passes on ${harts} harts`, () => {
        const r = run('smp-test.elf', 'builtin', harts);
        const lines = assertPass(r, 'smp-test');
        assert.ok(lines.includes(`smp-test: ${harts} harts, boot hart 0`));
      });
    }
  });

  describe('OpenSBI fw_jump (Debian)', () => {
    before(function () {
      if (!fs.existsSync(OPENSBI)) this.skip();
    });

    it('sbi-test passes on 1 hart', () => {
      const r = run('sbi-test.elf', opensbi(), 1);
      const lines = assertPass(r, 'sbi-test');
      assert.match(r.console, /OpenSBI v\d+\.\d+/);
      // OpenSBI 1.1 implements SBI 1.0: no DBCN, so the payload prints through the legacy console.
      assert.ok(lines.includes('sbi-test: spec version 1.0'));
      assert.ok(lines.some((l) => /^sbi-test: implementation 1 \(OpenSBI\)/.test(l)));
    });

    for (const harts of [2, 4]) {
      it(`smp-test passes on ${harts} harts`, () => {
        const r = run('smp-test.elf', opensbi(), harts);
        const lines = assertPass(r, 'smp-test');
        assert.ok(lines.includes(`smp-test: ${harts} harts, boot hart 0`));
      });
    }

    it('every S-mode ecall reaches OpenSBI as a cause-9 trap into M-mode at an ecall instruction', () => {
      const r = run('sbi-test.elf', opensbi(), 1);
      const calls = r.traps.filter((t) => !t.interrupt && t.cause === 9);
      assert.ok(calls.length > 100, `only ${calls.length} SBI calls`);
      for (const t of calls) {
        assert.deepEqual([t.fromPriv, t.toPriv], [1, 3]);
        assert.equal(readWord(r.machine, t.epc), ECALL, `epc 0x${t.epc.toString(16)}`);
      }
    });
  });

  describe('built-in firmware, directly', () => {
    it('an SBI call is an ecall trap to M (mcause 9, mepc at the ecall); the firmware returns past it with mret', () => {
      const code = sbiCall(EID.BASE, 0);
      const r = run(image([{ at: 0, words: code }]), 'builtin', 1, 200);
      const at = ecallAddress(0, code);
      assert.equal(r.stop.kind, 'budget');
      assert.deepEqual(r.traps, [{
        hartId: 0, cause: 9, interrupt: false, fromPriv: 1, toPriv: 3, fromVirt: false, toVirt: false, epc: BigInt(at),
        handler: BigInt(SbiFirmware.TRAP_VECTOR),
      }]);
      const h = r.machine.harts[0];
      assert.equal(u64(r.machine, 0x342), 9n, 'mcause');
      assert.equal(u64(r.machine, 0x341), BigInt(at + 4), 'mepc: stepped past the ecall before mret');
      assert.equal(h.priv, 1, 'back in S-mode');
      assert.equal(h.getX(X.a0), 0n, 'SBI_SUCCESS');
      assert.equal(h.getX(X.a1), 0x0200_0000n, 'spec version 2.0');
    });

    it('every SBI call of sbi-test is one cause-9 trap to M at an ecall, and the firmware counts each', () => {
      const r = run('sbi-test.elf', 'builtin', 1);
      const fromS = r.traps.filter((t) => t.toPriv === 3);
      const ecalls = fromS.filter((t) => !t.interrupt && t.cause === 9);
      for (const t of ecalls) {
        assert.equal(t.fromPriv, 1);
        assert.equal(t.handler, BigInt(SbiFirmware.TRAP_VECTOR));
        assert.equal(readWord(r.machine, t.epc), ECALL, `epc 0x${t.epc.toString(16)}`);
      }
      const counted = [...r.machine.firmware!.calls.values()].reduce((n, c) => n + c.count, 0);
      assert.ok(ecalls.length > 100);
      assert.equal(ecalls.length, counted, 'SBI calls handled without an ecall trap, or traps not handled as calls');
      // The rest are the machine-level interrupts the firmware turns into supervisor ones (timer, IPI).
      assert.deepEqual([...new Set(fromS.filter((t) => t.interrupt).map((t) => t.cause))].sort(), [3]);
      // The last trap to M is the SRST call: mcause/mepc still show it.
      const last = ecalls[ecalls.length - 1];
      assert.equal(u64(r.machine, 0x342), 9n);
      assert.equal(u64(r.machine, 0x341), last.epc + 4n);
    });

    it('SRST shutdown with reason 1 (system failure) exits with code 1, reason 0 with code 0 (SBI v2.0 §10.1)', () => {
      for (const [reason, code] of [[1, 1], [0, 0]]) {
        const r = run(image([{ at: 0, words: sbiCall(EID.SRST, 0, 0, reason) }]), 'builtin', 1, 1000);
        assert.deepEqual(r.stop, { kind: 'exit', code, via: 'test-device' });
      }
    });

    it('DBCN console_write of a buffer outside RAM returns SBI_ERR_INVALID_PARAM and prints nothing (SBI v2.0 §12.1)', () => {
      const ramEnd = 0x8000_0000 + 128 * 1024 * 1024;
      const cases: [string, number, number, number][] = [
        ['the UART registers', 16, 0x1000_0000, 0],
        ['below RAM', 16, 0x1000, 0],
        ['straddling the end of RAM', 16, ramEnd - 8, 0],
        ['just past the end of RAM', 1, ramEnd, 0],
      ];
      for (const [what, len, lo, hi] of cases) {
        const r = run(image([{ at: 0, words: sbiCall(EID.DBCN, 0, len, lo, hi) }]), 'builtin', 1, 200);
        assert.equal(r.machine.harts[0].getX(X.a0), BigInt.asUintN(64, SBI_ERR_INVALID_PARAM), what);
        assert.equal(r.console, '', what);
      }
      // The same call on a buffer in RAM writes it and returns the byte count.
      const code = sbiCall(EID.DBCN, 0, 4, KERNEL_BASE + 0x200, 0);
      const ok = run(image([{ at: 0, words: code }, { at: 0x200, bytes: Buffer.from('hi!\n') }]), 'builtin', 1, 200);
      assert.equal(ok.console, 'hi!\n');
      assert.deepEqual([ok.machine.harts[0].getX(X.a0), ok.machine.harts[0].getX(X.a1)], [0n, 4n]);
    });

    it('DBCN console_write takes num_bytes as a full XLEN value: 2^32 + 4 bytes from RAM is SBI_ERR_INVALID_PARAM', () => {
      const code = [
        ...li(X.a7, EID.DBCN), ...li(X.a6, 0),
        addi(X.a0, X.zero, 1), slli(X.a0, X.a0, 32), addi(X.a0, X.a0, 4), // a0 = 2^32 + 4
        ...li(X.a1, KERNEL_BASE + 0x200), ...li(X.a2, 0), ecall(),
      ];
      const r = run(image([{ at: 0, words: code }, { at: 0x200, bytes: Buffer.from('hi!\n') }]), 'builtin', 1, 200);
      assert.equal(r.machine.harts[0].getX(X.a0), BigInt.asUintN(64, SBI_ERR_INVALID_PARAM));
      assert.equal(r.console, '');
    });

    it('SBI calls preserve every register but a0 and a1; legacy calls every register but a0 (SBI v2.0 ch. 3, ch. 5)', () => {
      const calls: [string, number, number, number[], number[]][] = [
        // name, EID, FID, args, registers the call may change
        ['base probe_extension', EID.BASE, 3, [0x54494d45], [X.a0, X.a1]],
        ['time set_timer', 0x54494d45, 0, [-1], [X.a0, X.a1]],
        ['ipi send_ipi to self', 0x735049, 0, [1, 0], [X.a0, X.a1]],
        ['hsm hart_get_status', EID.HSM, 2, [0], [X.a0, X.a1]],
        ['dbcn console_write_byte', EID.DBCN, 2, [0x2e], [X.a0, X.a1]],
        ['legacy console_putchar', 0x01, 0, [0x2e], [X.a0]],
      ];
      for (const [name, eid, fid, args, changes] of calls) {
        const value = (i: number) => 0x1000 + 0x111 * i;
        const setAll = [...Array(32).keys()].filter((i) => i > 0).flatMap((i) => li(i, value(i)));
        const code = [...setAll, ...sbiCall(eid, fid, ...args)];
        const r = run(image([{ at: 0, words: code }]), 'builtin', 1, 400);
        const h = r.machine.harts[0];
        assert.equal(r.traps.filter((t) => !t.interrupt && t.cause === 9).length, 1, name);
        for (let i = 1; i < 32; i++) {
          if (changes.includes(i)) continue;
          const expected = i === X.a7 ? eid : i === X.a6 ? fid : i >= X.a0 && i < X.a0 + args.length ? args[i - X.a0] : value(i);
          assert.equal(h.getX(i), BigInt.asUintN(64, BigInt(expected)), `${name}: x${i}`);
        }
      }
    });

    it('HSM hart_start of a started hart returns SBI_ERR_ALREADY_AVAILABLE (SBI v2.0 §9.1)', () => {
      const r = run(image([{ at: 0, words: sbiCall(EID.HSM, 0, 0, KERNEL_BASE, 0) }]), 'builtin', 2, 200);
      assert.equal(r.machine.harts[0].getX(X.a0), BigInt.asUintN(64, SBI_ERR_ALREADY_AVAILABLE));
    });

    it('HSM hart_stop stops the calling hart: it runs no further and hart_get_status says STOPPED (SBI v2.0 §9.2)', () => {
      const second = [addi(X.s1, X.a1, 0), ...sbiCall(EID.HSM, 1), ...li(X.s0, 0xbad)];
      const boot = sbiCall(EID.HSM, 0, 1, KERNEL_BASE + 0x100, 0x1234);
      const r = run(image([{ at: 0, words: boot }, { at: 0x100, words: second }]), 'builtin', 2, 50_000);
      assert.equal(r.stop.kind, 'budget', JSON.stringify(r.stop));
      const h1 = r.machine.harts[1];
      assert.equal(h1.getX(X.s1), 0x1234n, 'hart 1 started with a1 = opaque');
      assert.notEqual(h1.getX(X.s0), 0xbadn, 'hart_stop returned');
      assert.equal(r.machine.firmware!.hartState(1), 1 /* STOPPED */);
      assert.ok(r.traps.every((t) => t.hartId !== 1 || t.fromPriv !== 3), 'hart 1 trapped in M-mode');
    });
  });
});

function readWord(m: Machine, addr: bigint): number {
  const off = Number(addr) - m.ram.base;
  return m.ram.view.getUint32(off, true);
}
