// `npm run bench`: the CPU-bound guest on Ringside's interpreter and on QEMU in the same run, in guest MIPS.
// Figures go to docs/performance.md with the command that produced them; tests never time anything.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../engine/machine';
import { parseElf } from '../engine/loader/elf';
import { bootQemu, bootRingside, bootUbootBuiltin, OPENSBI, UBOOT } from './boot';
import { nanobenchSection } from './nanobench';

const ROOT = path.join(__dirname, '..', '..');
const GUEST = path.join(ROOT, 'guests', 'bin', process.env.RINGSIDE_BENCH_GUEST ?? 'bench.elf');

interface Result { name: string; seconds: number; instructions: number; output: string; ok: boolean }

function runRingside(): Result {
  const out: number[] = [];
  const m = new Machine({ console: { write: (b) => out.push(b) } });
  m.load(parseElf(new Uint8Array(fs.readFileSync(GUEST)), GUEST), GUEST);
  const t0 = process.hrtime.bigint();
  const stop = m.run(Number.MAX_SAFE_INTEGER);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const h = m.harts[0];
  const tlb = h.mem.tlbStats();
  const rate = (100 * tlb.hits / Math.max(1, tlb.hits + tlb.misses)).toFixed(3);
  process.stdout.write(`  ringside TLB: ${tlb.hits} fast-path hits, ${tlb.misses} slow-path accesses (hit rate ${rate}%), ${tlb.flushes} flushes; decoded pages dropped: ${m.interp.invalidations}\n`);
  return {
    name: 'ringside (interpreter)', seconds, instructions: h.instret,
    output: Buffer.from(out).toString('latin1'), ok: stop.kind === 'exit' && stop.code === 0,
  };
}

function runQemu(instructions: number): Result | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('qemu-system-riscv64', ['-machine', 'virt', '-bios', 'none', '-nographic', '-m', '128M', '-kernel', GUEST],
    { encoding: 'latin1', timeout: 600_000 });
  if (r.error) return undefined;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // Same deterministic program: QEMU retires the instructions Ringside counted (plus its 6-instruction reset stub).
  return { name: 'qemu-system-riscv64 (TCG)', seconds, instructions, output: r.stdout, ok: r.status === 0 };
}

async function bootBenchmark(): Promise<void> {
  if (!fs.existsSync(OPENSBI) || !fs.existsSync(UBOOT)) {
    process.stdout.write('\nOpenSBI/U-Boot not installed: boot benchmark skipped\n');
    return;
  }
  const ours = bootRingside();
  const qemu = await bootQemu();
  const tlb = ours.tlb!;
  process.stdout.write('\n| boot to the U-Boot prompt (OpenSBI fw_jump + U-Boot) | seconds | guest instructions | TLB hit rate |\n|---|---:|---:|---:|\n');
  process.stdout.write(`| ringside (interpreter) | ${ours.seconds.toFixed(2)} | ${ours.instructions} | ${(100 * tlb.hits / Math.max(1, tlb.hits + tlb.misses)).toFixed(2)}% |\n`);
  if (qemu) {
    process.stdout.write(`| qemu-system-riscv64 (TCG) | ${qemu.seconds.toFixed(2)} | – | – |\n`);
    process.stdout.write(`\nboot time ratio ringside / qemu: ${(ours.seconds / qemu.seconds).toFixed(2)}\n`);
  }
}

/** The same guest as a plain S-mode kernel and as a VS-mode guest under the hw VMM: what the VM exits cost. */
function virtualizationBenchmark(): void {
  if (!fs.existsSync(UBOOT)) return;
  process.stdout.write('\n| U-Boot to its prompt on the built-in firmware | seconds | guest instructions | VM exits |\n|---|---:|---:|---:|\n');
  for (const mode of ['bare', 'hw'] as const) {
    const t = bootUbootBuiltin(mode);
    process.stdout.write(`| ringside, --mode ${mode} | ${t.seconds.toFixed(2)} | ${t.instructions} | ${t.exits} |\n`);
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(GUEST)) throw new Error(`${GUEST} is missing: run make -C guests`);
  process.stdout.write(`benchmark guest: ${path.relative(ROOT, GUEST)}\n`);
  const ours = runRingside();
  const qemu = runQemu(ours.instructions);
  const rows = [ours, ...(qemu ? [qemu] : [])];
  process.stdout.write('\n| engine | guest instructions | seconds | guest MIPS | self-check |\n|---|---:|---:|---:|---|\n');
  for (const r of rows) {
    const mips = r.instructions / r.seconds / 1e6;
    process.stdout.write(`| ${r.name} | ${r.instructions} | ${r.seconds.toFixed(2)} | ${mips.toFixed(1)} | ${r.ok ? 'ok' : 'FAILED'} |\n`);
  }
  if (qemu) {
    const ratio = qemu.seconds / ours.seconds;
    process.stdout.write(`\nringside / qemu speed ratio: ${ratio.toFixed(3)} (QEMU is ${(1 / ratio).toFixed(1)}x faster)\n`);
  } else {
    process.stdout.write('\nqemu-system-riscv64 not found: QEMU column skipped\n');
  }
  if (!rows.every((r) => r.ok)) { process.stderr.write('a benchmark run failed its self-check\n'); process.exitCode = 1; }
  await bootBenchmark();
  virtualizationBenchmark();
  if (!nanobenchSection()) { process.stderr.write('the nanobenchmark failed\n'); process.exitCode = 1; }
}

main().catch((e) => { process.stderr.write(`bench: ${e instanceof Error ? e.message : e}\n`); process.exitCode = 1; });
