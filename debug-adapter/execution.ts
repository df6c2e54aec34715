// Run control: continue, pause and stepping as jobs the event loop runs in slices (setImmediate between
// Machine.run(N) calls), so DAP requests, pause among them, are answered within milliseconds.
import { Hart } from '../engine/cpu/hart';
import { StopReason } from '../engine/machine';
import { BreakpointManager, BreakpointSites } from './breakpoints';
import { DataBreakpointManager, WatchHit } from './data-breakpoints';
import { describeModeChange, ExceptionFilters, modeName, TrapStop } from './exceptions';
import { VmExitStop } from './vm-exits';
import { callerByCfi } from './stack';
import { isCall, isReturn, Target } from './target';

/** Instructions per Machine.run call: ~2–5 ms of guest time on the interpreter, the pause latency bound. */
export const RUN_SLICE = 200_000;
/** Single steps per event-loop turn while stepping by line. */
export const STEP_BATCH = 20_000;

export type StopReasonName = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' |
  'data breakpoint' | 'exception' | 'pause';

export interface Stop {
  reason: StopReasonName;
  hartId: number;
  description?: string;
  text?: string;
  hitBreakpointIds?: number[];
  /** The trap behind an 'exception' stop from an exception filter. */
  trap?: TrapStop;
  /** The VM exit behind an 'exception' stop from a VM-exit filter. */
  vmExit?: VmExitStop;
  /** exceptionInfo's id for other 'exception' stops (e.g. 'privilege-change'). */
  exceptionId?: string;
}

export interface ExecutionEvents {
  stopped(s: Stop): void;
  exited(code: number, message?: string): void;
  /** The guest reset the machine (StopReason 'reset'); `during` says whether a continue or a step was running. */
  reset(during: 'continue' | 'step'): void;
  /** Adapter messages for the debug console (log points, condition errors). */
  log(text: string): void;
  /** Called after each slice so buffered guest output goes out in order with stops. */
  flush(): void;
}

type Outcome = { stop: Stop } | { exit: number; message?: string } | { reset: true } | undefined;

interface Job {
  slice(): Outcome;
  cancel(): void;
  /** A continue runs on across a guest reset; a step stops at the rebooted machine's first instruction. */
  kind?: 'continue' | 'step';
}

/** A breakpoint the stepper owns at a return address; reached when sp is back at (or above) its value. */
class ReturnWatch {
  constructor(private readonly sites: BreakpointSites, readonly addr: number, readonly sp: bigint, readonly hartId: number) {
    sites.add(addr, 'step');
  }
  reached(h: Hart): boolean {
    return h.id === this.hartId && h.pc === this.addr && h.getX(2) >= this.sp;
  }
  cancel(): void {
    this.sites.remove(this.addr, 'step');
  }
}

export class Execution {
  state: 'stopped' | 'running' | 'exited' = 'stopped';
  private job: Job | undefined;
  private pauseRequested = false;
  /** Total retired instructions at which the guest is stopped (maxInstructions), or Infinity. */
  private limitAt: number;
  /** The hart a pause is reported on (the session's focus: the thread that last stopped or stepped). */
  focus = 0;

  constructor(
    private readonly target: Target,
    private readonly breakpoints: BreakpointManager,
    private readonly exceptions: ExceptionFilters,
    private readonly sites: BreakpointSites,
    private readonly events: ExecutionEvents,
    private readonly data?: DataBreakpointManager,
  ) {
    this.limitAt = target.config.maxInstructions ?? Infinity;
  }

  private retired(): number {
    return this.target.machine.harts.reduce((n, h) => n + h.instret, 0);
  }

  /** Each resume past the limit grants maxInstructions more. */
  private renewLimit(): void {
    const max = this.target.config.maxInstructions;
    if (max !== undefined && this.retired() >= this.limitAt) this.limitAt = this.retired() + max;
  }

  private limitStop(hartId: number): Outcome {
    return {
      stop: {
        reason: 'pause', hartId, description: 'Instruction limit reached',
        text: `maxInstructions (${this.target.config.maxInstructions}) reached; continue runs as many again`,
      },
    };
  }

  continue(): void {
    this.renewLimit();
    this.start({
      slice: () => {
        const left = this.limitAt - this.retired();
        if (left <= 0) return this.limitStop(this.focus);
        return this.runOutcome(this.target.machine.run(Math.min(RUN_SLICE, left)));
      },
      cancel: () => undefined,
      kind: 'continue',
    });
  }

  /** Stops a running job at its next slice boundary (the current slice is at most RUN_SLICE instructions). */
  pause(): void {
    if (this.state === 'running') this.pauseRequested = true;
  }

  terminate(): void {
    this.job?.cancel();
    this.job = undefined;
    this.state = 'exited';
  }

  /** One instruction; `over` runs a call through to its return (DAP next with granularity "instruction"). */
  stepInstruction(hartId: number, over: boolean): void {
    this.renewLimit();
    const h = this.target.hart(hartId);
    const d = this.target.decodeAt(h, h.pc);
    if (over && isCall(d)) {
      // run() executes the call itself (it steps over any breakpoint at the current pc first).
      const watch = new ReturnWatch(this.sites, h.pc + d!.size, h.getX(2), hartId);
      this.start(this.runToReturn(watch, () => ({ stop: { reason: 'step', hartId } })));
      return;
    }
    this.start({
      slice: () => this.stepOutcome(this.target.machine.step(hartId), hartId) ?? { stop: { reason: 'step', hartId } },
      cancel: () => undefined,
    });
  }

  /**
   * Steps by source line (DAP next/stepIn with granularity line or statement): single steps until the pc is at
   * the first instruction of a statement (an is_stmt row) of a different line. Calls are run through to their
   * return by `next`, and by `stepIn` when the callee has no line information. Without line information at the
   * start, this is an instruction step.
   */
  stepLine(hartId: number, over: boolean): void {
    const h = this.target.hart(hartId);
    const start = this.target.location(h.pc);
    if (!start) { this.stepInstruction(hartId, over); return; }
    this.renewLimit();
    let watch: ReturnWatch | undefined;
    /** Where the pc stands after a step (or after a call returned): stop here, or step on? */
    const arrived = (): Outcome => {
      const bp = this.breakpointStop(h);
      if (bp) return bp;
      const loc = this.target.location(h.pc);
      if (!loc) return { stop: { reason: 'step', hartId, description: 'Stepped into code without line information' } };
      if (this.target.isStatementStart(h.pc) && (loc.file !== start.file || loc.line !== start.line)) {
        return { stop: { reason: 'step', hartId } };
      }
      return undefined;
    };
    let returned = false;
    const stepping: Job = {
      slice: () => {
        if (returned) {
          // Back from a call that ran at full speed: the return address may itself begin the next line.
          returned = false;
          const o = arrived();
          if (o) return o;
        }
        for (let i = 0; i < STEP_BATCH; i++) {
          const pc = h.pc, retired = h.instret, sp = h.getX(2);
          const d = this.target.decodeAt(h, pc);
          const r = this.target.machine.step(hartId);
          if (r) { const o = this.stepOutcome(r, hartId); if (o) return o; }
          if (h.pc === pc && h.instret === retired) {
            // Nothing ran: the hart sleeps in wfi (or is halted) until an interrupt that may never come.
            return { stop: { reason: 'step', hartId, description: 'The hart is waiting for an interrupt' } };
          }
          if (isCall(d) && (over || !this.target.location(h.pc))) {
            watch = new ReturnWatch(this.sites, pc + d!.size, sp, hartId);
            return undefined; // the next slices run the callee at full speed
          }
          const o = arrived();
          if (o) return o;
          if (this.retired() >= this.limitAt) return this.limitStop(hartId);
        }
        return undefined;
      },
      cancel: () => undefined,
    };
    this.start(this.alternate(stepping, () => watch, () => { watch = undefined; returned = true; }));
  }

  /**
   * Runs until the current function returns (DAP stepOut). With call frame information the caller's return
   * address and sp are known: a breakpoint there, reached with that sp, ends the step. Without it, a leaf
   * function's return address is still in ra (ra points outside it, after a call): a breakpoint there with sp at
   * or above today's ends the step. Otherwise (ra was reused) single steps track calls and stop after the `ret`
   * that leaves this function.
   */
  stepOut(hartId: number): string | undefined {
    const h = this.target.hart(hartId);
    const caller = callerByCfi(this.target, h);
    if (caller) {
      this.renewLimit();
      this.start(this.runToReturn(new ReturnWatch(this.sites, caller.pc, caller.sp, hartId), () => ({ stop: { reason: 'step', hartId } })));
      return undefined;
    }
    const fn = this.target.functionRange(h.pc);
    const outermost = fn !== undefined && this.target.entryPoints.some((e) => e >= fn.start && (e < fn.end || e === fn.start));
    const ra = Number(BigInt.asIntN(64, h.getX(1)));
    const leaf = fn !== undefined && (ra < fn.start || ra >= fn.end) && this.target.followsCall(h, ra);
    if (!leaf && fn && outermost) {
      return `${fn.name} is the outermost frame (an entry point of the guest): there is no caller to return to`;
    }
    this.renewLimit();
    if (leaf) {
      this.start(this.runToReturn(new ReturnWatch(this.sites, ra, h.getX(2), hartId), () => ({ stop: { reason: 'step', hartId } })));
      return undefined;
    }
    let watch: ReturnWatch | undefined;
    const stepping: Job = {
      slice: () => {
        for (let i = 0; i < STEP_BATCH; i++) {
          const pc = h.pc, sp = h.getX(2);
          const d = this.target.decodeAt(h, pc);
          const r = this.target.machine.step(hartId);
          if (r) { const o = this.stepOutcome(r, hartId); if (o) return o; }
          if (isCall(d)) { watch = new ReturnWatch(this.sites, pc + d!.size, sp, hartId); return undefined; }
          if (isReturn(d)) return { stop: { reason: 'step', hartId } };
          const bp = this.breakpointStop(h);
          if (bp) return bp;
          if (this.retired() >= this.limitAt) return this.limitStop(hartId);
        }
        return undefined;
      },
      cancel: () => undefined,
    };
    this.start(this.alternate(stepping, () => watch, () => { watch = undefined; }));
    return undefined;
  }

  /** A stepping job that hands over to running-to-return whenever it sets a watch, and back afterwards. */
  private alternate(stepping: Job, watch: () => ReturnWatch | undefined, clear: () => void): Job {
    return {
      slice: () => {
        const w = watch();
        if (!w) return stepping.slice();
        const outcome = this.runSlice(w);
        if (outcome === 'returned') { w.cancel(); clear(); return undefined; }
        return outcome;
      },
      cancel: () => { watch()?.cancel(); clear(); stepping.cancel(); },
    };
  }

  private runToReturn(watch: ReturnWatch, then: () => Outcome): Job {
    return {
      slice: () => {
        const outcome = this.runSlice(watch);
        return outcome === 'returned' ? then() : outcome;
      },
      cancel: () => watch.cancel(),
    };
  }

  /**
   * Runs one slice toward a return watch. With one hart the machine runs at full speed; with several, only the
   * stepping hart moves (single steps, STEP_BATCH per turn), as Machine.step does for one instruction: the
   * other threads stay where the user saw them stop.
   */
  private runSlice(watch: ReturnWatch): Outcome | 'returned' {
    if (this.target.machine.harts.length > 1) return this.stepSlice(watch);
    const left = this.limitAt - this.retired();
    if (left <= 0) return this.limitStop(watch.hartId);
    const r = this.target.machine.run(Math.min(RUN_SLICE, left));
    if (r.kind === 'breakpoint') {
      const h = this.target.hart(r.hartId);
      const user = this.breakpointStop(h);
      if (user) return user;
      if (watch.reached(h)) return 'returned';
      return undefined;
    }
    const outcome = this.runOutcome(r);
    if (!outcome && r.kind === 'watchpoint' && watch.reached(this.target.hart(r.hartId))) return 'returned';
    return outcome;
  }

  /** runSlice for one hart of several: single steps until the watch is reached or something stops the step. */
  private stepSlice(watch: ReturnWatch): Outcome | 'returned' {
    const h = this.target.hart(watch.hartId);
    for (let i = 0; i < STEP_BATCH; i++) {
      const r = this.target.machine.step(h.id);
      if (r) { const o = this.stepOutcome(r, h.id); if (o) return o; }
      if (watch.reached(h)) return 'returned';
      const bp = this.breakpointStop(h);
      if (bp) return bp;
      if (this.retired() >= this.limitAt) return this.limitStop(h.id);
    }
    return undefined;
  }

  /** A user breakpoint at the hart's pc that says stop (log points print and let the step go on). */
  private breakpointStop(h: Hart): Outcome {
    const hit = this.breakpoints.hit(h.pc, h);
    for (const line of hit.output) this.events.log(line);
    if (!hit.stop) return undefined;
    return { stop: { reason: hit.reason, hartId: h.id, hitBreakpointIds: hit.ids } };
  }

  /** What a Machine.run result means for a continue. */
  private runOutcome(r: StopReason): Outcome {
    switch (r.kind) {
      case 'budget':
        return this.retired() >= this.limitAt ? this.limitStop(this.focus) : undefined;
      case 'breakpoint':
        return this.breakpointStop(this.target.hart(r.hartId));
      case 'watchpoint':
        // A data breakpoint that does not stop leaves the hart at its next instruction, which the next run()
        // would step over: a breakpoint there is checked now.
        return this.dataStop(r) ?? this.breakpointStop(this.target.hart(r.hartId));
      default:
        return this.common(r, 0);
    }
  }

  /** What a Machine.step result (other than none) means. */
  private stepOutcome(r: StopReason | undefined, hartId: number): Outcome {
    if (!r) return undefined;
    if (r.kind === 'budget' || r.kind === 'breakpoint') return { stop: { reason: 'step', hartId } };
    // A data breakpoint that does not stop (condition, hit count) lets the step go on.
    if (r.kind === 'watchpoint') return this.dataStop(r);
    return this.common(r, hartId);
  }

  /** The data breakpoints an engine watchpoint stop concerns: stop (the access has completed), or undefined. */
  private dataStop(r: WatchHit): Outcome {
    if (!this.data) return undefined;
    const hit = this.data.hit(r);
    for (const line of hit.output) this.events.log(line);
    if (!hit.stop) return undefined;
    return { stop: { reason: 'data breakpoint', hartId: r.hartId, description: hit.description, text: hit.text, hitBreakpointIds: hit.ids } };
  }

  private common(r: StopReason, hartId: number): Outcome {
    switch (r.kind) {
      case 'exit':
        return { exit: r.code, message: `guest exited with status ${r.code} (through ${r.via === 'htif' ? 'HTIF tohost' : 'the test device'})` };
      case 'reset':
        return { reset: true };
      case 'idle':
        return { stop: { reason: 'pause', hartId, description: 'Idle', text: 'every hart waits (wfi) for an interrupt that nothing can raise' } };
      case 'paused': {
        const x = this.exceptions.vmExits.take();
        if (!x) return { stop: { reason: 'pause', hartId: this.focus } };
        if (x.conditionError) this.events.log(x.conditionError);
        return { stop: { reason: 'exception', hartId: x.exit.vcpu, description: `VM exit: ${x.exit.reason}`, text: x.description, vmExit: x } };
      }
      case 'error':
        return { stop: { reason: 'exception', hartId, description: 'Machine error', text: r.message } };
      case 'trap': {
        const t = this.exceptions.last;
        this.exceptions.last = undefined;
        if (t?.conditionError) this.events.log(t.conditionError);
        return {
          stop: {
            reason: 'exception', hartId: r.trap.hartId, description: t ? `Trap: ${t.description.split(' (')[0]}` : 'Trap',
            text: t?.description, trap: t,
          },
        };
      }
      case 'privilege': {
        const x = this.exceptions.lastMode;
        this.exceptions.lastMode = undefined;
        if (x?.conditionError) this.events.log(x.conditionError);
        const c = r.change;
        return {
          stop: {
            reason: 'exception', hartId: c.hartId, exceptionId: 'privilege-change',
            description: `Privilege change: ${modeName(c.fromPriv, c.fromVirt)} → ${modeName(c.toPriv, c.toVirt)}`,
            text: x?.description ?? describeModeChange(c),
          },
        };
      }
      default: {
        // Stop kinds this adapter does not know yet (the engine grows): report them as they come.
        const other = r as { kind: string; message?: string };
        return { stop: { reason: 'exception', hartId, description: `Stopped: ${other.kind}`, text: other.message ?? other.kind } };
      }
    }
  }

  private start(job: Job): void {
    this.job?.cancel();
    this.job = job;
    this.state = 'running';
    this.pauseRequested = false;
    setImmediate(() => this.tick(job));
  }

  private tick(job: Job): void {
    if (this.job !== job) return;
    let outcome: Outcome;
    if (this.pauseRequested) outcome = { stop: { reason: 'pause', hartId: this.focus } };
    else {
      try {
        outcome = job.slice();
      } catch (e) {
        const err = e as Error;
        this.events.log(`internal error while running: ${err.stack ?? err.message}`);
        outcome = { stop: { reason: 'pause', hartId: this.focus, description: 'Internal error', text: err.message } };
      }
    }
    this.events.flush();
    if (outcome === undefined) { setImmediate(() => this.tick(job)); return; }
    job.cancel();
    this.job = undefined;
    if ('reset' in outcome) {
      // The session reboots the same configuration on a new machine (and a new Execution).
      this.state = 'exited';
      this.events.reset(job.kind ?? 'step');
    } else if ('exit' in outcome) {
      this.state = 'exited';
      this.events.exited(outcome.exit, outcome.message);
    } else {
      this.state = 'stopped';
      this.events.stopped(outcome.stop);
    }
  }
}

