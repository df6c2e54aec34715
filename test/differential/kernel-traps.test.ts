// The demo kernel (Sv39, six preempted processes, virtio-blk) on QEMU and on Ringside under the same OpenSBI:
// each process's synchronous traps from U-mode must agree field by field (method: docs/differential-testing.md).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  KernelRunOptions, KernelTrapComparison, TrapRun, assertNoTrapDivergence, collectQemuTraps, collectRingsideTraps,
  compareTrapRuns, describeTrap, trapEntryOf,
} from './kernel-traps';
import { skipUnlessInstalled } from './qemu';

const REPO = path.join(__dirname, '..', '..', '..');
const KERNEL = path.join(REPO, 'guests', 'bin', 'kernel.elf');
const DISK = path.join(REPO, 'guests', 'bin', 'disk.img');
const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const FINISHED = 'kernel: all processes finished';

function skipUnlessFirmware(ctx: Mocha.Context): void {
  if (!fs.existsSync(OPENSBI)) {
    console.log(`      skipped: ${OPENSBI} not found (install opensbi)`);
    ctx.skip();
  }
}

function options(): KernelRunOptions {
  return { kernel: KERNEL, disk: DISK, firmware: OPENSBI, trapEntry: trapEntryOf(KERNEL) };
}

function stillRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('differential: the demo kernel on QEMU and Ringside, trap by trap', function () {
  this.timeout(120_000);
  let qemu: TrapRun;
  let ringside: TrapRun;
  let comparison: KernelTrapComparison;

  before(async function () {
    skipUnlessInstalled(this);
    skipUnlessFirmware(this);
    const o = options();
    ringside = collectRingsideTraps(o);
    qemu = await collectQemuTraps(o);
    comparison = compareTrapRuns(qemu, ringside);
    console.log(comparison.text.split('\n').map((l) => `      ${l}`).join('\n'));
    console.log(`      qemu ${qemu.elapsedMs} ms (${qemu.traps.length} stops, ${qemu.emptySteps} empty steps repeated), ` +
      `ringside ${ringside.elapsedMs} ms (${ringside.traps.length} stops)`);
  });

  it(`both run to "${FINISHED}" and power off; no QEMU is left running`, () => {
    for (const run of [qemu, ringside]) {
      assert.ok(run.console.includes(FINISHED), `${run.name} never printed "${FINISHED}"; it ended: ${run.ending}\n${run.console.slice(-2000)}`);
      assert.ok(run.poweredOff, `${run.name} did not power off cleanly: ${run.ending}`);
    }
    assert.ok(qemu.pid !== undefined && !stillRunning(qemu.pid), `QEMU (pid ${qemu.pid}) is still running`);
  });

  it('every process makes the same synchronous traps from U-mode, with the same user registers', () => {
    assertNoTrapDivergence(comparison);
    assert.equal(comparison.counts.reference.fromSupervisor, 0, 'QEMU: a trap from S-mode (a kernel bug)');
    assert.equal(comparison.counts.dut.fromSupervisor, 0, 'Ringside: a trap from S-mode (a kernel bug)');
  });

  it('covered what the kernel does: six processes, system calls, demand paging and both fatal faults', () => {
    // Guards against a comparison that passes because it saw nothing (a wrong trap entry, a filter too broad).
    assert.deepEqual(comparison.processes.map((p) => p.pid), [1, 2, 3, 4, 5, 6]);
    const traps = (pid: number) => comparison.processes[pid - 1].reference.map(describeTrap);
    for (const p of comparison.processes) assert.match(traps(p.pid)[0], /ecall from U: getpid/, `pid ${p.pid} starts with getpid`);
    assert.equal(traps(3).filter((t) => t.startsWith('store page fault')).length, 10, 'pid 3: 10 demand-allocated stack pages');
    assert.match(traps(4).at(-1)!, /^store page fault at 0xdead0000/);
    assert.match(traps(5).at(-1)!, /^load page fault at 0x80200000/);
    assert.equal(traps(6).filter((t) => /read_file/.test(t)).length, 3, 'pid 6: poem.txt, missing.txt, into kernel memory');
    for (const pid of [1, 2, 3, 6]) assert.match(traps(pid).at(-1)!, /ecall from U: exit\(0x0,/, `pid ${pid} exits with 0`);
  });
});

describe('kernel trap comparison: the divergence report', function () {
  this.timeout(60_000);
  let run: TrapRun;

  before(function () {
    skipUnlessFirmware(this);
    run = collectRingsideTraps(options());
  });

  /** A copy of the run whose `pid`'s `index`-th synchronous trap from U is changed by `edit` (or dropped). */
  function altered(pid: number, index: number, edit: ((r: TrapRun['traps'][number]) => void) | 'drop'): TrapRun {
    const base = compareTrapRuns(run, run).processes.find((p) => p.pid === pid)!;
    const target = base.reference[index].seq;
    const traps = run.traps.filter((t) => !(edit === 'drop' && t.seq === target)).map((t) => ({ ...t, x: [...t.x] }));
    if (edit !== 'drop') edit(traps.find((t) => t.seq === target)!);
    return { ...run, name: 'altered', traps };
  }

  it('a run compared with itself has no divergence', () => {
    const c = compareTrapRuns(run, run);
    assert.equal(c.divergences.length, 0, c.text);
    assert.ok(c.processes.every((p) => p.compared > 0));
  });

  it('names the process, the trap, both records and the differing fields', () => {
    const c = compareTrapRuns(run, altered(3, 4, (r) => { r.stval += 0x1000n; r.x[2] += 0x1000n; }));
    assert.equal(c.divergences.length, 1);
    const d = c.divergences[0];
    assert.equal(d.pid, 3);
    assert.equal(d.index, 4);
    assert.deepEqual(d.differences.map((f) => f.field), ['stval', 'x2']);
    assert.match(c.text, /kernel trap divergence: pid 3 \(satp 0x[0-9a-f]{16}\), synchronous trap 4 \(ringside stop #\d+, altered stop #\d+\)/);
    assert.match(c.text, /differing stval, sp \(x2\)/);
    assert.match(c.text, /stval +0x[0-9a-f]{16} {2}0x[0-9a-f]{16} {2}<-- differs/);
    assert.match(c.text, /pid 3 .* compared 14: 1 differ or missing, first at trap 4/);
  });

  it('reports a trap one side did not take, and ignores interrupts and sstatus.FS', () => {
    const dropped = compareTrapRuns(run, altered(2, 19, 'drop'));
    assert.equal(dropped.divergences.length, 1);
    assert.equal(dropped.divergences[0].pid, 2);
    assert.equal(dropped.divergences[0].index, 19);
    assert.match(dropped.text, /synchronous trap 19 \(ringside stop #\d+, altered missing\)/);
    assert.match(dropped.text, /\n +altered +no trap 19: the process has 19$/);

    const noisy: TrapRun = { ...run, traps: run.traps.filter((t) => (t.scause >> 63n) === 0n).map((t) => ({ ...t, sstatus: t.sstatus | (3n << 13n) | (1n << 63n) })) };
    const c = compareTrapRuns(run, noisy);
    assert.equal(c.divergences.length, 0, c.text);
    assert.equal(c.counts.dut.interrupts.size, 0);
  });
});
