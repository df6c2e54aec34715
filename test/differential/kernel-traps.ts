// Trap-by-trap differential run of the demo kernel: QEMU and Ringside stop at the kernel's trap vector, and each
// process's synchronous traps from U-mode (system calls, page faults) are compared (docs/differential-testing.md).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootMachine } from '../../engine/boot';
import { csrRead } from '../../engine/cpu/csr-file';
import { RESULT } from '../../engine/cpu/int64';
import { BufferBackend, MemoryBackend } from '../../engine/devices/virtio/blk-backends';
import { parseElf } from '../../engine/loader/elf';
import { Machine } from '../../engine/machine';
import { GdbRemote, GdbTargetExitedError } from './gdb-remote';
import { ABI_NAMES } from './lockstep';
import { QemuInstance } from './qemu';

/** The CSRs read at every trap, by QEMU target-description name, with their addresses for the engine. */
export const TRAP_CSRS = { scause: 0x142, sepc: 0x141, stval: 0x143, sstatus: 0x100, satp: 0x180 } as const;
export type TrapCsr = keyof typeof TRAP_CSRS;

const SCAUSE_INTERRUPT = 1n << 63n;
const SSTATUS_SPP = 1n << 8n;
const SATP_ASID_SHIFT = 44n;
const SATP_ASID_MASK = 0xffffn;
const SATP_PPN_MASK = (1n << 44n) - 1n;
const SYSCALL_NAMES: Record<string, string> = { 1: 'write', 2: 'getpid', 3: 'yield', 4: 'exit', 5: 'read_file' };

/** The machine state at one stop on the trap vector: the CSRs the trap just wrote and the interrupted
 *  context's registers (the vector's first instruction has not run yet, so x1..x31 are still the user's). */
export interface TrapRecord {
  /** Position among every stop on this side (interrupts included), from 0. */
  seq: number;
  scause: bigint;
  sepc: bigint;
  stval: bigint;
  sstatus: bigint;
  satp: bigint;
  /** x0..x31 */
  x: bigint[];
}

export interface TrapRun {
  name: string;
  traps: TrapRecord[];
  /** What the guest printed (firmware and kernel). */
  console: string;
  /** The guest powered the board off (QEMU exited with status 0 / the engine stopped at the test device, code 0). */
  poweredOff: boolean;
  /** How it ended, one line. */
  ending: string;
  elapsedMs: number;
  /** The emulator's process id, when it ran as one (QEMU): gone by the time the run returns. */
  pid?: number;
  /** QEMU: steps off the trap vector that executed nothing and were repeated (see stepOffTrapVector). */
  emptySteps?: number;
}

export interface KernelRunOptions {
  kernel: string;
  disk: string;
  firmware: string;
  /** The kernel's S-mode trap entry (stvec, direct mode). */
  trapEntry: bigint;
}

/** A synchronous trap taken from U-mode: scause's interrupt bit clear and sstatus.SPP = 0. */
export function isUserException(r: TrapRecord): boolean {
  return (r.scause & SCAUSE_INTERRUPT) === 0n && (r.sstatus & SSTATUS_SPP) === 0n;
}

export function satpAsid(satp: bigint): number {
  return Number((satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK);
}

/** The kernel's S-mode trap entry: `trap_vector` in entry.S, which `_start` writes to stvec. */
export function trapEntryOf(kernel: string): bigint {
  const sym = parseElf(new Uint8Array(fs.readFileSync(kernel)), kernel).symbols.lookup('trap_vector');
  if (!sym) throw new Error(`${kernel}: no trap_vector symbol`);
  return BigInt.asUintN(64, BigInt(sym.addr));
}

// ---------------------------------------------------------------------------------------------------------------
// The two runs.

/** QEMU arguments that add the firmware and the disk to QemuInstance's `-machine virt -bios none -kernel K -S -gdb`
 *  (a later `-bios` replaces the earlier one). The disk is a private copy, read-only, so no image lock is shared. */
export function qemuKernelArgs(firmware: string, diskCopy: string): string[] {
  return ['-bios', firmware, '-global', 'virtio-mmio.force-legacy=false',
    '-drive', `file=${diskCopy},if=none,format=raw,id=hd0,readonly=on`, '-device', 'virtio-blk-device,drive=hd0'];
}

/** Runs the kernel on QEMU at full speed from one trap-vector stop to the next (a `Z0` breakpoint, `c`, then one
 *  step off it) until the guest powers off. The process is always ended before this returns. */
export async function collectQemuTraps(o: KernelRunOptions, timeoutMs = 60_000): Promise<TrapRun> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-kernel-traps-'));
  const diskCopy = path.join(dir, 'disk.img');
  fs.copyFileSync(o.disk, diskCopy);
  let q: QemuInstance | undefined;
  let result: TrapRun | undefined;
  try {
    q = await QemuInstance.launch({ kernel: o.kernel, extraArgs: qemuKernelArgs(o.firmware, diskCopy) });
    const gdb = q.gdb;
    const regnums = await qemuCsrNumbers(gdb);
    const traps: TrapRecord[] = [];
    let emptySteps = 0;
    for (;;) {
      const left = timeoutMs - (Date.now() - t0);
      if (left <= 0) throw new Error(`QEMU: the kernel did not power off within ${timeoutMs} ms (${traps.length} traps so far)`);
      try {
        await gdb.runTo(o.trapEntry, left);
      } catch (err) {
        if (!(err instanceof GdbTargetExitedError)) throw err;
        break; // powered off: QEMU closes the connection without a `W` packet
      }
      const regs = await gdb.readRegisters();
      if (regs.pc !== o.trapEntry) throw new Error(`QEMU stopped at 0x${regs.pc.toString(16)}, not at the trap vector 0x${o.trapEntry.toString(16)} (${JSON.stringify(gdb.lastStop)})`);
      const csr = {} as Record<TrapCsr, bigint>;
      for (const name of Object.keys(TRAP_CSRS) as TrapCsr[]) csr[name] = await gdb.readRegister(regnums[name]);
      traps.push({ seq: traps.length, ...csr, x: regs.x });
      emptySteps += await stepOffTrapVector(gdb, o.trapEntry, regs.x[2]);
    }
    await waitForExit(q, 5000);
    const exitCode = qemuExitCode(q);
    const ending = q.hasExited ? `QEMU exited with status ${exitCode}` : 'QEMU hung up but did not exit';
    result = { name: 'qemu', traps, console: q.serialOutput, poweredOff: q.hasExited && exitCode === 0, ending, elapsedMs: 0, pid: q.pid, emptySteps };
  } finally {
    if (q) await q.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  result.elapsedMs = Date.now() - t0;
  return result;
}

/** Most stub step-retries tolerated at one stop before the run is abandoned. */
const MAX_EMPTY_STEPS = 5;

/** Steps off the breakpoint so the next runTo sets it again and runs. The vector's first instruction is
 *  `csrrw sp, sscratch, sp`, which always changes sp. QEMU 7.2 occasionally (7 of 5,046 steps over 40 runs, all
 *  at stops with no interrupt pending in mip) answers a step with a stop reply without having executed anything;
 *  runTo would then see pc already at the vector and return at once, recording the same trap twice. Such a step is
 *  repeated; returns how many were. */
async function stepOffTrapVector(gdb: GdbRemote, trapEntry: bigint, sp: bigint): Promise<number> {
  for (let empty = 0; empty <= MAX_EMPTY_STEPS; empty++) {
    await gdb.step();
    const after = await gdb.readRegisters();
    if (after.pc !== trapEntry || after.x[2] !== sp) return empty;
  }
  throw new Error(`QEMU: ${MAX_EMPTY_STEPS + 1} steps in a row at the trap vector executed nothing`);
}

async function waitForExit(q: QemuInstance, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([q.exited(), new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

/** QemuInstance keeps the exit status private (it only says whether QEMU has exited); the status tells a
 *  shutdown (0) from SRST's "system failure" reason, which OpenSBI turns into a failing test-device write. */
function qemuExitCode(q: QemuInstance): number | null {
  return (q as unknown as { exitCode: number | null }).exitCode;
}

async function qemuCsrNumbers(gdb: GdbRemote): Promise<Record<TrapCsr, number>> {
  const out = {} as Record<TrapCsr, number>;
  for (const name of Object.keys(TRAP_CSRS) as TrapCsr[]) {
    const n = await gdb.registerNumber(name);
    if (n === undefined) throw new Error(`QEMU's target description has no ${name}`);
    out[name] = n;
  }
  return out;
}

/** Runs the kernel on the engine with a breakpoint on the trap vector until the guest powers off. Time follows
 *  retired instructions, so this run is deterministic. */
export function collectRingsideTraps(o: KernelRunOptions, maxInstructions = 200_000_000): TrapRun {
  const t0 = Date.now();
  const out: number[] = [];
  const disk = new MemoryBackend(new BufferBackend(new Uint8Array(fs.readFileSync(o.disk))));
  const m = new Machine({ console: { write: (b) => out.push(b) }, drives: [disk] });
  bootMachine(m, {
    bios: { name: o.firmware, bytes: new Uint8Array(fs.readFileSync(o.firmware)) },
    kernel: { name: o.kernel, bytes: new Uint8Array(fs.readFileSync(o.kernel)) },
  });
  m.addBreakpoint(o.trapEntry);
  const h = m.harts[0];
  const read = (addr: number): bigint => {
    const lo = csrRead(h, addr);
    return BigInt.asUintN(64, (BigInt(RESULT.hi) << 32n) | BigInt(lo >>> 0));
  };
  const traps: TrapRecord[] = [];
  let ending = '';
  let poweredOff = false;
  for (;;) {
    const left = maxInstructions - h.instret;
    if (left <= 0) { ending = `no power-off within ${maxInstructions} instructions`; break; }
    const stop = m.run(Math.min(left, 10_000_000));
    if (stop.kind === 'budget') continue;
    if (stop.kind === 'breakpoint') {
      const csr = {} as Record<TrapCsr, bigint>;
      for (const name of Object.keys(TRAP_CSRS) as TrapCsr[]) csr[name] = read(TRAP_CSRS[name]);
      traps.push({ seq: traps.length, ...csr, x: Array.from({ length: 32 }, (_, i) => h.getX(i)) });
      continue;
    }
    poweredOff = stop.kind === 'exit' && stop.code === 0;
    ending = stop.kind === 'exit' ? `exit with code ${stop.code} via ${stop.via}` : stop.kind === 'error' ? `error: ${stop.message}` : `stopped: ${stop.kind}`;
    break;
  }
  return { name: 'ringside', traps, console: Buffer.from(out).toString('latin1'), poweredOff, ending, elapsedMs: Date.now() - t0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison.

/** sstatus bits left out of the comparison. FS (14:13) and SD (63): QEMU's CPU has F and D, so OpenSBI's
 *  mstatus_init writes the whole FS field (3, Dirty) to enable the FPU, and SD follows; the engine implements
 *  neither extension, so its FS is read-only zero (Priv §3.1.6.6). VS (10:9) and XS (16:15) summarize state of
 *  extensions the kernel does not use either; masked for the same reason should a CPU model add them. */
export const SSTATUS_IGNORED = (1n << 63n) | (3n << 15n) | (3n << 13n) | (3n << 9n);

/** The fields compared at a synchronous trap from U-mode, in report order. */
export const COMPARED_FIELDS: readonly string[] = ['scause', 'sepc', 'stval', 'sstatus', 'satp',
  ...Array.from({ length: 31 }, (_, i) => `x${i + 1}`)];

function field(r: TrapRecord, name: string): bigint {
  if (name[0] === 'x') return r.x[Number(name.slice(1))] ?? 0n;
  const v = r[name as TrapCsr];
  return name === 'sstatus' ? v & ~SSTATUS_IGNORED : v;
}

function fieldLabel(name: string): string {
  if (name[0] !== 'x') return name === 'sstatus' ? 'sstatus (FS/VS/XS/SD masked)' : name;
  return `${ABI_NAMES[Number(name.slice(1))]} (${name})`;
}

/** Which process an address space belongs to: the kernel gives process `pid` ASID `pid` when satp keeps ASID bits;
 *  with ASID 0 for everyone, processes are numbered by their root table's address (allocated in pid order). */
export function processIds(satps: Iterable<bigint>): Map<bigint, number> {
  const distinct = [...new Set(satps)];
  const out = new Map<bigint, number>();
  if (distinct.every((s) => satpAsid(s) !== 0)) {
    for (const s of distinct) out.set(s, satpAsid(s));
  } else {
    const roots = [...new Set(distinct.map((s) => s & SATP_PPN_MASK))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const s of distinct) out.set(s, roots.indexOf(s & SATP_PPN_MASK) + 1);
  }
  return out;
}

export interface FieldDifference {
  field: string;
  reference: bigint;
  dut: bigint;
}

export interface TrapDivergence {
  pid: number;
  /** Index in the process's sequence of synchronous traps, from 0. */
  index: number;
  /** Missing when that side has fewer traps for the process. */
  reference?: TrapRecord;
  dut?: TrapRecord;
  differences: FieldDifference[];
}

export interface ProcessComparison {
  pid: number;
  satp: bigint;
  reference: TrapRecord[];
  dut: TrapRecord[];
  /** Traps compared field by field (the shorter sequence's length). */
  compared: number;
  /** How many of those differ, plus the unmatched tail of the longer sequence. */
  differing: number;
  /** The first difference; later ones usually follow from it. */
  divergence?: TrapDivergence;
}

export interface TrapCounts {
  /** Synchronous traps from U-mode, compared. */
  userExceptions: number;
  /** Interrupts, by scause code (timer 5, external 9, software 1): timing-dependent, only reported. */
  interrupts: Map<number, number>;
  /** Traps taken in S-mode (sstatus.SPP = 1): the kernel treats these as bugs, so both should be 0. */
  fromSupervisor: number;
}

export interface KernelTrapComparison {
  referenceName: string;
  dutName: string;
  processes: ProcessComparison[];
  divergences: TrapDivergence[];
  counts: { reference: TrapCounts; dut: TrapCounts };
  /** The per-process table, the interrupt counts and every divergence, as text. */
  text: string;
}

export class KernelTrapDivergenceError extends Error {
  constructor(readonly comparison: KernelTrapComparison) {
    super(comparison.text);
    this.name = 'KernelTrapDivergenceError';
  }
}

function countTraps(traps: TrapRecord[]): TrapCounts {
  const counts: TrapCounts = { userExceptions: 0, interrupts: new Map(), fromSupervisor: 0 };
  for (const t of traps) {
    if ((t.scause & SCAUSE_INTERRUPT) !== 0n) {
      const code = Number(t.scause & ~SCAUSE_INTERRUPT);
      counts.interrupts.set(code, (counts.interrupts.get(code) ?? 0) + 1);
    } else if ((t.sstatus & SSTATUS_SPP) !== 0n) {
      counts.fromSupervisor++;
    } else {
      counts.userExceptions++;
    }
  }
  return counts;
}

export function compareTrapRecords(reference: TrapRecord, dut: TrapRecord): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const name of COMPARED_FIELDS) {
    const a = field(reference, name), b = field(dut, name);
    if (a !== b) out.push({ field: name, reference: a, dut: b });
  }
  return out;
}

/** Groups each run's synchronous traps from U-mode by process and compares the sequences record by record. */
export function compareTrapRuns(reference: TrapRun, dut: TrapRun): KernelTrapComparison {
  const refUser = reference.traps.filter(isUserException), dutUser = dut.traps.filter(isUserException);
  const ids = processIds([...refUser, ...dutUser].map((t) => t.satp));
  const pids = [...new Set(ids.values())].sort((a, b) => a - b);
  const processes: ProcessComparison[] = [];
  const divergences: TrapDivergence[] = [];
  for (const pid of pids) {
    const mine = (t: TrapRecord) => ids.get(t.satp) === pid;
    const r = refUser.filter(mine), d = dutUser.filter(mine);
    const p: ProcessComparison = { pid, satp: (r[0] ?? d[0]).satp, reference: r, dut: d, compared: Math.min(r.length, d.length), differing: Math.abs(r.length - d.length) };
    for (let i = 0; i < Math.max(r.length, d.length); i++) {
      const differences = r[i] && d[i] ? compareTrapRecords(r[i], d[i]) : [];
      if (r[i] && d[i] && differences.length === 0) continue;
      if (r[i] && d[i]) p.differing++;
      p.divergence ??= { pid, index: i, reference: r[i], dut: d[i], differences };
    }
    if (p.divergence) divergences.push(p.divergence);
    processes.push(p);
  }
  const counts = { reference: countTraps(reference.traps), dut: countTraps(dut.traps) };
  const comparison: KernelTrapComparison = { referenceName: reference.name, dutName: dut.name, processes, divergences, counts, text: '' };
  comparison.text = formatComparison(comparison);
  return comparison;
}

export function assertNoTrapDivergence(c: KernelTrapComparison): void {
  if (c.divergences.length > 0) throw new KernelTrapDivergenceError(c);
}

// ---------------------------------------------------------------------------------------------------------------
// Reports.

const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
const EXCEPTION_NAMES: Record<number, string> = { 8: 'ecall from U', 12: 'instruction page fault', 13: 'load page fault', 15: 'store page fault' };

/** One line: what the trap was (`ecall from U: write(a0=0x1, ...)`, `store page fault at 0x1fe830`). */
export function describeTrap(r: TrapRecord): string {
  const code = Number(r.scause & ~SCAUSE_INTERRUPT);
  if ((r.scause & SCAUSE_INTERRUPT) !== 0n) return `interrupt ${code}`;
  const what = EXCEPTION_NAMES[code] ?? `exception ${code}`;
  if (code === 8) {
    const call = SYSCALL_NAMES[Number(r.x[17])] ?? `call ${r.x[17]}`;
    return `${what}: ${call}(0x${r.x[10].toString(16)}, 0x${r.x[11].toString(16)}, 0x${r.x[12].toString(16)}) at 0x${r.sepc.toString(16)}`;
  }
  return `${what} at 0x${r.stval.toString(16)}, sepc 0x${r.sepc.toString(16)}`;
}

function formatInterrupts(c: TrapCounts): string {
  const names: Record<number, string> = { 1: 'software', 5: 'timer', 9: 'external' };
  const parts = [...c.interrupts].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${n} ${names[code] ?? `cause ${code}`}`);
  return parts.length ? parts.join(', ') : 'none';
}

export function formatDivergence(d: TrapDivergence, referenceName: string, dutName: string, p: ProcessComparison): string {
  const which = (r?: TrapRecord) => (r ? `stop #${r.seq}` : 'missing');
  const lines = [
    `kernel trap divergence: pid ${d.pid} (satp ${hex64(p.satp)}), synchronous trap ${d.index} ` +
      `(${referenceName} ${which(d.reference)}, ${dutName} ${which(d.dut)}): ${referenceName} vs ${dutName}`,
    `  ${referenceName.padEnd(9)}${d.reference ? describeTrap(d.reference) : `no trap ${d.index}: the process has ${p.reference.length}`}`,
    `  ${dutName.padEnd(9)}${d.dut ? describeTrap(d.dut) : `no trap ${d.index}: the process has ${p.dut.length}`}`,
  ];
  if (d.reference && d.dut) {
    lines.push(`  differing ${d.differences.map((f) => fieldLabel(f.field)).join(', ')}`, '');
    lines.push(`  ${'field'.padEnd(10)} ${referenceName.padEnd(19)} ${dutName}`);
    const diff = new Set(d.differences.map((f) => f.field));
    for (const name of COMPARED_FIELDS) {
      const label = name[0] === 'x' ? `${name.padEnd(4)}${ABI_NAMES[Number(name.slice(1))]}` : name;
      lines.push(`  ${label.padEnd(10)} ${hex64(field(d.reference, name))}  ${hex64(field(d.dut, name))}${diff.has(name) ? '  <-- differs' : ''}`);
    }
  }
  return lines.join('\n');
}

export function formatComparison(c: KernelTrapComparison): string {
  const R = c.referenceName, D = c.dutName;
  const lines = [`synchronous traps from U-mode, per process: ${R} vs ${D}`];
  for (const p of c.processes) {
    const status = p.divergence ? `${p.differing} differ or missing, first at trap ${p.divergence.index}` : 'identical';
    lines.push(`  pid ${p.pid}  satp ${hex64(p.satp)}  ${R} ${p.reference.length}, ${D} ${p.dut.length}, compared ${p.compared}: ${status}`);
  }
  for (const [name, n] of [[R, c.counts.reference], [D, c.counts.dut]] as const) {
    lines.push(`  ${name}: ${n.userExceptions} synchronous traps from U, ${n.fromSupervisor} traps from S; interrupts (not compared): ${formatInterrupts(n)}`);
  }
  for (const d of c.divergences) lines.push('', formatDivergence(d, R, D, c.processes.find((p) => p.pid === d.pid)!));
  return lines.join('\n');
}
