// Exception breakpoints: guest traps by cause, with conditions over the trap (DAP "SetExceptionBreakpoints
// Request", ExceptionFilterOptions), evaluated in Machine.trapFilter: a cost per trap, none per instruction;
// privilege changes (any change of privilege or V, by a trap or an xRET), in Machine.modeFilter: a cost per
// change. VM-exit filters (one per exit reason, vm-exits.ts) are offered when the launch mode runs a VMM.
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { EXCEPTION_NAMES, INTERRUPT_NAMES } from '../engine/cpu/privilege';
import { ModeChange, TrapInfo } from '../engine/machine';
import { EvalError, Expression, Value } from './expression';
import { H_EXTENSION, hartScope, knownName, privilegeName, readCsr } from './state';
import { hex, Target } from './target';
import { vmExitReasonOf, VmExitBreakpoints } from './vm-exits';

interface FilterDef {
  filter: DebugProtocol.ExceptionBreakpointsFilter;
  matches(t: TrapInfo): boolean;
}

const causes = (...c: number[]) => (t: TrapInfo) => !t.interrupt && c.includes(t.cause);
const CONDITION_HELP = 'Over the trap: cause, interrupt (0/1), priv (privilege trapped from: "M", "S", "U"), to (handler ' +
  'privilege), epc, tval, handler, hart, plus registers, CSRs and symbols. Example: priv == "U" && tval != 0';

const def = (filter: string, label: string, description: string, matches: FilterDef['matches']): FilterDef => ({
  filter: { filter, label, description, default: false, supportsCondition: true, conditionDescription: CONDITION_HELP },
  matches,
});

/** The trap filters, by cause groups of Priv Table 3.6 ("Machine cause register values after trap"); the
 *  H extension's causes only where the engine implements it. */
export const TRAP_FILTERS: readonly FilterDef[] = (H_EXTENSION ? (f: FilterDef[]) => f : (f: FilterDef[]) =>
  f.filter((x) => !['guest-page-fault', 'virtual-instruction'].includes(x.filter.filter)))([
  def('illegal-instruction', 'Illegal instruction', 'Cause 2: an illegal encoding, a privileged instruction below its ' +
    'privilege, or a CSR access not allowed there', causes(2)),
  def('breakpoint', 'Breakpoint (ebreak)', 'Cause 3: the guest executed ebreak or c.ebreak', causes(3)),
  def('ecall', 'Environment call (ecall)', 'Causes 8, 9, 11: ecall from U, S or M (system calls, SBI calls)', causes(8, 9, 10, 11)),
  def('page-fault', 'Page fault', 'Causes 12, 13, 15: instruction, load or store/AMO page fault', causes(12, 13, 15)),
  def('access-fault', 'Access fault', 'Causes 1, 5, 7: instruction, load or store/AMO access fault (no device there, or PMP)', causes(1, 5, 7)),
  def('misaligned', 'Misaligned address', 'Causes 0, 4, 6: misaligned instruction, load or store/AMO address', causes(0, 4, 6)),
  def('guest-page-fault', 'Guest page fault', 'Causes 20, 21, 23: instruction, load or store/AMO guest-page fault in ' +
    'G-stage translation (H extension only)', causes(20, 21, 23)),
  def('virtual-instruction', 'Virtual instruction', 'Cause 22: an instruction VS/VU-mode may not execute (H extension only)',
    causes(22)),
  def('interrupt', 'Interrupt', 'Any interrupt taken: software, timer or external (condition on cause, e.g. cause == 7 for the M timer)',
    (t) => t.interrupt),
]);

/** Privilege-change breakpoints: the net change of privilege/V over one instruction. */
export const PRIVILEGE_CHANGE_FILTER: DebugProtocol.ExceptionBreakpointsFilter = {
  filter: 'privilege-change', label: 'Privilege change',
  description: 'Any change of privilege or virtualization mode: a trap taken, an mret/sret. A call into Ringside\'s ' +
    'built-in firmware or VMM returns within the instruction and is no change',
  default: false, supportsCondition: true,
  conditionDescription: 'Over the change: from, to ("M", "S", "U", "VS", "VU"), v (V after: 0/1), pc (where the ' +
    'hart continues), hart, plus registers, CSRs and symbols. Example: from == "S" && to == "U"',
};

/** Every exception filter that exists whatever the mode (VM-exit filters come on top under a VMM). */
export const EXCEPTION_FILTERS: readonly DebugProtocol.ExceptionBreakpointsFilter[] = [...TRAP_FILTERS.map((f) => f.filter), PRIVILEGE_CHANGE_FILTER];

/** Names a privilege-change condition may use besides the hart's registers, CSRs and symbols. */
export const MODE_FIELDS = ['from', 'to', 'v', 'pc', 'hart'];

export interface ModeStop {
  change: ModeChange;
  description: string;
  conditionError?: string;
}

/** A mode as trap conditions name privileges ("M", "S", "U"), with "VS"/"VU" for a guest's. */
export function modeName(priv: number, virt: boolean): string {
  return virt ? `V${privilegeName(priv)}` : privilegeName(priv);
}

export function describeModeChange(c: ModeChange): string {
  return `hart ${c.hartId}: ${modeName(c.fromPriv, c.fromVirt)}-mode → ${modeName(c.toPriv, c.toVirt)}-mode, continuing at ${hex(c.pc)}`;
}

export interface TrapStop {
  filterId: string;
  trap: TrapInfo;
  tval: bigint;
  /** One line: what happened, where, and where it went. */
  description: string;
  conditionError?: string;
}

export function trapName(t: TrapInfo): string {
  return (t.interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES)[t.cause] ?? `${t.interrupt ? 'interrupt' : 'exception'} ${t.cause}`;
}

interface Active { def: FilterDef; condition?: Expression }

export class ExceptionFilters {
  private active: Active[] = [];
  /** The trap that made the last 'trap' stop (read by the stop handler and exceptionInfo). */
  last: TrapStop | undefined;
  /** The privilege-change breakpoint, when set, with its condition. */
  private privilege: { condition?: Expression } | undefined;
  /** The change that made the last 'privilege' stop. */
  lastMode: ModeStop | undefined;

  constructor(private target: Target | undefined) {}

  /** VM-exit breakpoints, set through the same request (their filter ids are `vm-exit-REASON`). */
  readonly vmExits = new VmExitBreakpoints();

  setTarget(t: Target | undefined): void {
    this.target = t;
    this.install();
    this.vmExits.attach(t?.machine);
  }

  /**
   * Applies setExceptionBreakpoints. Returns one Breakpoint per filter and per filter option, in request
   * order; a bad condition or an unknown filter comes back unverified with the reason.
   */
  set(filters: readonly string[], options: readonly DebugProtocol.ExceptionFilterOptions[]): DebugProtocol.Breakpoint[] {
    const active: Active[] = [];
    const out: DebugProtocol.Breakpoint[] = [];
    const vm: { filterId: string; condition?: string; slot: number }[] = [];
    let privilege: { condition?: Expression } | undefined;
    const compile = (condition: string, fields: readonly string[], what: string): Expression => {
      const e = new Expression(condition);
      for (const n of e.names) {
        if (this.target && !knownName(this.target, n, fields)) throw new EvalError(`no ${what} field, register, CSR or symbol named '${n}'`);
      }
      return e;
    };
    const add = (id: string, condition?: string) => {
      if (id === PRIVILEGE_CHANGE_FILTER.filter) {
        try {
          privilege = condition ? { condition: compile(condition, MODE_FIELDS, 'privilege-change') } : {};
          out.push({ verified: true });
        } catch (e) {
          if (!(e instanceof EvalError)) throw e;
          out.push({ verified: false, message: `condition '${condition}': ${e.message}` });
        }
        return;
      }
      if (vmExitReasonOf(id)) {
        vm.push({ filterId: id, ...(condition ? { condition } : {}), slot: out.length });
        out.push({ verified: false });
        return;
      }
      const d = TRAP_FILTERS.find((f) => f.filter.filter === id);
      if (!d) {
        out.push({ verified: false, message: `unknown exception filter '${id}' (known: ${EXCEPTION_FILTERS.map((f) => f.filter).join(', ')}, and vm-exit-REASON under a VMM)` });
        return;
      }
      if (!condition) { active.push({ def: d }); out.push({ verified: true }); return; }
      try {
        active.push({ def: d, condition: compile(condition, TRAP_FIELDS, 'trap') });
        out.push({ verified: true });
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        out.push({ verified: false, message: `condition '${condition}': ${e.message}` });
      }
    };
    for (const f of filters) add(f);
    for (const o of options) add(o.filterId, o.condition);
    this.active = active;
    this.privilege = privilege;
    this.install();
    const vmResults = this.vmExits.set(vm);
    vm.forEach((v, i) => { out[v.slot] = vmResults[i]; });
    return out;
  }

  /** Installs the hook only while some filter is active: with none, traps cost nothing extra. */
  private install(): void {
    const m = this.target?.machine;
    if (!m) return;
    m.trapFilter = this.active.length > 0 ? (t) => this.onTrap(t) : undefined;
    m.modeFilter = this.privilege ? (c) => this.onModeChange(c) : undefined;
  }

  private onModeChange(c: ModeChange): boolean {
    const target = this.target!;
    const h = target.hart(c.hartId);
    let conditionError: string | undefined;
    const cond = this.privilege?.condition;
    if (cond) {
      try {
        const fields: Record<string, Value> = {
          from: modeName(c.fromPriv, c.fromVirt), to: modeName(c.toPriv, c.toVirt), v: c.toVirt ? 1n : 0n,
          pc: BigInt.asIntN(64, c.pc), hart: BigInt(c.hartId),
        };
        if (!cond.test(hartScope(target, h, fields))) return false;
      } catch (e) {
        conditionError = `condition '${cond.text}' of 'privilege-change' failed: ${(e as Error).message}; stopping`;
      }
    }
    this.lastMode = { change: c, description: describeModeChange(c), conditionError };
    return true;
  }

  private onTrap(t: TrapInfo): boolean {
    const target = this.target!;
    const h = target.hart(t.hartId);
    const tval = readCsr(h, t.toPriv === 3 ? 0x343 : 0x143);
    let conditionError: string | undefined;
    let hit: Active | undefined;
    for (const a of this.active) {
      if (!a.def.matches(t)) continue;
      if (a.condition) {
        try {
          if (!a.condition.test(hartScope(target, h, trapFields(t, tval)))) continue;
        } catch (e) {
          conditionError = `condition '${a.condition.text}' of '${a.def.filter.filter}' failed: ${(e as Error).message}; stopping`;
        }
      }
      hit = a;
      break;
    }
    if (!hit) return false;
    this.last = {
      filterId: hit.def.filter.filter, trap: t, tval, conditionError,
      description: describeTrap(t, tval, h),
    };
    return true;
  }
}

/** Names a trap condition may use besides the hart's registers, CSRs and symbols. */
export const TRAP_FIELDS = ['cause', 'interrupt', 'priv', 'from', 'to', 'epc', 'tval', 'handler', 'hart'];

export function trapFields(t: TrapInfo, tval: bigint): Record<string, Value> {
  return {
    cause: BigInt(t.cause), interrupt: t.interrupt ? 1n : 0n,
    priv: privilegeName(t.fromPriv), from: privilegeName(t.fromPriv), to: privilegeName(t.toPriv),
    epc: BigInt.asIntN(64, t.epc), tval: BigInt.asIntN(64, tval), handler: BigInt.asIntN(64, t.handler),
    hart: BigInt(t.hartId),
  };
}

export function describeTrap(t: TrapInfo, tval: bigint, _h: Hart): string {
  const kind = t.interrupt ? 'interrupt' : 'exception';
  return `${trapName(t)} (${kind} ${t.cause}) in ${privilegeName(t.fromPriv)}-mode at ${hex(t.epc)}` +
    `${t.interrupt ? '' : `, tval ${hex(tval)}`}; handler ${hex(t.handler)} in ${privilegeName(t.toPriv)}-mode`;
}
