// VM exits for the debugger: the machine's exit stream (engine/vmm/exit-stream.ts; none in bare mode), the
// `ringside/vmExits` listing, and VM-exit breakpoints: one exception filter per exit reason (VM_EXIT_REASONS),
// offered only when the launch mode runs a VMM, with conditions over the exit's details.
import { DebugProtocol } from '@vscode/debugprotocol';
import { Machine } from '../engine/machine';
import { ExitStream } from '../engine/vmm/exit-stream';
import { isVmExitReason, VM_EXIT_REASONS, VmExit, VmExitReason } from '../engine/vmm/vm-exit';
import { EvalError, Expression, Value } from './expression';
import { VirtualizationMode } from './launch-config';

/**
 * The machine's VM-exit stream (its VMM's, under hw), or undefined when no VMM runs (bare mode). The one place
 * that wires the VMM to the debugger: the listing, the counters, `info exits` and the VM-exit breakpoints read it.
 */
export function exitStreamOf(machine: Machine): ExitStream | undefined {
  return machine.exits;
}

/** Exception-filter id of a VM-exit reason. */
export const vmExitFilterId = (reason: VmExitReason) => `vm-exit-${reason}`;

export function vmExitReasonOf(filterId: string): VmExitReason | undefined {
  const r = filterId.startsWith('vm-exit-') ? filterId.slice('vm-exit-'.length) : '';
  return isVmExitReason(r) ? r : undefined;
}

/** What each reason means (docs/vm-exits.md, "Reasons"), for the filter descriptions. */
const REASON_HELP: Record<VmExitReason, string> = {
  'hypercall': 'the guest kernel called the VMM: SBI ecall from VS, a compressed guest kernel\'s ecall, a paravirtual hypercall',
  'csr-access': 'a CSR read or write the VMM emulated',
  'privileged-instruction': 'sret, wfi, sfence.vma, hfence… trapped and emulated (not CSR accesses)',
  'virtual-instruction': 'a virtual-instruction exception (cause 22) not classified otherwise',
  'guest-page-fault': 'a G-stage fault on guest RAM the VMM resolved (causes 20, 21, 23)',
  'mmio': 'a guest access to an emulated device register',
  'shadow-page-fault': 'a shadow-paging miss the VMM filled',
  'page-table-write': 'a store to a write-protected guest page table',
  'bt-callout': 'a sensitive instruction the binary translator rewrote into a VMM call',
  'exception-forward': 'a guest exception the VMM reflected into the guest kernel',
  'interrupt': 'a host interrupt while the guest ran (timer, external, IPI)',
  'wfi': 'the guest idled and its vCPU was descheduled',
  'halt': 'the vCPU stopped or the guest powered off',
};

/** Names a VM-exit condition may use (besides nothing else: an exit is not a hart state). */
export const EXIT_FIELDS = [
  'reason', 'seq', 'vcpu', 'hart', 'pc', 'cause', 'instret', 'csr', 'csrNumber', 'write', 'value', 'eid', 'fid',
  'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'error', 'addr', 'gva', 'gpa', 'access', 'size', 'device', 'reg', 'from', 'to',
  'virtualFrom', 'virtualTo',
];

const CONDITION_HELP = `Over the exit's details: ${EXIT_FIELDS.join(', ')}. Examples: csr == "satp", eid == 0x54494D45, addr >= 0x10000000`;

/** The VM-exit filters, one per reason of the closed set. */
export const VM_EXIT_FILTERS: readonly DebugProtocol.ExceptionBreakpointsFilter[] = VM_EXIT_REASONS.map((reason) => ({
  filter: vmExitFilterId(reason), label: `VM exit: ${reason}`, description: REASON_HELP[reason], default: false,
  supportsCondition: true, conditionDescription: CONDITION_HELP,
}));

/** The filters of a launch mode: VM-exit filters exist only where a VMM runs (every mode but bare). */
export function vmExitFiltersFor(mode: VirtualizationMode): readonly DebugProtocol.ExceptionBreakpointsFilter[] {
  return mode === 'bare' ? [] : VM_EXIT_FILTERS;
}

/** An exit's details as condition variables. */
export function exitFields(e: VmExit): Record<string, Value> {
  const d = e.details;
  const f: Record<string, Value> = {
    reason: e.reason, seq: BigInt(e.seq), vcpu: BigInt(e.vcpu), hart: BigInt(e.vcpu), pc: BigInt.asIntN(64, e.guestPc),
    instret: BigInt(e.instret), from: e.before.real, to: e.after.real,
    virtualFrom: e.before.virtual ?? '', virtualTo: e.after.virtual ?? '',
  };
  if (e.cause !== undefined) f.cause = e.cause;
  if (d.csr) Object.assign(f, { csr: d.csr.name, csrNumber: BigInt(d.csr.number), write: d.csr.write ? 1n : 0n, ...(d.csr.value !== undefined ? { value: d.csr.value } : {}) });
  if (d.hypercall) {
    Object.assign(f, { eid: BigInt(d.hypercall.extension), fid: BigInt(d.hypercall.function) });
    d.hypercall.args.slice(0, 6).forEach((a, i) => { f[`a${i}`] = a; });
    if (d.hypercall.error !== undefined) f.error = d.hypercall.error;
    if (d.hypercall.value !== undefined) f.value = d.hypercall.value;
  }
  if (d.fault) {
    Object.assign(f, { access: d.fault.access, ...(d.fault.size !== undefined ? { size: BigInt(d.fault.size) } : {}) });
    if (d.fault.guestVirtual !== undefined) f.gva = d.fault.guestVirtual;
    if (d.fault.guestPhysical !== undefined) f.gpa = d.fault.guestPhysical;
    const addr = d.fault.guestPhysical ?? d.fault.guestVirtual;
    if (addr !== undefined) f.addr = addr;
  }
  if (d.device) {
    Object.assign(f, { device: d.device.name, reg: BigInt(d.device.register), access: d.device.access, size: BigInt(d.device.size) });
    if (d.device.value !== undefined) f.value = d.device.value;
  }
  if (d.interrupt) f.cause = BigInt(d.interrupt.cause);
  if (d.exception) {
    f.cause = BigInt(d.exception.cause);
    if (d.exception.tval !== undefined) f.addr = d.exception.tval;
  }
  return f;
}

/** An exit record as JSON: 64-bit values as "0x…" strings (JSON has no 64-bit integers). */
export function exitToJson(e: VmExit): unknown {
  const conv = (v: unknown): unknown => {
    if (typeof v === 'bigint') return '0x' + BigInt.asUintN(64, v).toString(16);
    if (Array.isArray(v)) return v.map(conv);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x)]));
    return v;
  };
  return conv(e);
}

export class VmExitListError extends Error {}

/**
 * The `ringside/vmExits` answer: from the exit stream when the machine has one (its recent history, which the
 * adapter keeps on, newest last), else an empty list that says why.
 */
export function listVmExits(stream: ExitStream | undefined, mode: VirtualizationMode, a: Record<string, unknown>): Record<string, unknown> {
  const start = a.start ?? 0, count = a.count ?? 100;
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) throw new VmExitListError('ringside/vmExits: start must be a whole number ≥ 0');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000) throw new VmExitListError('ringside/vmExits: count must be between 1 and 10000');
  if (a.reason !== undefined && (typeof a.reason !== 'string' || !isVmExitReason(a.reason))) {
    throw new VmExitListError(`ringside/vmExits: reason must be one of ${VM_EXIT_REASONS.join(', ')}`);
  }
  if (a.hartId !== undefined && (typeof a.hartId !== 'number' || !Number.isInteger(a.hartId) || a.hartId < 0)) {
    throw new VmExitListError('ringside/vmExits: hartId must be a hart number');
  }
  if (!stream) {
    return {
      mode, total: 0, start, exits: [], counts: {},
      note: mode === 'bare'
        ? 'bare mode runs no VMM, so there are no VM exits; they are recorded in the trap, bt, pv and hw modes'
        : `the ${mode} mode's VMM exposes no exit stream`,
    };
  }
  const reason = a.reason as VmExitReason | undefined, hartId = a.hartId as number | undefined;
  const all = stream.history({
    ...(reason ? { reasons: new Set([reason]) } : {}),
    ...(hartId !== undefined ? { predicate: (e: VmExit) => e.vcpu === hartId } : {}),
  });
  const counts: Record<string, number> = {};
  for (const [r, st] of stream.statistics()) counts[r] = st.count;
  return {
    mode, total: all.length, start, exits: all.slice(start, start + count).map(exitToJson), counts, allExits: stream.total,
    note: `the most recent ${ExitStream.HISTORY} exits are kept; counts cover every exit since boot`,
  };
}

interface ActiveExitFilter { reason: VmExitReason; filterId: string; condition?: Expression }

/** A VM exit that stopped the guest. */
export interface VmExitStop {
  filterId: string;
  exit: VmExit;
  description: string;
  conditionError?: string;
}

/**
 * VM-exit breakpoints: a subscription on the exit stream (only while a filter is set) whose predicate is the
 * filters' reasons and conditions. A hit records the exit and asks the machine to pause; the run loop turns the
 * pause into an `exception` stop. Nothing is added per instruction, and only exits of the chosen reasons are
 * evaluated.
 */
export class VmExitBreakpoints {
  private active: ActiveExitFilter[] = [];
  private stream: ExitStream | undefined;
  private machine: Machine | undefined;
  private unsubscribe: (() => void) | undefined;
  last: VmExitStop | undefined;

  /** Binds to a (new) machine: its stream, if it has one, gets the active filters. */
  attach(machine: Machine | undefined): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.machine = machine;
    this.stream = machine && exitStreamOf(machine);
    if (this.stream) this.stream.keepHistory = true; // the VM Exits view lists recent records
    this.install();
  }

  get hasStream(): boolean {
    return this.stream !== undefined;
  }

  /** Validates and activates VM-exit filters; answers one Breakpoint per entry. */
  set(entries: readonly { filterId: string; condition?: string }[]): DebugProtocol.Breakpoint[] {
    const active: ActiveExitFilter[] = [];
    const out = entries.map(({ filterId, condition }): DebugProtocol.Breakpoint => {
      const reason = vmExitReasonOf(filterId)!;
      try {
        const e = condition ? new Expression(condition) : undefined;
        for (const n of e?.names ?? []) if (!EXIT_FIELDS.includes(n)) throw new EvalError(`no VM-exit field named '${n}' (fields: ${EXIT_FIELDS.join(', ')})`);
        active.push({ reason, filterId, ...(e ? { condition: e } : {}) });
        if (!this.stream) return { verified: false, message: 'no VMM runs (bare mode has no VM exits): this filter can never hit' };
        return { verified: true };
      } catch (err) {
        if (!(err instanceof EvalError)) throw err;
        return { verified: false, message: `condition '${condition}': ${err.message}` };
      }
    });
    this.active = active;
    this.install();
    return out;
  }

  private install(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (!this.stream || this.active.length === 0) return;
    this.unsubscribe = this.stream.subscribe({ reasons: new Set(this.active.map((a) => a.reason)) }, (e) => this.onExit(e));
  }

  private onExit(e: VmExit): void {
    if (this.last) return; // the first exit of a run stops it
    for (const a of this.active) {
      if (a.reason !== e.reason) continue;
      let conditionError: string | undefined;
      if (a.condition) {
        try {
          if (!a.condition.test(exitScope(e))) continue;
        } catch (err) {
          conditionError = `condition '${a.condition.text}' of '${a.filterId}' failed: ${(err as Error).message}; stopping`;
        }
      }
      this.last = { filterId: a.filterId, exit: e, description: ExitStream.format(e), ...(conditionError ? { conditionError } : {}) };
      this.machine?.pause();
      return;
    }
  }

  /** The exit that paused the machine, once. */
  take(): VmExitStop | undefined {
    const l = this.last;
    this.last = undefined;
    return l;
  }
}

function exitScope(e: VmExit) {
  const fields = exitFields(e);
  return {
    lookup: (name: string) => fields[name],
    read: (): bigint => { throw new EvalError('VM-exit conditions cannot read memory'); },
  };
}
