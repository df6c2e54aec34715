// Steps a reference (QEMU over GDB) and a device under test in lockstep and reports the first register difference.
import { GdbRemote, GdbTargetExitedError, RegisterFile } from './gdb-remote';

export type { RegisterFile } from './gdb-remote';

/** What the harness needs from the emulator under test. The Ringside engine's Machine gets a thin adapter. */
export interface SteppableTarget {
  /** x0..x31 and pc after the last step. */
  readRegisters(): { pc: bigint; x: bigint[] };
  /** Execute exactly one instruction (or take one trap, as QEMU's single-step does). */
  step(): void | Promise<void>;
  /** Set x[index] (1..31); the harness uses it only to copy values that legitimately differ (see syncInstruction). */
  writeRegister(index: number, value: bigint): void;
  readonly name: string;
}

export const ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

/** CSRs whose values are host- or implementation-defined, so QEMU and the engine may read different numbers. */
export const COUNTER_CSRS: ReadonlyMap<number, string> = new Map([
  [0xc00, 'cycle'], [0xc01, 'time'], [0xc02, 'instret'],
  [0xb00, 'mcycle'], [0xb02, 'minstret'],
  [0x301, 'misa'], [0xf11, 'mvendorid'], [0xf12, 'marchid'], [0xf13, 'mimpid'],
]);

/** A Zicsr instruction that writes its CSR's old value to rd: SYSTEM opcode (0x73), funct3 1-3 or 5-7
 * (csrrw/s/c and their immediate forms; funct3 0 is ecall/ebreak/xRET/wfi/sfence, funct3 4 the H-extension
 * loads/stores), rd != x0. Compressed encodings (low bits != 11) have no CSR access. */
export function decodeCsrRead(word: number): { rd: number; csr: number } | null {
  if ((word & 0x7f) !== 0x73) return null;
  const funct3 = (word >>> 12) & 7;
  const rd = (word >>> 7) & 31;
  if (funct3 === 0 || funct3 === 4 || rd === 0) return null;
  return { rd, csr: word >>> 20 };
}

/** Why the harness copied a value from the reference into the DUT instead of comparing it. */
export interface SyncedRead {
  step: number;
  pc: bigint;
  instruction: number;
  register: number;
  reason: string;
  value: bigint;
}

/** Decides, for the instruction the reference just executed, which register the DUT should take from the
 * reference rather than be compared on. Returns null to compare normally. */
export type SyncInstruction = (word: number, pc: bigint) => { register: number; reason: string } | null;

/** The default: reads of the counters and ID registers in COUNTER_CSRS. */
export const syncCounterReads: SyncInstruction = (word) => {
  const read = decodeCsrRead(word);
  const name = read && COUNTER_CSRS.get(read.csr);
  return read && name ? { register: read.rd, reason: `csr read of ${name} (0x${read.csr.toString(16).padStart(3, '0')})` } : null;
};

export interface LockstepOptions {
  /** Stop after this many instructions. */
  maxSteps: number;
  /** Checked on the reference pc before each step; true stops the run (e.g. the pc of the store to the test device). */
  stopPc?: (pc: bigint) => boolean;
  /** Which reads to copy into the DUT instead of comparing (default syncCounterReads; pass () => null to sync none). */
  syncInstruction?: SyncInstruction;
  /** Copy x1..x31 from the reference into the DUT before comparing the starting state (a0/a1 of QEMU's reset stub,
   * say). The pcs must already agree. */
  syncInitialRegisters?: boolean;
  /** Cache instruction words by pc (dropped on fence.i, sfence.vma and satp writes). Turn off for guests that rewrite
   * code without fence.i. Default true: it saves one GDB round trip per step. */
  cacheInstructions?: boolean;
  /** Column title for the reference in reports (default 'qemu'). */
  referenceName?: string;
}

export interface RegisterDifference {
  /** 'pc' or 'x13' */
  field: string;
  /** 'pc' or the ABI name, 'a3' */
  name: string;
  reference: bigint;
  dut: bigint;
}

export interface DivergenceReport {
  /** Number of instructions executed when the states first differed; 0 = they differed before the first step. */
  step: number;
  /** pc of the instruction whose execution led to the difference (where both agreed before it). */
  pc: bigint;
  /** Its instruction word, read from the reference's memory (16-bit for compressed), or null if unreadable. */
  instruction: number | null;
  referenceName: string;
  dutName: string;
  reference: RegisterFile;
  dut: RegisterFile;
  differences: RegisterDifference[];
  syncedReads: number;
  /** The report as text: see formatDivergence. */
  text: string;
}

export type StopReason = 'max-steps' | 'stop-pc' | 'reference-exited' | 'divergence';

export interface LockstepResult {
  /** Instructions executed by both. */
  steps: number;
  stopReason: StopReason;
  divergence?: DivergenceReport;
  /** How many values were copied from the reference into the DUT, and which (the first 100). */
  syncedReads: number;
  syncLog: SyncedRead[];
  /** Reference pc when the run stopped (before the exit, if it exited). */
  finalPc: bigint;
  elapsedMs: number;
  stepsPerSecond: number;
}

export class DivergenceError extends Error {
  constructor(readonly report: DivergenceReport) {
    super(report.text);
    this.name = 'DivergenceError';
  }
}

/** Throw a DivergenceError (whose message is the full report) if the run diverged. */
export function assertNoDivergence(result: LockstepResult): void {
  if (result.divergence) throw new DivergenceError(result.divergence);
}

const SYNC_LOG_LIMIT = 100;

/**
 * Step both targets one instruction at a time, comparing pc and x0..x31 after each step.
 * Stops at the first divergence, at stopPc, after maxSteps, or when the reference exits (guest power-off).
 */
export async function runLockstep(reference: GdbRemote, dut: SteppableTarget, opts: LockstepOptions): Promise<LockstepResult> {
  const sync = opts.syncInstruction ?? syncCounterReads;
  const fetch = new InstructionFetcher(reference, opts.cacheInstructions ?? true);
  const started = performance.now();
  const syncLog: SyncedRead[] = [];
  let syncedReads = 0;
  let steps = 0;

  const finish = (stopReason: StopReason, finalPc: bigint, divergence?: DivergenceReport): LockstepResult => {
    const elapsedMs = performance.now() - started;
    return { steps, stopReason, divergence, syncedReads, syncLog, finalPc, elapsedMs, stepsPerSecond: elapsedMs > 0 ? (steps * 1000) / elapsedMs : 0 };
  };
  const report = async (pc: bigint, ref: RegisterFile, mine: RegisterFile, differences: RegisterDifference[]) => {
    const instruction = await fetch.word(pc).catch(() => null);
    const partial = { step: steps, pc, instruction, referenceName: opts.referenceName ?? 'qemu', dutName: dut.name, reference: ref, dut: mine, differences, syncedReads };
    return { ...partial, text: formatDivergence(partial) };
  };

  let ref = await reference.readRegisters();
  if (opts.syncInitialRegisters) {
    for (let r = 1; r < 32; r++) dut.writeRegister(r, ref.x[r]);
  }
  const first = compareRegisters(ref, dut.readRegisters());
  if (first.length > 0) return finish('divergence', ref.pc, await report(ref.pc, ref, dut.readRegisters(), first));

  while (steps < opts.maxSteps) {
    const pc = ref.pc;
    if (opts.stopPc?.(pc)) return finish('stop-pc', pc);
    let word: number | null = null;
    try {
      word = await fetch.word(pc);
    } catch (err) {
      if (reference.exited) return finish('reference-exited', pc);
      word = null; // an unreadable pc will trap on both sides; that is still worth comparing
    }

    const refStep = reference.step();
    refStep.catch(() => undefined); // handled below, after the DUT's step; this only keeps Node from calling it unhandled
    let dutError: unknown = null;
    try {
      await dut.step();
    } catch (err) {
      dutError = err;
    }
    try {
      await refStep;
      ref = await reference.readRegisters();
    } catch (err) {
      if (err instanceof GdbTargetExitedError) {
        steps++;
        return finish('reference-exited', pc);
      }
      throw err;
    }
    steps++;
    if (dutError) throw new Error(`${dut.name} failed at step ${steps} (pc 0x${hex64(pc)}): ${(dutError as Error).message ?? dutError}`);

    if (word !== null) {
      fetch.noteExecuted(word);
      const s = sync(word, pc);
      if (s && s.register > 0 && s.register < 32) {
        dut.writeRegister(s.register, ref.x[s.register]);
        syncedReads++;
        if (syncLog.length < SYNC_LOG_LIMIT) syncLog.push({ step: steps, pc, instruction: word, register: s.register, reason: s.reason, value: ref.x[s.register] });
      }
    }
    const mine = dut.readRegisters();
    const differences = compareRegisters(ref, mine);
    if (differences.length > 0) return finish('divergence', ref.pc, await report(pc, ref, mine, differences));
  }
  return finish('max-steps', ref.pc);
}

export function compareRegisters(ref: RegisterFile, dut: RegisterFile): RegisterDifference[] {
  const out: RegisterDifference[] = [];
  if (ref.pc !== dut.pc) out.push({ field: 'pc', name: 'pc', reference: ref.pc, dut: dut.pc });
  for (let r = 0; r < 32; r++) {
    const a = BigInt.asUintN(64, ref.x[r]);
    const b = BigInt.asUintN(64, dut.x[r] ?? 0n);
    if (a !== b) out.push({ field: `x${r}`, name: ABI_NAMES[r], reference: a, dut: b });
  }
  return out;
}

/**
 * The report, for a person:
 *
 *   lockstep divergence at step 100: qemu vs ringside
 *     instruction  0x0000000080000018: 0x02c286b3
 *     differing    a3 (x13)
 *     synced reads 0
 *
 *     reg        qemu                ringside
 *     pc         0x000000008000001c  0x000000008000001c
 *     x0  zero   0x0000000000000000  0x0000000000000000
 *     ...
 *     x13 a3     0x00000000000230ac  0x00000000000230ad  <-- differs
 */
export function formatDivergence(r: Omit<DivergenceReport, 'text'>): string {
  const word = r.instruction === null ? 'unreadable' : `0x${r.instruction.toString(16).padStart(r.instruction > 0xffff ? 8 : 4, '0')}`;
  const differing = new Set(r.differences.map((d) => d.field));
  const names = r.differences.map((d) => (d.field === 'pc' ? 'pc' : `${d.name} (${d.field})`)).join(', ');
  const lines = [
    `lockstep divergence at step ${r.step}: ${r.referenceName} vs ${r.dutName}`,
    `  instruction  0x${hex64(r.pc)}: ${word}${r.step === 0 ? ' (not yet executed: the starting states differ)' : ''}`,
    `  differing    ${names}`,
    `  synced reads ${r.syncedReads}`,
    '',
    `  ${'reg'.padEnd(9)}  ${r.referenceName.padEnd(18)}  ${r.dutName}`,
  ];
  const row = (label: string, field: string, a: bigint, b: bigint) =>
    `  ${label.padEnd(9)}  0x${hex64(a)}  0x${hex64(b)}${differing.has(field) ? '  <-- differs' : ''}`;
  lines.push(row('pc', 'pc', r.reference.pc, r.dut.pc));
  for (let i = 0; i < 32; i++) lines.push(row(`x${i}`.padEnd(4) + ABI_NAMES[i], `x${i}`, r.reference.x[i], r.dut.x[i] ?? 0n));
  return lines.join('\n');
}

function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** Reads instruction words from the reference's memory, cached by pc until code may have changed. */
class InstructionFetcher {
  private readonly cache = new Map<bigint, number>();

  constructor(private readonly remote: GdbRemote, private readonly useCache: boolean) {}

  async word(pc: bigint): Promise<number> {
    const hit = this.cache.get(pc);
    if (hit !== undefined) return hit;
    let bytes: Uint8Array;
    try {
      bytes = await this.remote.readMemory(pc, 4);
    } catch (err) {
      if (this.remote.exited) throw err;
      bytes = await this.remote.readMemory(pc, 2); // a compressed instruction at the end of readable memory
    }
    const low = bytes[0] | (bytes[1] << 8);
    // Low bits 11 mean a 32-bit instruction; otherwise it is a 16-bit compressed one (RISC-V unprivileged spec 1.5).
    const word = (low & 3) === 3 ? (low | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0 : low;
    if (this.useCache) this.cache.set(pc, word);
    return word;
  }

  /** Forget cached code after instructions that may change what a pc maps to or holds. */
  noteExecuted(word: number): void {
    const opcode = word & 0x7f;
    const funct3 = (word >>> 12) & 7;
    const fenceI = opcode === 0x0f && funct3 === 1;
    const funct7 = word >>> 25; // sfence.vma 0x09, hfence.vvma 0x11, hfence.gvma 0x31
    const sfence = opcode === 0x73 && funct3 === 0 && ((word >>> 7) & 31) === 0 && (funct7 === 0x09 || funct7 === 0x11 || funct7 === 0x31);
    const satpWrite = opcode === 0x73 && funct3 !== 0 && funct3 !== 4 && (word >>> 20) === 0x180;
    if (fenceI || sfence || satpWrite) this.cache.clear();
  }
}

/** A SteppableTarget over a second GDB stub (another QEMU): used to test the harness itself. Register reads come
 * from a copy fetched after each step; writes go to the stub in order, before the next step. */
export class RemoteTarget implements SteppableTarget {
  private regs: RegisterFile;
  private pendingWrites: Promise<void> = Promise.resolve();

  private constructor(readonly remote: GdbRemote, readonly name: string, regs: RegisterFile) {
    this.regs = regs;
  }

  static async create(remote: GdbRemote, name = 'qemu-2'): Promise<RemoteTarget> {
    return new RemoteTarget(remote, name, await remote.readRegisters());
  }

  readRegisters(): RegisterFile {
    return { pc: this.regs.pc, x: [...this.regs.x] };
  }

  async step(): Promise<void> {
    await this.pendingWrites;
    await this.remote.step();
    this.regs = await this.remote.readRegisters();
  }

  writeRegister(index: number, value: bigint): void {
    if (index <= 0 || index >= 32) return;
    this.regs.x[index] = BigInt.asUintN(64, value);
    const write = this.pendingWrites.then(() => this.remote.writeRegister(index, value));
    write.catch(() => undefined); // reported by the next step(), which awaits it
    this.pendingWrites = write;
  }
}
