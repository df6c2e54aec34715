// The hw VMM (engine/vmm/hw-vmm.ts): SBI payloads as VS-mode guests, the guest's view of memory (G stage,
// VMM area out of reach, MMIO emulation per access width), vCPUs, and the table-driven decoding of trapped
// instructions. The per-reason exit records are checked in exit-reasons.test.ts.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { bootMachine, hostRamSize } from '../../engine/boot';
import { PRIV_S } from '../../engine/cpu/privilege';
import { Machine, StopReason } from '../../engine/machine';
import { csrOpOf, memoryAccessOf } from '../../engine/vmm/guest-access';
import { HW_VMM_RESERVE } from '../../engine/vmm/hw-vmm';
import { VmExit } from '../../engine/vmm/vm-exit';
import { addi, amoadd_w, ecall, J_SELF, lb, lbu, ld, lui, lw, lwu, sb, sd, slli, srli, sw, X } from '../support/asm';
import { GUEST_BIN } from '../support/run-guest';

const MIB = 1024 * 1024;
const GUEST_RAM = 128 * MIB;
const KERNEL_BASE = 0x8020_0000;

interface Run { m: Machine; stop: StopReason; console: string; exits: VmExit[] }

function boot(kernel: string | Uint8Array, harts = 1): Omit<Run, 'stop'> {
  let text = '';
  const m = new Machine({ console: { write: (b) => { text += String.fromCharCode(b); } }, harts, ramSize: hostRamSize('hw', GUEST_RAM) });
  const name = typeof kernel === 'string' ? path.join(GUEST_BIN, kernel) : 'raw guest';
  const bytes = typeof kernel === 'string' ? new Uint8Array(fs.readFileSync(name)) : kernel;
  bootMachine(m, { bios: 'builtin', kernel: { name, bytes }, mode: 'hw' });
  const exits: VmExit[] = [];
  m.exits!.subscribe({}, (e) => exits.push(e));
  return { m, get console() { return text; }, exits };
}

function run(kernel: string | Uint8Array, harts = 1, budget = 50_000_000): Run {
  const b = boot(kernel, harts);
  const stop = b.m.run(budget);
  return { m: b.m, stop, console: b.console, exits: b.exits };
}

/** li for 0 <= v < 2^32 (lui + addi, zero-extended when bit 31 is set). */
function li(rd: number, v: number): number[] {
  const lo = ((v & 0xfff) ^ 0x800) - 0x800;
  const words = [lui(rd, ((v - lo) / 4096) & 0xfffff), addi(rd, rd, lo)];
  return v >= 0x8000_0000 ? [...words, slli(rd, rd, 32), srli(rd, rd, 32)] : words;
}

/** Raw S-mode code at 0x8020_0000 (the guest's kernel). */
function image(words: number[]): Uint8Array {
  const img = new Uint8Array(4 * words.length + 4);
  const v = new DataView(img.buffer);
  words.forEach((w, i) => v.setUint32(4 * i, w, true));
  v.setUint32(4 * words.length, J_SELF, true);
  return img;
}

function assertPass(r: Run, name: string): void {
  const tail = `stop: ${JSON.stringify(r.stop)}; console ends:\n${r.console.slice(-1500)}`;
  assert.doesNotMatch(r.console, new RegExp(`${name}: FAIL`), tail);
  assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' }, tail);
  assert.match(r.console, new RegExp(`${name}: PASS\\r?\\n$`));
}

describe('vmm: the hw VMM', function () {
  this.timeout(60_000);

  describe('SBI payloads as VS-mode guests', () => {
    it('sbi-test passes with the VMM answering every SBI call as a hypercall exit (none reaches the firmware)', () => {
      const r = run('sbi-test.elf');
      assertPass(r, 'sbi-test');
      const calls = r.exits.filter((e) => e.reason === 'hypercall' || e.reason === 'halt');
      assert.ok(calls.length > 150);
      for (const e of calls) {
        assert.equal(e.cause, 10n, 'ecall from VS-mode');
        assert.equal(e.instruction?.text, 'ecall');
        assert.deepEqual(e.before, { real: 'VS', virtual: 'S' });
        assert.ok(e.details.hypercall);
      }
      assert.equal(r.m.firmware!.calls.size, 0, 'the firmware below the VMM saw no SBI call');
      assert.equal(r.exits[r.exits.length - 1].reason, 'halt');
    });

    for (const harts of [2, 4]) {
      it(`smp-test passes on ${harts} vCPUs (HSM start/stop/status, IPIs, remote fences between vCPUs)`, () => {
        const r = run('smp-test.elf', harts);
        assertPass(r, 'smp-test');
        const vcpus = new Set(r.exits.map((e) => e.vcpu));
        assert.equal(vcpus.size, harts, 'every vCPU ran and exited');
      });
    }
  });

  describe('memory and devices', () => {
    it('enters the guest in VS-mode with a DTB that describes guest RAM only', () => {
      const b = boot(image([J_SELF]));
      const h = b.m.harts[0];
      assert.equal(h.virt, true);
      assert.equal(h.priv, PRIV_S);
      assert.equal(h.getPc(), BigInt(KERNEL_BASE));
      assert.deepEqual(b.m.vmm!.privilege(0), { real: 'VS', virtual: 'S' });
      assert.equal(b.m.ram.size, GUEST_RAM + HW_VMM_RESERVE);
      const dtb = Number(h.getX(11));
      assert.ok(dtb >= 0x8000_0000 && dtb < 0x8000_0000 + GUEST_RAM, 'the DTB lies in guest RAM');
      // /memory reg = <0 0x80000000 0 size>: find the size cell after the base.
      const blob = Buffer.from(b.m.ram.u8.subarray(dtb - 0x8000_0000, dtb - 0x8000_0000 + 0x2000));
      const needle = Buffer.from([0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]);
      const at = blob.indexOf(needle);
      assert.ok(at > 0);
      assert.equal(blob.readUInt32BE(at + 12), GUEST_RAM);
    });

    it('maps guest RAM lazily, one 2 MiB megapage per guest-page-fault exit, and the guest reads back what it wrote', () => {
      const code = [
        ...li(X.t0, 0x8500_0000), addi(X.t1, X.zero, 0x5a), sb(X.t1, X.t0, 0x10),
        lbu(X.a0, X.t0, 0x10), ...li(X.a7, 0x53525354), addi(X.a6, X.zero, 0), addi(X.a0, X.zero, 0), addi(X.a1, X.zero, 0), ecall(),
      ];
      const b = boot(image(code));
      b.m.run(10_000);
      const faults = b.exits.filter((e) => e.reason === 'guest-page-fault');
      const gpas = faults.map((e) => e.details.fault!.guestPhysical);
      assert.ok(gpas.includes(0x8500_0010n), `a store to 0x85000010 faulted once: ${gpas}`);
      assert.equal(faults.find((e) => e.details.fault!.guestPhysical === 0x8500_0010n)!.details.fault!.access, 'store');
      assert.equal(b.m.vmm!.gstage.isMapped(0x8500_0000), true);
      assert.equal(b.m.vmm!.gstage.isMapped(0x8700_0000), false, 'untouched RAM stays unmapped');
      assert.equal(b.m.vmm!.gstage.mappedMegapages, faults.length, 'one megapage per guest-page-fault exit');
      assert.equal(b.m.ram.u8[0x500_0010], 0x5a, 'guest-physical = host-physical for guest RAM');
    });

    it('keeps the VMM area out of the guest: a load just past guest RAM is an access fault forwarded to the guest', () => {
      const handler = 0x100;
      const code = [
        ...li(X.t0, KERNEL_BASE + handler), 0x10529073 /* csrw stvec, t0 */,
        ...li(X.t1, 0x8800_0000),
        ld(X.a0, X.t1, 0),
      ];
      const words = [...code, ...Array((handler - 4 * code.length) / 4).fill(J_SELF), J_SELF];
      const b = boot(image(words));
      b.m.run(10_000);
      const h = b.m.harts[0];
      const fwd = b.exits.find((e) => e.reason === 'exception-forward');
      assert.ok(fwd, `exits: ${b.exits.map((e) => e.reason)}`);
      assert.equal(fwd.details.fault!.guestPhysical, 0x8800_0000n);
      assert.equal(fwd.details.exception!.cause, 5);
      assert.equal(h.getPc(), BigInt(KERNEL_BASE + handler), 'the guest kernel runs its own handler');
      assert.equal(h.csrLo[0x242], 5, 'vscause: load access fault');
      assert.equal(BigInt(h.csrLo[0x243] >>> 0), 0x8800_0000n, 'vstval: the address');
      assert.equal(b.m.ram.u8.subarray(GUEST_RAM, GUEST_RAM + 24).some((x) => x !== 0), true, 'the G-stage root is there, unread by the guest');
    });

    it('emulates device loads and stores of every width, sign- or zero-extending into the destination', () => {
      // The virtio-mmio slot 0 magic "virt" = 0x74726976 and version 2; UART scratch register for stores.
      const code = [
        ...li(X.t0, 0x1000_1000), lw(X.a0, X.t0, 0), lwu(X.a1, X.t0, 0), ld(X.a3, X.t0, 0),
        ...li(X.t1, 0x1000_0000), addi(X.t2, X.zero, -1), sb(X.t2, X.t1, 7), lbu(X.a4, X.t1, 7), lb(X.a5, X.t1, 7),
        sw(X.t2, X.t0, 0x70), sd(X.t2, X.t0, 0x70),
      ];
      const b = boot(image(code));
      b.m.run(2_000);
      const h = b.m.harts[0];
      assert.equal(h.getX(X.a0), 0x74726976n);
      assert.equal(h.getX(X.a1), 0x74726976n);
      assert.equal(h.getX(X.a3), 0x2_7472_6976n, 'ld: magic, then version 2 above it');
      assert.equal(h.getX(X.a4), 0xffn, 'lbu zero-extends');
      assert.equal(h.getX(X.a5), 0xffff_ffff_ffff_ffffn, 'lb sign-extends');
      const mmio = b.exits.filter((e) => e.reason === 'mmio');
      assert.deepEqual(mmio.map((e) => [e.instruction!.text.split(/\s/)[0], e.details.device!.name, e.details.device!.register, e.details.device!.size, e.details.device!.access]), [
        ['lw', 'virtio0', 0, 4, 'read'], ['lwu', 'virtio0', 0, 4, 'read'],
        ['ld', 'virtio0', 0, 8, 'read'],
        ['sb', 'uart0', 7, 1, 'write'], ['lbu', 'uart0', 7, 1, 'read'], ['lb', 'uart0', 7, 1, 'read'],
        ['sw', 'virtio0', 0x70, 4, 'write'], ['sd', 'virtio0', 0x70, 8, 'write'],
      ]);
      assert.equal(mmio[3].details.device!.value, 0xffn);
      assert.equal(mmio[7].details.device!.value, 0xffff_ffff_ffff_ffffn);
    });

    it('refuses an AMO on a device register: the guest gets a store/AMO access fault', () => {
      const code = [...li(X.t1, KERNEL_BASE + 0x40), 0x10531073 /* csrw stvec, t1 */, ...li(X.t0, 0x1000_0000), amoadd_w(X.a0, X.zero, X.t0)];
      const b = boot(image([...code, ...Array(16 - code.length).fill(J_SELF), J_SELF]));
      b.m.run(1_000);
      const fwd = b.exits.find((e) => e.reason === 'exception-forward');
      assert.ok(fwd);
      assert.equal(fwd.details.exception!.cause, 7);
      assert.equal(b.m.harts[0].csrLo[0x242], 7);
    });
  });

  describe('interrupts at HS', () => {
    it('a host interrupt the VMM does not use exits once and is masked, instead of exiting again and again', () => {
      const code = [addi(X.a0, X.zero, 0), addi(X.a0, X.a0, 1), 0xffdff06f /* j -4 */];
      const b = boot(image(code));
      const h = b.m.harts[0];
      b.m.run(100);
      // Something raises the supervisor software interrupt with its enable set (the VMM never does).
      h.mie |= 1 << 1; h.mipSoftware |= 1 << 1; h.interruptCheck = true;
      b.m.run(1_000);
      const irq = b.exits.filter((e) => e.reason === 'interrupt');
      assert.equal(irq.length, 1);
      assert.equal(irq[0].cause, (1n << 63n) | 1n);
      assert.equal(h.mie & (1 << 1), 0, 'SSIE masked');
      assert.equal(h.virt, true, 'the guest runs on');
      assert.ok(h.getX(X.a0) > 100n);
    });
  });

  describe('decoding trapped instructions from the instruction table', () => {
    it('finds width, signedness and register of loads and stores, compressed ones included; AMOs and LR are not emulated', () => {
      assert.deepEqual(memoryAccessOf(lw(X.a0, X.t0, 0)), { kind: 'load', width: 4, signed: true, reg: X.a0, length: 4 });
      assert.deepEqual(memoryAccessOf(lbu(X.a1, X.t0, 3)), { kind: 'load', width: 1, signed: false, reg: X.a1, length: 4 });
      assert.deepEqual(memoryAccessOf(ld(X.s1, X.t0, 8)), { kind: 'load', width: 8, signed: false, reg: X.s1, length: 4 });
      assert.deepEqual(memoryAccessOf(sd(X.a2, X.t0, 8)), { kind: 'store', width: 8, signed: false, reg: X.a2, length: 4 });
      assert.deepEqual(memoryAccessOf(0x4108), { kind: 'load', width: 4, signed: true, reg: X.a0, length: 2 }); // c.lw a0, 0(a0)
      assert.deepEqual(memoryAccessOf(0xe408), { kind: 'store', width: 8, signed: false, reg: X.a0, length: 2 }); // c.sd a0, 8(s0)
      assert.equal(memoryAccessOf(amoadd_w(X.a0, X.a1, X.t0)), undefined);
      assert.equal(memoryAccessOf(0x1002a52f), undefined); // lr.w a0, (t0)
      assert.equal(memoryAccessOf(addi(X.a0, X.a0, 1)), undefined);
    });

    it('reads CSR operations: register and immediate forms, and whether they write', () => {
      assert.deepEqual(csrOpOf(0x14d02573), { csr: 0x14d, rd: X.a0, op: 'set', rs1: 0, imm: 0, writes: false, length: 4 }); // csrr a0, stimecmp
      assert.deepEqual(csrOpOf(0x14d59073), { csr: 0x14d, rd: 0, op: 'write', rs1: X.a1, imm: 0, writes: true, length: 4 }); // csrw stimecmp, a1
      assert.deepEqual(csrOpOf(0x14d2f573), { csr: 0x14d, rd: X.a0, op: 'clear', rs1: undefined, imm: 5, writes: true, length: 4 }); // csrrci a0, stimecmp, 5
      assert.equal(csrOpOf(ecall()), undefined);
    });
  });
});
