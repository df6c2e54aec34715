// The exit stream: subscribers with filters by reason and predicates on details, and per-reason counters
// and time (like `perf kvm stat`). Building a record costs something, so VMMs ask `wantsRecords` first:
// with nobody listening only the counters move.
import { VM_EXIT_REASONS, VmExit, VmExitReason } from './vm-exit';

export interface ExitFilter {
  /** Only these reasons (all when absent). */
  reasons?: ReadonlySet<VmExitReason>;
  /** Further condition on the record (the debugger compiles user conditions into this). */
  predicate?: (e: VmExit) => boolean;
}

export interface ExitSubscription {
  readonly filter: ExitFilter;
  readonly onExit: (e: VmExit) => void;
}

export interface ReasonStats {
  count: number;
  hostNs: number;
  minNs: number;
  maxNs: number;
}

export class ExitStream {
  private readonly subs = new Set<ExitSubscription>();
  private readonly stats = new Map<VmExitReason, ReasonStats>();
  /** Recent records for the debugger's list view (bounded ring). */
  private readonly recent: VmExit[] = [];
  private seq = 0;
  /** How many recent records are kept while someone keeps history on. */
  static readonly HISTORY = 4096;
  keepHistory = false;

  /** Whether a full record is wanted (subscribers or history); counters are kept either way. */
  get wantsRecords(): boolean {
    return this.subs.size > 0 || this.keepHistory;
  }

  subscribe(filter: ExitFilter, onExit: (e: VmExit) => void): () => void {
    const s: ExitSubscription = { filter, onExit };
    this.subs.add(s);
    return () => { this.subs.delete(s); };
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Counts an exit whose record nobody wanted. */
  count(reason: VmExitReason, hostNs: number): void {
    this.seq++;
    this.account(reason, hostNs);
  }

  /** Delivers a full record (its seq from nextSeq()). */
  emit(e: VmExit): void {
    this.account(e.reason, e.hostNs);
    if (this.keepHistory) {
      this.recent.push(e);
      if (this.recent.length > ExitStream.HISTORY) this.recent.shift();
    }
    for (const s of this.subs) {
      const f = s.filter;
      if (f.reasons && !f.reasons.has(e.reason)) continue;
      if (f.predicate && !f.predicate(e)) continue;
      s.onExit(e);
    }
  }

  private account(reason: VmExitReason, ns: number): void {
    let r = this.stats.get(reason);
    if (!r) { r = { count: 0, hostNs: 0, minNs: Infinity, maxNs: 0 }; this.stats.set(reason, r); }
    r.count++;
    r.hostNs += ns;
    r.minNs = Math.min(r.minNs, ns);
    r.maxNs = Math.max(r.maxNs, ns);
  }

  get total(): number { return this.seq; }

  statistics(): ReadonlyMap<VmExitReason, Readonly<ReasonStats>> {
    return this.stats;
  }

  history(filter?: ExitFilter): VmExit[] {
    return this.recent.filter((e) => (!filter?.reasons || filter.reasons.has(e.reason)) && (!filter?.predicate || filter.predicate(e)));
  }

  /** The `perf kvm stat`-style summary table. */
  summary(): string {
    const rows = VM_EXIT_REASONS.map((r) => [r, this.stats.get(r)] as const).filter(([, s]) => s && s.count > 0)
      .sort((a, b) => b[1]!.count - a[1]!.count);
    const total = rows.reduce((n, [, s]) => n + s!.count, 0);
    const totalNs = rows.reduce((n, [, s]) => n + s!.hostNs, 0);
    const lines = [
      'VM exits',
      `${'reason'.padEnd(24)}${'samples'.padStart(10)}${'samples%'.padStart(10)}${'time%'.padStart(8)}${'min ns'.padStart(10)}${'max ns'.padStart(10)}${'avg ns'.padStart(10)}`,
    ];
    for (const [r, s] of rows) {
      lines.push(`${r.padEnd(24)}${String(s!.count).padStart(10)}${(100 * s!.count / total).toFixed(2).padStart(9)}%` +
        `${(totalNs ? 100 * s!.hostNs / totalNs : 0).toFixed(2).padStart(7)}%${String(Math.round(s!.minNs)).padStart(10)}` +
        `${String(Math.round(s!.maxNs)).padStart(10)}${String(Math.round(s!.hostNs / s!.count)).padStart(10)}`);
    }
    lines.push(`total: ${total} exits, ${(totalNs / 1e6).toFixed(3)} ms in the VMM`);
    return lines.join('\n');
  }

  /** One line per exit for --trace-exits. */
  static format(e: VmExit): string {
    const d = e.details;
    const hex = (v: bigint) => '0x' + v.toString(16);
    let what = '';
    if (d.hypercall) what = `eid=${hex(BigInt(d.hypercall.extension))}${d.hypercall.name ? ` (${d.hypercall.name})` : ''} fid=${d.hypercall.function}`;
    else if (d.csr) what = `${d.csr.write ? 'write' : 'read'} ${d.csr.name}${d.csr.value !== undefined ? ' = ' + hex(d.csr.value) : ''}`;
    else if (d.fault) what = `${d.fault.access} gva=${d.fault.guestVirtual !== undefined ? hex(d.fault.guestVirtual) : '?'} gpa=${d.fault.guestPhysical !== undefined ? hex(d.fault.guestPhysical) : '?'}`;
    else if (d.device) what = `${d.device.name}+${hex(BigInt(d.device.register))} ${d.device.access}${d.device.size * 8}`;
    else if (d.interrupt) what = d.interrupt.name;
    else if (d.exception) what = d.exception.name;
    const insn = e.instruction ? ` ${e.instruction.text}` : '';
    return `exit ${e.seq} vcpu ${e.vcpu} ${e.reason.padEnd(22)} pc=${hex(e.guestPc)}${insn} ${what} [${e.before.real}${e.before.virtual ? '/' + e.before.virtual : ''} -> ${e.after.real}${e.after.virtual ? '/' + e.after.virtual : ''}] ${e.hostNs}ns`;
  }
}
