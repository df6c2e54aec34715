// Every VM exit reason the hw VMM raises, provoked by guests/sbi/vmm-test.c, with each reason's record checked:
// details, guestPc (at the guest's vt_* labels, from the ELF symbol table), instruction, cause, privileges,
// ordering and the summary. The same ELF also passes in bare mode, where there is no VMM and so no exit stream.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { BootMode, bootMachine, hostRamSize } from '../../engine/boot';
import { parseElf } from '../../engine/loader/elf';
import { SymbolTable } from '../../engine/loader/symbols';
import { Machine, StopReason } from '../../engine/machine';
import { VM_EXIT_REASONS, VmExit, VmExitReason } from '../../engine/vmm/vm-exit';
import { GUEST_BIN } from '../support/run-guest';

const MIB = 1024 * 1024;
const GUEST_RAM = 128 * MIB;
const ELF = path.join(GUEST_BIN, 'vmm-test.elf');
/** The guest runs ~1 M instructions; the budget only bounds a hang. */
const BUDGET = 10_000_000, MAX_SLICES = 20;

// What vmm-test.c uses (keep in step with it).
const FAR_STIMECMP = 0x7fff_0000_1234_abcdn;
const TOUCHED = [0x8400_0123n, 0x8500_0456n, 0x8600_0789n];
const THR_LINE = 'vmm-test: ok mmio.uart THR written directly\n';
const DBCN_LINE = 'vmm-test: hello from dbcn console_write\n';
const HOLE = 0x3000_0000n;
const SPEC_VERSION_2_0 = 0x0200_0000n;
const EID = { BASE: 0x10, TIME: 0x54494d45, IPI: 0x735049, SRST: 0x53525354, DBCN: 0x4442434e } as const;
const CSR_STIMECMP = 0x14d;
const CSRR_A0_HSTATUS = 0x6000_2573; // csrrs a0, hstatus, zero
const ECALL = 0x0000_0073;
const INTERRUPT = 1n << 63n;
// Trap causes (Priv §3.1.15, §13.2.1): what took the guest out.
const CAUSE = { ILLEGAL: 2, LOAD_ACCESS: 5, ECALL_VS: 10, LOAD_GPF: 21, VIRTUAL_INSTRUCTION: 22, STORE_GPF: 23 } as const;

/** Every reason vmm-test must provoke under hw. */
const PROVOKED: VmExitReason[] = [
  'hypercall', 'csr-access', 'mmio', 'interrupt', 'wfi', 'virtual-instruction', 'exception-forward', 'guest-page-fault', 'halt',
];

interface Run { m: Machine; stop: StopReason; console: string; exits: VmExit[] }

function run(mode: BootMode): Run {
  let text = '';
  const m = new Machine({ console: { write: (b) => { text += String.fromCharCode(b); } }, ramSize: hostRamSize(mode, GUEST_RAM) });
  bootMachine(m, { bios: 'builtin', kernel: { name: ELF, bytes: new Uint8Array(fs.readFileSync(ELF)) }, mode });
  const exits: VmExit[] = [];
  m.exits?.subscribe({}, (e) => exits.push(e));
  let stop: StopReason = { kind: 'budget' };
  for (let i = 0; i < MAX_SLICES && stop.kind === 'budget'; i++) stop = m.run(BUDGET);
  return { m, stop, console: text.replace(/\r/g, ''), exits };
}

function assertPass(r: Run): string[] {
  const lines = r.console.split('\n').filter((l) => l.startsWith('vmm-test:'));
  const tail = `stop: ${JSON.stringify(r.stop)}; console ends:\n${r.console.slice(-1500)}`;
  assert.deepEqual(lines.filter((l) => l.startsWith('vmm-test: FAIL')), [], tail);
  assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' }, tail);
  assert.equal(lines[lines.length - 1], 'vmm-test: PASS');
  return lines;
}

const symbols: SymbolTable = parseElf(new Uint8Array(fs.readFileSync(ELF)), ELF).symbols;

/** The guest address of a vt_* label (guest virtual = physical: the payload runs with satp = 0). */
function label(name: string): bigint {
  const s = symbols.lookup(name);
  assert.ok(s, `no symbol ${name} in vmm-test.elf`);
  return BigInt(s.addr);
}

const at = (exits: VmExit[], name: string): VmExit[] => exits.filter((e) => e.guestPc === label(name));

function one(exits: VmExit[], name: string, reason: VmExitReason): VmExit {
  const found = at(exits, name).filter((e) => e.reason === reason);
  assert.ok(found.length >= 1, `no ${reason} exit at ${name}; exits there: ${JSON.stringify(at(exits, name).map((e) => e.reason))}`);
  return found[0];
}

describe('vmm: every exit reason, provoked by vmm-test.elf', function () {
  this.timeout(60_000);

  describe('bare mode (built-in firmware, no VMM)', () => {
    it('passes, seeing a hypervisor CSR execute (HS-mode with H) and a load access fault at 0x3000_0000; no exit stream', () => {
      const r = run('bare');
      const lines = assertPass(r);
      assert.equal(r.m.exits, undefined);
      assert.equal(r.m.vmm, undefined);
      assert.ok(lines.includes('vmm-test: ok illegal-h-csr (executed)'));
      assert.ok(lines.includes('vmm-test: ok access-fault (trapped)'));
      assert.ok(lines.includes('vmm-test: ok mmio.uart THR written directly'));
      assert.ok(lines.includes('vmm-test: hello from dbcn console_write'));
    });
  });

  describe('hw mode: one record per provoked exit', () => {
    let r: Run;
    let byReason: Map<VmExitReason, VmExit[]>;
    const of = (reason: VmExitReason) => byReason.get(reason) ?? [];

    before(function () {
      r = run('hw');
      byReason = new Map();
      for (const e of r.exits) byReason.set(e.reason, [...(byReason.get(e.reason) ?? []), e]);
    });

    it('the guest passes; its own handler saw the hypervisor CSR trap (cause 2) and the access fault (cause 5)', () => {
      const lines = assertPass(r);
      assert.ok(lines.includes('vmm-test: ok illegal-h-csr (trapped)'));
      assert.ok(lines.includes('vmm-test: ok access-fault (trapped)'));
      assert.ok(lines.includes('vmm-test: spec version 0x2000000'));
    });

    it('provokes every tested reason at least once', () => {
      const missing = PROVOKED.filter((reason) => of(reason).length === 0);
      assert.deepEqual(missing, [], `reasons seen: ${[...byReason.keys()].join(', ')}`);
    });

    it('hypercall: BASE get_spec_version, probe_extension(TIME) and IPI send_ipi, each at its ecall', () => {
      const spec = one(r.exits, 'vt_hcall', 'hypercall');
      assert.equal(spec.cause, BigInt(CAUSE.ECALL_VS));
      assert.deepEqual(spec.instruction, { raw: ECALL, text: 'ecall' });
      const h = spec.details.hypercall!;
      assert.deepEqual([h.extension, h.function, h.error, h.value], [EID.BASE, 0, 0n, SPEC_VERSION_2_0]);

      const probe = one(r.exits, 'vt_probe', 'hypercall').details.hypercall!;
      assert.deepEqual([probe.extension, probe.function, probe.args[0], probe.error, probe.value], [EID.BASE, 3, BigInt(EID.TIME), 0n, 1n]);

      const ipi = one(r.exits, 'vt_ipi', 'hypercall').details.hypercall!;
      assert.deepEqual([ipi.extension, ipi.function, ipi.args[0], ipi.args[1], ipi.error], [EID.IPI, 0, 1n, 0n, 0n]);
    });

    it('hypercall: DBCN console_write of the whole string, read from guest memory', () => {
      const e = one(r.exits, 'vt_dbcn', 'hypercall');
      const h = e.details.hypercall!;
      assert.deepEqual([h.extension, h.function, h.args[0], h.args[2], h.error, h.value],
        [EID.DBCN, 0, BigInt(DBCN_LINE.length), 0n, 0n, BigInt(DBCN_LINE.length)]);
      const off = Number(h.args[1]) - r.m.ram.base;
      assert.equal(Buffer.from(r.m.ram.u8.subarray(off, off + DBCN_LINE.length)).toString('latin1'), DBCN_LINE);
    });

    it('csr-access: stimecmp written (the far value), read back, armed, and cleared with -1 by the handler', () => {
      const write = at(r.exits, 'vt_csr_write').filter((e) => e.reason === 'csr-access');
      const far = write.find((e) => e.details.csr?.value === FAR_STIMECMP);
      assert.ok(far, `no stimecmp write of the far value: ${write.map((e) => e.details.csr?.value)}`);
      assert.deepEqual(far.details.csr, { number: CSR_STIMECMP, name: 'stimecmp', write: true, value: FAR_STIMECMP });
      assert.equal(far.cause, BigInt(CAUSE.VIRTUAL_INSTRUCTION));
      assert.match(far.instruction!.text, /^csrr?w\s+(zero,\s*)?stimecmp,\s*a0$/);
      assert.ok(write.some((e) => e.details.csr?.value === (1n << 64n) - 1n), 'the acknowledging write of -1');

      const read = one(r.exits, 'vt_csr_read', 'csr-access');
      assert.deepEqual(read.details.csr, { number: CSR_STIMECMP, name: 'stimecmp', write: false, value: FAR_STIMECMP });
      assert.match(read.instruction!.text, /stimecmp/);

      const arm = one(r.exits, 'vt_csr_arm', 'csr-access');
      assert.equal(arm.details.csr!.write, true);
      assert.ok(arm.details.csr!.value! > 0n && arm.details.csr!.value! < FAR_STIMECMP);
    });

    it('interrupt: the host timer, once after the stimecmp deadline and once to wake the guest from wfi', () => {
      const timers = of('interrupt').filter((e) => e.details.interrupt?.cause === 5);
      assert.ok(timers.length >= 2, `${timers.length} timer interrupt exits`);
      for (const e of timers) {
        assert.equal(e.cause, INTERRUPT | 5n);
        assert.match(e.details.interrupt!.name, /timer/);
        assert.equal(e.instruction, undefined);
      }
      // The first comes after the guest armed stimecmp, before the handler's acknowledging write.
      const arm = one(r.exits, 'vt_csr_arm', 'csr-access');
      assert.ok(timers.some((e) => e.seq > arm.seq));
    });

    it('wfi: at the guest\'s wfi; the next exit is the timer interrupt, at the instruction after it', () => {
      const e = one(r.exits, 'vt_wfi', 'wfi');
      assert.deepEqual(e.instruction, { raw: 0x1050_0073, text: 'wfi' });
      assert.equal(e.cause, BigInt(CAUSE.VIRTUAL_INSTRUCTION));
      const next = r.exits[r.exits.indexOf(e) + 1];
      assert.equal(next.reason, 'interrupt');
      assert.equal(next.details.interrupt?.cause, 5);
      assert.equal(next.guestPc, label('vt_wfi') + 4n);
    });

    it('mmio: UART LSR (THRE set), virtio-mmio slot 0 magic, and every byte written to the UART THR', () => {
      const lsr = one(r.exits, 'vt_mmio_lsr', 'mmio');
      assert.equal(lsr.cause, BigInt(CAUSE.LOAD_GPF));
      assert.match(lsr.instruction!.text, /^lbu\s+a0,\s*5\(t0\)$/);
      const d = lsr.details.device!;
      assert.deepEqual([d.name, d.register, d.access, d.size], ['uart0', 5, 'read', 1]);
      assert.ok((d.value! & 0x20n) !== 0n, 'LSR.THRE');
      assert.equal(lsr.details.fault?.guestPhysical, 0x1000_0005n);

      const magic = one(r.exits, 'vt_mmio_magic', 'mmio');
      assert.deepEqual(magic.details.device, { name: 'virtio0', register: 0, access: 'read', value: 0x7472_6976n, size: 4 });
      assert.equal(magic.details.fault?.guestPhysical, 0x1000_1000n);

      const thr = at(r.exits, 'vt_mmio_thr');
      assert.ok(thr.every((e) => e.reason === 'mmio' && e.cause === BigInt(CAUSE.STORE_GPF)));
      assert.ok(thr.every((e) => e.details.device?.name === 'uart0' && e.details.device.register === 0 &&
        e.details.device.access === 'write' && e.details.device.size === 1));
      assert.equal(String.fromCharCode(...thr.map((e) => Number(e.details.device!.value))), THR_LINE);
    });

    it('virtual-instruction: csrr hstatus, which the guest then sees as an illegal instruction (cause 2)', () => {
      const e = one(r.exits, 'vt_hcsr', 'virtual-instruction');
      assert.equal(e.cause, BigInt(CAUSE.VIRTUAL_INSTRUCTION));
      assert.equal(e.instruction!.raw, CSRR_A0_HSTATUS);
      assert.match(e.instruction!.text, /^csrrs?\s+a0,\s*hstatus(,\s*zero)?$/);
      assert.equal(e.details.exception?.cause, CAUSE.ILLEGAL);
    });

    it('exception-forward: the load from 0x3000_0000 (neither RAM nor device) becomes a load access fault', () => {
      const e = one(r.exits, 'vt_afault', 'exception-forward');
      assert.equal(e.cause, BigInt(CAUSE.LOAD_GPF));
      assert.match(e.instruction!.text, /^lwu\s+a0,\s*0\(t0\)$/);
      assert.equal(e.details.exception?.cause, CAUSE.LOAD_ACCESS);
      assert.equal(e.details.fault?.guestPhysical, HOLE);
      assert.equal(e.details.fault?.access, 'load');
    });

    it('guest-page-fault: the first store to each touched 2 MiB region of RAM, and no region twice', () => {
      const gpf = of('guest-page-fault');
      for (const addr of TOUCHED) {
        const e = gpf.filter((x) => x.details.fault?.guestPhysical === addr);
        assert.equal(e.length, 1, `faults at 0x${addr.toString(16)}`);
        assert.equal(e[0].guestPc, label('vt_gpf'));
        assert.equal(e[0].cause, BigInt(CAUSE.STORE_GPF));
        assert.equal(e[0].details.fault!.access, 'store');
        assert.match(e[0].instruction!.text, /^sb\s+a1,\s*0\(a0\)$/);
      }
      const regions = gpf.map((e) => e.details.fault!.guestPhysical! >> 21n);
      assert.equal(new Set(regions).size, regions.length, 'a 2 MiB region faulted twice');
      const base = BigInt(r.m.ram.base);
      assert.ok(gpf.every((e) => e.details.fault!.guestPhysical! >= base && e.details.fault!.guestPhysical! < base + BigInt(GUEST_RAM)));
    });

    it('halt: the SRST shutdown (reason none) from lib.c\'s shutdown(), the last exit', () => {
      const halts = of('halt');
      assert.equal(halts.length, 1);
      const e = halts[0];
      assert.equal(r.exits[r.exits.length - 1], e);
      assert.equal(e.cause, BigInt(CAUSE.ECALL_VS));
      assert.deepEqual(e.instruction, { raw: ECALL, text: 'ecall' });
      const h = e.details.hypercall!;
      assert.deepEqual([h.extension, h.function, h.args[0], h.args[1]], [EID.SRST, 0, 0n, 0n]);
      const fn = symbols.lookup('shutdown')!;
      assert.ok(e.guestPc >= BigInt(fn.addr) && e.guestPc < BigInt(fn.addr + fn.size), `pc 0x${e.guestPc.toString(16)}`);
    });

    it('records are in order: seq 1, 2, 3…, instret never decreases, all on vCPU 0', () => {
      assert.deepEqual(r.exits.map((e) => e.seq), r.exits.map((_, i) => i + 1));
      for (let i = 1; i < r.exits.length; i++) assert.ok(r.exits[i].instret >= r.exits[i - 1].instret, `exit ${r.exits[i].seq}`);
      assert.ok(r.exits.every((e) => e.vcpu === 0));
    });

    it('every exit leaves the guest kernel (VS, virtually S) for the VMM (HS)', () => {
      for (const e of r.exits) {
        assert.deepEqual(e.before, { real: 'VS', virtual: 'S' }, `exit ${e.seq} (${e.reason})`);
        assert.deepEqual(e.after, { real: 'HS' }, `exit ${e.seq} (${e.reason}): the exit enters the VMM`);
      }
    });

    it('the summary and statistics count every reason that occurred, and only those', () => {
      const stats = r.m.exits!.statistics();
      const summary = r.m.exits!.summary();
      for (const reason of VM_EXIT_REASONS) {
        const n = of(reason).length;
        assert.equal(stats.get(reason)?.count ?? 0, n, reason);
        const row = summary.split('\n').find((l) => l.startsWith(reason + ' '));
        if (n === 0) assert.equal(row, undefined, reason);
        else assert.match(row ?? '', new RegExp(`^${reason}\\s+${n}\\s`), reason);
      }
      assert.match(summary, new RegExp(`total: ${r.exits.length} exits`));
    });
  });
});
