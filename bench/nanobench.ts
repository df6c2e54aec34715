// VM-exit nanobenchmark: guests/bin/nanobench.elf on the built-in SBI firmware in bare and hw mode, timed per
// operation between its nb_<op>_begin/_end breakpoints (guest instructions, host ns, VM exits per iteration).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as boot from '../engine/boot';
import { parseElf } from '../engine/loader/elf';
import { Machine } from '../engine/machine';
import { OPENSBI } from './boot';

const ROOT = path.join(__dirname, '..', '..');
export const NANOBENCH_ELF = path.join(ROOT, 'guests', 'bin', 'nanobench.elf');
export const NANOBENCH_OPS = ['hypercall', 'csr', 'mmio', 'pagefault', 'timer'] as const;
export type NanobenchOp = typeof NANOBENCH_OPS[number];
/** Iterations per operation: N in guests/nanobench/nanobench.c. */
export const NANOBENCH_N = 2000;
/** Each mode runs once to warm up the host JIT, then this many times; ns/op is the median. */
const MEASURED_RUNS = 9;
const GUEST_RAM = 128 * 1024 * 1024;
const BUDGET = 200_000_000;

type Mode = 'bare' | 'hw';
export interface OpFigures { insns: number; ns: number; exits?: number; reasons?: string }
export type ModeResult = { ok: true; ops: Record<NanobenchOp, OpFigures> } | { ok: false; why: string };

// The hw-mode boot API (BootOptions.mode, hostRamSize) is looked up at run time, so this file builds with or
// without it; a boot that ignores `mode` is caught below by the missing exit stream.
type ModeBoot = (m: Machine, o: boot.BootOptions & { mode?: Mode }) => boot.BootResult;
const hostRamSize = (boot as unknown as { hostRamSize?: (mode: Mode, guestRam: number) => number }).hostRamSize;

function exitCounts(m: Machine): Map<string, number> {
  return new Map([...(m.exits?.statistics() ?? [])].map(([r, s]) => [r, s.count]));
}

/** One boot of the guest: instret, host time and exit count at every begin/end label. */
function runOnce(mode: Mode, bytes: Uint8Array): ModeResult {
  let text = '';
  const m = new Machine({
    console: { write: (b) => { text += String.fromCharCode(b); } },
    ramSize: hostRamSize ? hostRamSize(mode, GUEST_RAM) : GUEST_RAM,
  });
  try {
    (boot.bootMachine as ModeBoot)(m, { bios: 'builtin', kernel: { name: NANOBENCH_ELF, bytes }, mode });
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
  if (mode === 'hw' && !m.exits) return { ok: false, why: 'bootMachine has no hw mode yet' };
  const symbols = parseElf(bytes, NANOBENCH_ELF).symbols;
  const labels = new Map<bigint, { op: NanobenchOp; edge: 'begin' | 'end' }>();
  for (const op of NANOBENCH_OPS) {
    for (const edge of ['begin', 'end'] as const) {
      const s = symbols.lookup(`nb_${op}_${edge}`);
      if (!s) throw new Error(`${NANOBENCH_ELF}: no symbol nb_${op}_${edge}`);
      const pc = BigInt.asUintN(64, BigInt(s.addr));
      labels.set(pc, { op, edge });
      m.addBreakpoint(pc);
    }
  }
  const begin = new Map<NanobenchOp, { ns: bigint; insns: number; exits: number; byReason: Map<string, number> }>();
  const ops: Partial<Record<NanobenchOp, OpFigures>> = {};
  for (;;) {
    const stop = m.run(BUDGET);
    // Read the clock first: everything after it is harness work, not the guest's.
    const ns = process.hrtime.bigint();
    if (stop.kind !== 'breakpoint') {
      const passed = stop.kind === 'exit' && stop.code === 0 && /nanobench: PASS/.test(text);
      if (!passed) return { ok: false, why: `stopped: ${JSON.stringify(stop)}; console ends: ${text.slice(-400)}` };
      break;
    }
    const at = labels.get(BigInt.asUintN(64, stop.pc));
    if (!at) return { ok: false, why: `unexpected breakpoint at 0x${stop.pc.toString(16)}` };
    const insns = m.harts[0].instret, exits = m.exits?.total ?? 0, byReason = exitCounts(m);
    if (at.edge === 'begin') { begin.set(at.op, { ns, insns, exits, byReason }); continue; }
    const b = begin.get(at.op)!;
    const reasons = [...byReason].map(([r, n]) => [r, (n - (b.byReason.get(r) ?? 0)) / NANOBENCH_N] as const)
      .filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ');
    ops[at.op] = {
      insns: (insns - b.insns) / NANOBENCH_N,
      ns: Number(ns - b.ns) / NANOBENCH_N,
      exits: m.exits ? (exits - b.exits) / NANOBENCH_N : undefined,
      reasons: m.exits ? reasons || 'none' : undefined,
    };
  }
  const missing = NANOBENCH_OPS.filter((op) => !ops[op]);
  if (missing.length) return { ok: false, why: `never reached the end of: ${missing.join(', ')}` };
  return { ok: true, ops: ops as Record<NanobenchOp, OpFigures> };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function runNanobench(mode: Mode, bytes: Uint8Array): ModeResult {
  const warm = runOnce(mode, bytes);
  if (!warm.ok) return warm;
  const runs: Record<NanobenchOp, OpFigures>[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) {
    const r = runOnce(mode, bytes);
    if (!r.ok) return r;
    runs.push(r.ops);
  }
  const ops = {} as Record<NanobenchOp, OpFigures>;
  for (const op of NANOBENCH_OPS) ops[op] = { ...runs[0][op], ns: median(runs.map((r) => r[op].ns)) };
  return { ok: true, ops };
}

/** QEMU + OpenSBI: the whole run's wall time, and (under -icount) the guest's own instret/op lines, which
 *  include OpenSBI's M-mode instructions. */
function runQemu(icount: boolean): { seconds: number; output: string } | undefined {
  const args = ['-machine', 'virt', '-nographic', '-m', '128M', '-bios', OPENSBI, ...(icount ? ['-icount', 'shift=0'] : []),
    '-kernel', NANOBENCH_ELF];
  const t0 = process.hrtime.bigint();
  const r = spawnSync('qemu-system-riscv64', args, { encoding: 'latin1', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, output: r.stdout };
}

/** Prints the nanobenchmark section of `npm run bench`; false when a run failed. */
export function nanobenchSection(): boolean {
  if (!fs.existsSync(NANOBENCH_ELF)) throw new Error(`${NANOBENCH_ELF} is missing: run make -C guests`);
  const bytes = new Uint8Array(fs.readFileSync(NANOBENCH_ELF));
  process.stdout.write(`\nVM-exit nanobenchmark: ${path.relative(ROOT, NANOBENCH_ELF)} on the built-in SBI firmware, ` +
    `${NANOBENCH_N} iterations per operation, median of ${MEASURED_RUNS} runs after a warm-up\n`);
  const bare = runNanobench('bare', bytes);
  const hw = runNanobench('hw', bytes);
  if (!bare.ok) process.stdout.write(`bare: FAILED: ${bare.why}\n`);
  if (!hw.ok) process.stdout.write(`hw: not available (${hw.why})\n`);
  const f1 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));
  const f0 = (x: number | undefined) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
  process.stdout.write('\n| op | bare insns/op | bare ns/op | hw insns/op | hw ns/op | hw exits/op | hw exit reasons/op |\n|---|---:|---:|---:|---:|---:|---|\n');
  for (const op of NANOBENCH_OPS) {
    const b = bare.ok ? bare.ops[op] : undefined, h = hw.ok ? hw.ops[op] : undefined;
    process.stdout.write(`| ${op} | ${f1(b?.insns)} | ${f0(b?.ns)} | ${f1(h?.insns)} | ${f0(h?.ns)} | ${f1(h?.exits)} | ${h?.reasons ?? '–'} |\n`);
  }
  const qemu = runQemu(false), counted = runQemu(true);
  if (!qemu || !counted) {
    process.stdout.write('\nqemu-system-riscv64 + OpenSBI: not available or failed\n');
  } else {
    const perOp = [...counted.output.matchAll(/nanobench: (\w+) instret\/op ([\d.]+)/g)].map((x) => `${x[1]} ${x[2]}`);
    process.stdout.write(`\nqemu-system-riscv64 + OpenSBI fw_jump: whole run (boot included) ${qemu.seconds.toFixed(2)} s; ` +
      `guest instret/op under -icount (OpenSBI's instructions included): ${perOp.join(', ')}\n`);
  }
  return bare.ok;
}

if (require.main === module) {
  try {
    if (!nanobenchSection()) process.exitCode = 1;
  } catch (e) {
    process.stderr.write(`nanobench: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
}
