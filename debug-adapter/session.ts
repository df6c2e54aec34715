// The DAP session: maps Debug Adapter Protocol requests onto the engine and engine stops onto DAP events.
// Request and event names below are those of the DAP specification (microsoft.github.io/debug-adapter-protocol).
import * as path from 'path';
import {
  CapabilitiesEvent, Event, ExitedEvent, Handles, InitializedEvent, InvalidatedEvent, Logger, logger, LoggingDebugSession,
  MemoryEvent, OutputEvent, StoppedEvent, TerminatedEvent,
} from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Hart } from '../engine/cpu/hart';
import { EXCEPTION_NAMES, INTERRUPT_NAMES } from '../engine/cpu/privilege';
import { BreakpointManager, BreakpointSites, memorySpace, parseMemoryReference } from './breakpoints';
import { DataBreakpointManager } from './data-breakpoints';
import { disassembleRange } from './disasm';
import { EXCEPTION_FILTERS, ExceptionFilters, trapName, TrapStop } from './exceptions';
import { Execution, Stop } from './execution';
import { EvalError, Expression, formatValue } from './expression';
import { ConfigError, LaunchConfig, validateLaunchConfig } from './launch-config';
import { LocalsFrame } from './locals';
import { isMonitorCommand, runMonitorCommand } from './monitor';
import { Frame, unwind } from './stack';
import { hartScope, modeLabel, PRIVILEGE_LONG, privilegeName, ringOf, virtOf, virtualPrivilegeOf, virtualRingOf } from './state';
import { ROLE_NAMES } from './images';
import { BootPlan, hex, MemoryError, Target } from './target';
import { Variables } from './variables';
import { exitStreamOf, listVmExits, vmExitFiltersFor, VmExitListError } from './vm-exits';

/** A malformed or untimely request: answered with an error response, and the session goes on. */
export class RequestError extends Error {}

/** DAP error ids (ErrorResponse.body.error.id). */
const ERR_CONFIG = 3001, ERR_REQUEST = 3002, ERR_EVALUATE = 3003, ERR_INTERNAL = 3004;

/** Custom requests and events of this adapter (documented in docs/dap-extensions.md). */
export const CUSTOM_REQUESTS = ['ringside/consoleInput', 'ringside/ringLevel', 'ringside/translatedBlocks', 'ringside/translatedBlock',
  'ringside/invalidateTranslations', 'ringside/tbStats', 'ringside/vmExits'] as const;
export const TRANSLATIONS_INVALIDATED_EVENT = 'ringside/translationsInvalidated';
const NO_TRANSLATOR = 'the binary translator has not landed: the interpreter runs every instruction, so there are no translated blocks';
export const PRIVILEGE_CHANGED_EVENT = 'ringside/privilegeChanged';

/** How long launch waits for configurationDone before starting the guest anyway. */
const CONFIGURATION_TIMEOUT_MS = 3000;
const MAX_READ = 16 * 1024 * 1024;
const TB_SORT_KEYS = ['execCount', 'address', 'size', 'lastExecuted'];

/** `caller`: the frame's pc is a return address (its call is just before it). `up`: the frame that called this
 *  one (not a trapped context: a trap is no call). */
interface FrameRef { hartId: number; pc: number; index: number; unwound?: ReadonlyMap<number, bigint>; caller?: boolean; up?: FrameRef }

/** A frame as the Locals scope reads it, with the frames that called it (their call sites give entry values). */
function localsFrame(f: FrameRef): LocalsFrame {
  return {
    kind: 'locals', hartId: f.hartId, pc: f.pc, caller: f.caller ?? false,
    ...(f.unwound ? { unwound: f.unwound } : {}), ...(f.up ? { up: localsFrame(f.up) } : {}),
  };
}

export class RingsideSession extends LoggingDebugSession {
  private target: Target | undefined;
  private exec: Execution | undefined;
  private variables: Variables | undefined;
  private readonly breakpoints = new BreakpointManager();
  private readonly dataBreakpoints = new DataBreakpointManager();
  private readonly exceptions = new ExceptionFilters(undefined);
  private frames = new Handles<FrameRef>();
  private configurationDone = false;
  private readonly configurationWaiters: (() => void)[] = [];
  private initializedSent = false;
  private client: DebugProtocol.InitializeRequestArguments = { adapterID: 'ringside' };
  private consoleBytes: number[] = [];
  private readonly consoleDecoder = new TextDecoder('utf-8');
  private lastPriv: string[] = [];
  private readonly lastStops = new Map<number, { stop: Stop; trap?: TrapStop }>();
  /** interp.invalidations at the last report, so the next stop announces only what was dropped since. */
  private invalidationsSeen = 0;
  /** The files and disks of the current launch: kept across guest resets, closed when the session ends. */
  private plan: BootPlan | undefined;
  /** The thread the user last saw stop (or stepped): pause reports on it, evaluate without a frame reads it. */
  private focus = 0;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** RINGSIDE_DAP_LOG=/absolute/file records every message of a stream session, for debugging the adapter
   *  (only errors also reach the client's console). */
  start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    super.start(inStream, outStream);
    const log = process.env.RINGSIDE_DAP_LOG;
    if (log) logger.setup(Logger.LogLevel.Error, log);
  }

  // ---- plumbing ---------------------------------------------------------------------------------------

  /** Runs a request handler; any error becomes an error response (the session never dies of a request). */
  private handle(response: DebugProtocol.Response, fn: () => void | Promise<void>, showUser = true): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e) => this.fail(response, e, showUser));
    } catch (e) {
      this.fail(response, e, showUser);
    }
  }

  private fail(response: DebugProtocol.Response, e: unknown, showUser = true): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const id = err instanceof ConfigError ? ERR_CONFIG : err instanceof EvalError ? ERR_EVALUATE :
      err instanceof RequestError || err instanceof MemoryError || err instanceof VmExitListError ? ERR_REQUEST : ERR_INTERNAL;
    const format = id === ERR_INTERNAL ? `internal error in the Ringside adapter: ${err.message}` : err.message;
    // The message goes out as-is: braces in it are not DAP format variables.
    this.sendErrorResponse(response, { id, format: format.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser });
  }

  private requireTarget(): Target {
    if (!this.target) throw new RequestError('no guest is running: launch one first');
    return this.target;
  }

  private requireStopped(): { target: Target; exec: Execution } {
    const target = this.requireTarget();
    const exec = this.exec!;
    if (exec.state === 'exited') throw new RequestError('the guest has exited');
    if (exec.state === 'running') throw new RequestError('the guest is running: pause it first');
    return { target, exec };
  }

  /** Threads are harts: thread id = hart id + 1. */
  private hartOf(threadId: unknown): Hart {
    const target = this.requireTarget();
    if (typeof threadId !== 'number' || !Number.isInteger(threadId) || threadId < 1 || threadId > target.machine.harts.length) {
      throw new RequestError(`unknown thread ${JSON.stringify(threadId)}: threads are harts 1..${target.machine.harts.length}`);
    }
    return target.hart(threadId - 1);
  }

  private frameOf(frameId: unknown): FrameRef {
    const f = typeof frameId === 'number' ? this.frames.get(frameId) : undefined;
    if (!f) throw new RequestError(`unknown stack frame ${JSON.stringify(frameId)} (frame ids expire when execution resumes)`);
    return f;
  }

  private log(text: string): void {
    this.sendEvent(new OutputEvent(text.endsWith('\n') ? text : text + '\n', 'console'));
  }

  private flushConsole(): void {
    if (this.consoleBytes.length === 0) return;
    const text = this.consoleDecoder.decode(Uint8Array.from(this.consoleBytes), { stream: true });
    this.consoleBytes = [];
    if (text) this.sendEvent(new OutputEvent(text, 'stdout'));
  }

  private invalidate(areas: DebugProtocol.InvalidatedAreas[], threadId?: number): void {
    if (this.client.supportsInvalidatedEvent) this.sendEvent(new InvalidatedEvent(areas, threadId));
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  protected initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.client = args;
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      exceptionBreakpointFilters: [...EXCEPTION_FILTERS],
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsSetVariable: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsSteppingGranularity: true,
      supportsInstructionBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsBreakpointLocationsRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsModulesRequest: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsStepBack: false,
      supportsGotoTargetsRequest: false,
    };
    this.sendResponse(response);
  }

  protected configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone = true;
    for (const w of this.configurationWaiters.splice(0)) w();
    this.sendResponse(response);
  }

  private waitForConfiguration(): Promise<void> {
    if (this.configurationDone) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, CONFIGURATION_TIMEOUT_MS);
      this.configurationWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /**
   * Builds the machine for a configuration (a fresh BootPlan: files read, disks opened) or, after a guest
   * reset, for the same plan again, and binds breakpoints, exception filters and run control to it.
   */
  private startTarget(config: LaunchConfig, plan?: BootPlan): Target {
    const fresh = plan === undefined;
    const newPlan = plan ?? new BootPlan(config);
    let target: Target;
    try {
      target = new Target(config, { write: (b) => this.consoleBytes.push(b) }, {
        plan: newPlan, onDeviceError: (m) => this.log(`ringside: guest device error: ${m}`),
      });
    } catch (e) {
      if (fresh) newPlan.close();
      throw e;
    }
    this.exec?.terminate();
    if (fresh && this.plan !== newPlan) this.plan?.close();
    this.plan = newPlan;
    this.target = target;
    this.frames.reset();
    this.lastStops.clear();
    this.focus = 0;
    this.variables = new Variables(target);
    const sites = new BreakpointSites(target.machine);
    for (const b of this.breakpoints.attach(target, sites)) this.sendEvent(new Event('breakpoint', { reason: 'changed', breakpoint: b }));
    for (const b of this.dataBreakpoints.attach(target)) this.sendEvent(new Event('breakpoint', { reason: 'changed', breakpoint: b }));
    this.exceptions.setTarget(target);
    this.exec = new Execution(target, this.breakpoints, this.exceptions, sites, {
      stopped: (s) => this.reportStop(s),
      exited: (code, message) => this.reportExit(code, message),
      reset: (during) => this.reboot(during),
      log: (text) => this.log(text),
      flush: () => this.flushConsole(),
    }, this.dataBreakpoints);
    this.lastPriv = target.machine.harts.map((h) => modeLabel(h.priv, virtOf(h)));
    if (fresh) this.describeBoot(target);
    return target;
  }

  /** The debug console's account of what was booted and where each symbol file's addresses lie. */
  private describeBoot(target: Target): void {
    const c = target.config;
    const bios = c.program !== undefined ? undefined : c.mode === 'hw' ? 'the hw VMM (a VS-mode guest under the H extension; the VMM answers its SBI calls)'
      : typeof c.bios === 'object' ? path.basename(c.bios.file) : c.bios === 'builtin' ? 'the built-in SBI firmware' : 'no firmware (the kernel runs in M-mode)';
    const lines = [c.program !== undefined
      ? `ringside: ${path.basename(c.program)} (bare-metal, M-mode), ${c.smp} hart${c.smp > 1 ? 's' : ''}, ${c.memory / 1024 / 1024} MiB`
      : `ringside: ${c.kernel ? path.basename(c.kernel) : 'no kernel'} on ${bios}, ${c.smp} hart${c.smp > 1 ? 's' : ''}, ${c.memory / 1024 / 1024} MiB` +
        `${c.drives.length ? `, disks: ${c.drives.map((d) => `${path.basename(d.file)} (${d.snapshot ? 'copy-on-write' : 'written through'})`).join(', ')}` : ''}`];
    for (const i of target.images.images) lines.push(`ringside: symbols: ${i.describe()}`);
    if (!target.hasLines) lines.push(`ringside: no line table: ${target.images.lineProblem()}; source breakpoints and line stepping are unavailable`);
    if (c.append !== undefined && c.program !== undefined) {
      lines.push(`ringside: "append"/"args" (${JSON.stringify(c.append)}) is a kernel command line; a bare-metal program has none, so it is not passed on`);
    }
    this.log(lines.join('\n'));
  }

  /**
   * The guest reset the machine (StopReason 'reset': SBI SRST reboot, the test device's reset): boot the same
   * configuration on a new Machine with the same disks (so their writes survive, as on QEMU), place the
   * breakpoints again, and go on: a continue keeps running, a step stops at the first instruction.
   */
  private reboot(during: 'continue' | 'step'): void {
    this.flushConsole();
    const old = this.requireTarget();
    let target: Target;
    try {
      target = this.startTarget(old.config, this.plan);
    } catch (e) {
      this.log(`ringside: the guest reset the machine, and rebooting failed: ${(e as Error).message}`);
      this.reportExit(1);
      return;
    }
    this.log(`ringside: the guest reset the machine: rebooting the same configuration (disks keep their writes; ` +
      `breakpoints placed again); the harts start at ${hex(target.resetPc)}`);
    if (during === 'continue') this.resume(() => this.exec!.continue());
    else this.reportStop({ reason: 'entry', hartId: 0, description: 'Guest reset', text: `the guest reset the machine; stopped at ${hex(target.resetPc)}` });
  }

  private begin(stopOnEntry: boolean): void {
    if (!stopOnEntry) { this.resume(() => this.exec!.continue()); return; }
    const t = this.target!;
    const where = t.config.program !== undefined ? 'the program entry point'
      : t.config.mode === 'hw' ? 'the kernel entry (VS-mode, a guest of the hw VMM)'
      : typeof t.config.bios === 'object' ? 'the reset vector (the firmware starts next)' : t.config.bios === 'builtin' ? 'the kernel entry (S-mode, after the built-in firmware)' : 'the kernel entry (M-mode)';
    this.reportStop({ reason: 'entry', hartId: 0, description: `Stopped at ${where}` });
  }

  protected launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    this.handle(response, async () => {
      if (this.target && this.exec?.state !== 'exited') throw new RequestError('a guest is already running in this session (use restart)');
      const config = validateLaunchConfig(args);
      this.startTarget(config);
      // VM-exit filters exist only where a VMM runs: the initialize response listed bare mode's (DAP
      // "Capabilities Event": exceptionBreakpointFilters may change after initialize).
      const vmFilters = vmExitFiltersFor(config.mode);
      if (vmFilters.length > 0) this.sendEvent(new CapabilitiesEvent({ exceptionBreakpointFilters: [...EXCEPTION_FILTERS, ...vmFilters] }));
      if (!this.initializedSent) {
        this.initializedSent = true;
        this.sendEvent(new InitializedEvent());
      }
      await this.waitForConfiguration();
      this.sendResponse(response);
      this.begin(config.stopOnEntry);
    });
  }

  protected restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.handle(response, () => {
      const old = this.requireTarget().config;
      const raw = (args?.arguments ?? undefined) as DebugProtocol.LaunchRequestArguments | undefined;
      const config = raw ? validateLaunchConfig(raw) : old;
      this.startTarget(config);
      this.sendResponse(response);
      this.begin(config.stopOnEntry);
    });
  }

  protected terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.exec?.terminate();
    this.plan?.close();
    this.flushConsole();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.exec?.terminate();
    this.plan?.close();
    this.flushConsole();
    super.disconnectRequest(response, args);
  }

  // ---- run control ------------------------------------------------------------------------------------

  /** Everything tied to one stop (frame ids, variable references) expires when the guest resumes. */
  private resume(start: () => void): void {
    this.frames.reset();
    this.variables?.reset();
    this.lastStops.clear();
    start();
  }

  private reportStop(s: Stop): void {
    this.flushConsole();
    const target = this.target!;
    this.focus = s.hartId;
    if (this.exec) this.exec.focus = s.hartId;
    this.lastStops.set(s.hartId, { stop: s, trap: s.trap });
    target.machine.harts.forEach((h, i) => {
      const was = this.lastPriv[i], now = modeLabel(h.priv, virtOf(h));
      if (was !== undefined && was !== now) {
        this.sendEvent(new Event(PRIVILEGE_CHANGED_EVENT, {
          threadId: h.id + 1, hartId: h.id, from: was, to: now,
          ring: ringOf(h.priv, virtOf(h)), virtualPrivilege: virtualPrivilegeOf(target, h) ?? null, v: virtOf(h) ? 1 : 0,
        }));
      }
      this.lastPriv[i] = now;
    });
    // Translations the guest (code writes, fence.i) or breakpoint changes dropped while it ran, in one event.
    const dropped = target.machine.interp.invalidations - this.invalidationsSeen;
    this.invalidationsSeen = target.machine.interp.invalidations;
    if (dropped > 0) this.sendEvent(new Event(TRANSLATIONS_INVALIDATED_EVENT, { engine: 'interpreter', reason: 'run', blocks: 0, decodedPages: dropped }));
    const ev = new StoppedEvent(s.reason, s.hartId + 1) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (s.description) ev.body.description = s.description;
    if (s.text) ev.body.text = s.text;
    if (s.hitBreakpointIds?.length) ev.body.hitBreakpointIds = s.hitBreakpointIds;
    this.sendEvent(ev);
  }

  private reportExit(code: number, message?: string): void {
    this.flushConsole();
    if (message) this.log(`ringside: ${message}`);
    this.sendEvent(new ExitedEvent(code));
    this.sendEvent(new TerminatedEvent());
  }

  protected continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.handle(response, () => {
      this.hartOf(args.threadId);
      const { exec } = this.requireStopped();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      this.resume(() => exec.continue());
    });
  }

  protected pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    this.handle(response, () => {
      this.hartOf(args.threadId);
      this.sendResponse(response);
      this.exec!.pause();
    });
  }

  private step(response: DebugProtocol.Response, threadId: number, granularity: DebugProtocol.SteppingGranularity | undefined,
    kind: 'next' | 'stepIn' | 'stepOut'): void {
    this.handle(response, () => {
      const h = this.hartOf(threadId);
      const { exec } = this.requireStopped();
      if (h.halted) throw new RequestError(`hart ${h.id} is not running (stopped through SBI HSM, or never started): it has no instruction to step`);
      this.focus = exec.focus = h.id;
      if (granularity !== undefined && !['instruction', 'line', 'statement'].includes(granularity)) {
        throw new RequestError(`unknown stepping granularity '${granularity}' (instruction, line or statement)`);
      }
      if (kind === 'stepOut') {
        // stepOut refuses (outermost frame) before it starts anything; the stop comes after this response.
        const refused = exec.stepOut(h.id);
        if (refused) throw new RequestError(refused);
        this.resume(() => undefined);
        this.sendResponse(response);
        return;
      }
      this.sendResponse(response);
      this.resume(() => granularity === 'instruction'
        ? exec.stepInstruction(h.id, kind === 'next')
        : exec.stepLine(h.id, kind === 'next'));
    });
  }

  protected nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, args.granularity, 'next');
  }

  protected stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, args.granularity, 'stepIn');
  }

  protected stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, args.granularity, 'stepOut');
  }

  // ---- state ------------------------------------------------------------------------------------------

  protected threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const harts = this.target && this.exec?.state !== 'exited' ? this.target.machine.harts : [];
    // One thread per hart, named with its current privilege (M, S or HS, U, VS, VU).
    response.body = { threads: harts.map((h) => ({ id: h.id + 1, name: `hart ${h.id} (${modeLabel(h.priv, virtOf(h))})` })) };
    this.sendResponse(response);
  }

  /** The symbol files (DAP "Modules Request"): each with where its addresses lie at run time. */
  private modules(response: DebugProtocol.ModulesResponse, args: DebugProtocol.ModulesArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      const all = target.images.images.map((i, n): DebugProtocol.Module => ({
        id: n + 1, name: i.name, path: i.file, isUserCode: i.role !== 'bios',
        symbolStatus: i.symbolSource === 'none' ? 'no symbols' : `${i.symbols.size} symbols (${i.symbolSource})${i.lines ? ', line table' : ''}`,
        symbolFilePath: i.file,
        addressRange: i.extents.length ? `${hex(Math.min(...i.extents.map((e) => e.start)))}-${hex(Math.max(...i.extents.map((e) => e.end)))}` : undefined,
        version: `${ROLE_NAMES[i.role]}${i.offset ? `, offset ${i.offset < 0 ? '-' : '+'}${hex(Math.abs(i.offset))}` : ''}`,
      }));
      const start = args?.startModule ?? 0;
      response.body = { modules: all.slice(start, args?.moduleCount ? start + args.moduleCount : undefined), totalModules: all.length };
      this.sendResponse(response);
    });
  }

  protected stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, () => {
      const h = this.hartOf(args.threadId);
      const { target } = this.requireStopped();
      const all: (Frame | { label: string; pc: number })[] = [];
      for (const f of unwind(target, h)) {
        if (f.trap) {
          const cause = f.trap.cause, interrupt = cause >> 63n === 1n;
          const code = Number(cause & 0xffffn);
          const what = (interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES)[code] ?? `${interrupt ? 'interrupt' : 'exception'} ${code}`;
          all.push({ label: `[trap from ${privilegeName(f.trap.fromPriv)}-mode: ${what}, ${f.trap.toPriv === 3 ? 'mcause' : 'scause'} ${interrupt ? `interrupt ${code}` : code}]`, pc: f.pc });
        }
        all.push(f);
      }
      // Every frame linked to its caller, from the outermost in, whatever slice the client asks for.
      const refs: FrameRef[] = [];
      for (let index = all.length - 1; index >= 0; index--) {
        const f = all[index], next = all[index + 1];
        const called = !('label' in f) && next !== undefined && 'how' in next && next.how !== 'trap';
        refs[index] = {
          hartId: h.id, pc: f.pc, index, caller: index > 0 && 'how' in f && f.how !== 'trap',
          ...('regs' in f && f.regs ? { unwound: f.regs } : {}), ...(called ? { up: refs[index + 1] } : {}),
        };
      }
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : all.length;
      const stackFrames = all.slice(start, start + levels).map((f, i): DebugProtocol.StackFrame => {
        const index = start + i;
        const id = this.frames.create(refs[index]);
        if ('label' in f) return { id, name: f.label, line: 0, column: 0, presentationHint: 'label', instructionPointerReference: hex(f.pc) };
        // A caller's line is that of its call instruction, just before the return address; a trapped context's
        // pc is the trapping instruction itself.
        const at = index === 0 || f.how === 'trap' ? f.pc : f.pc - 1;
        const loc = target.location(at);
        const sym = target.symbolAt(at); // a call that ends a function returns past it (to the next label)
        const image = sym?.image ?? target.images.at(f.pc);
        const frame: DebugProtocol.StackFrame = {
          id,
          // Without a symbol, the file the address lies in (stripped firmware: OpenSBI keeps a few dynamic ones).
          name: sym ? sym.sym.name : image ? `${hex(f.pc)} in ${image.name}` : hex(f.pc),
          line: loc ? loc.line : 0,
          column: loc ? Math.max(1, loc.column) : 0,
          instructionPointerReference: hex(f.pc),
          ...(f.how === 'trap' ? { presentationHint: 'subtle' as const } : {}),
        };
        if (loc) frame.source = { name: path.basename(loc.file), ...(loc.hostPath ? { path: loc.hostPath } : { presentationHint: 'deemphasize' }) };
        if (image) frame.moduleId = target.images.images.indexOf(image) + 1;
        return frame;
      });
      response.body = { stackFrames, totalFrames: all.length };
      this.sendResponse(response);
    });
  }

  protected scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.handle(response, () => {
      this.requireStopped();
      const f = this.frameOf(args.frameId);
      response.body = { scopes: this.variables!.scopes(localsFrame(f)) };
      this.sendResponse(response);
    });
  }

  protected variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, () => {
      this.requireTarget();
      let variables = this.variables!.variables(args.variablesReference);
      if (args.start !== undefined || args.count !== undefined) {
        const s = args.start ?? 0;
        variables = variables.slice(s, args.count ? s + args.count : undefined);
      }
      response.body = { variables };
      this.sendResponse(response);
    });
  }

  protected setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.handle(response, () => {
      this.requireStopped();
      const r = this.variables!.set(args.variablesReference, args.name, args.value);
      response.body = { value: r.value };
      this.sendResponse(response);
      this.invalidate(r.changed === 'registers' && args.name === 'pc' ? ['stacks', 'variables'] : ['variables']);
    }, false);
  }

  protected evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      if (this.exec?.state === 'exited') throw new RequestError('the guest has exited');
      const h = target.hart(args.frameId !== undefined ? this.frameOf(args.frameId).hartId : this.focus);
      if (typeof args.expression !== 'string') throw new RequestError('evaluate needs an expression string');
      if (isMonitorCommand(args.expression)) {
        response.body = { result: runMonitorCommand(args.expression, target, h, this.breakpoints, this.dataBreakpoints), variablesReference: 0 };
      } else {
        // In a frame: a local (or a part of one) shows as in the Locals scope; locals are numbers in arithmetic.
        const f = args.frameId !== undefined && this.exec?.state !== 'running' ? this.frameOf(args.frameId) : undefined;
        const frame = f && localsFrame(f);
        const local = frame && this.variables!.local(frame, args.expression);
        if (local) {
          response.body = {
            result: local.value, variablesReference: local.variablesReference, ...(local.type ? { type: local.type } : {}),
            ...(local.indexedVariables !== undefined ? { indexedVariables: local.indexedVariables } : {}),
            ...(local.memoryReference ? { memoryReference: local.memoryReference } : {}),
          };
          this.sendResponse(response);
          return;
        }
        const v = new Expression(args.expression).evaluate(hartScope(target, h, frame ? this.variables!.locals.scalars(frame) : {}));
        response.body = {
          result: formatValue(v), variablesReference: 0, type: typeof v === 'string' ? 'string' : 'uint64',
          ...(typeof v === 'bigint' ? { memoryReference: `v:${hex(v)}` } : {}),
        };
      }
      this.sendResponse(response);
    }, false); // the REPL, hover or watch shows the error where the expression was typed
  }

  protected exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.handle(response, () => {
      const h = this.hartOf(args.threadId);
      const last = this.lastStops.get(h.id);
      if (!last || last.stop.reason !== 'exception') throw new RequestError(`hart ${h.id} did not stop for an exception`);
      const x = last.stop.vmExit;
      if (x) {
        response.body = {
          exceptionId: x.filterId, description: x.description, breakMode: 'always',
          details: {
            message: x.description, typeName: `VM exit: ${x.exit.reason}`,
            fullTypeName: `VM exit ${x.exit.seq} (${x.exit.reason}) of vCPU ${x.exit.vcpu}: ${x.exit.before.real} → ${x.exit.after.real}`,
          },
        };
        this.sendResponse(response);
        return;
      }
      const t = last.trap;
      response.body = {
        exceptionId: t?.filterId ?? last.stop.exceptionId ?? 'engine-stop',
        description: t?.description ?? last.stop.text ?? last.stop.description,
        breakMode: 'always',
        details: t ? {
          message: t.description,
          typeName: `${t.trap.interrupt ? 'interrupt' : 'exception'} ${t.trap.cause}: ${trapName(t.trap)}`,
          fullTypeName: `RISC-V ${t.trap.interrupt ? 'interrupt' : 'exception'} cause ${t.trap.cause} (${privilegeName(t.trap.fromPriv)} → ${privilegeName(t.trap.toPriv)})`,
          evaluateName: t.trap.toPriv === 3 ? 'mcause' : 'scause',
        } : { message: last.stop.text },
      };
      this.sendResponse(response);
    });
  }

  // ---- breakpoints ------------------------------------------------------------------------------------

  protected setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, () => {
      if (!args.source?.path) throw new RequestError('setBreakpoints needs a source with a path');
      const requested = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      response.body = { breakpoints: this.breakpoints.setSource(args.source, requested) };
      this.sendResponse(response);
    });
  }

  protected setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.handle(response, () => {
      response.body = { breakpoints: this.breakpoints.setFunctions(args.breakpoints ?? []) };
      this.sendResponse(response);
    });
  }

  protected setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.handle(response, () => {
      response.body = { breakpoints: this.breakpoints.setInstructions(args.breakpoints ?? []) };
      this.sendResponse(response);
    });
  }

  /** dataBreakpointInfo: a symbol, `*(T*)addr` or (asAddress) an address, evaluated on the frame's hart (or the
   *  focused one); registers and other variables have no address (dataId null, with why). */
  protected dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      if (this.exec?.state === 'exited') throw new RequestError('the guest has exited');
      const h = target.hart(args.frameId !== undefined ? this.frameOf(args.frameId).hartId : this.focus);
      response.body = this.dataBreakpoints.info(args, h);
      this.sendResponse(response);
    });
  }

  protected setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.handle(response, () => {
      if (args.breakpoints !== undefined && !Array.isArray(args.breakpoints)) throw new RequestError('setDataBreakpoints needs a breakpoints array');
      response.body = { breakpoints: this.dataBreakpoints.set(args.breakpoints ?? []) };
      this.sendResponse(response);
    });
  }

  protected setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.handle(response, () => {
      response.body = { breakpoints: this.exceptions.set(args.filters ?? [], args.filterOptions ?? []) };
      this.sendResponse(response);
    });
  }

  protected breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    this.handle(response, () => {
      const lines = this.breakpoints.locations(args.source, args.line, args.endLine ?? args.line);
      response.body = { breakpoints: lines.map((line) => ({ line })) };
      this.sendResponse(response);
    });
  }

  // ---- memory and code --------------------------------------------------------------------------------

  protected disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      const base = this.address(args.memoryReference, args.offset ?? 0);
      const count = args.instructionCount;
      if (!Number.isInteger(count) || count < 0 || count > 100_000) throw new RequestError(`instructionCount ${count} is not between 0 and 100000`);
      const instructionOffset = args.instructionOffset ?? 0;
      if (!Number.isInteger(instructionOffset)) throw new RequestError(`instructionOffset ${instructionOffset} is not a whole number`);
      response.body = { instructions: disassembleRange(target, target.hart(this.focus), base, instructionOffset, count, args.resolveSymbols ?? true) };
      this.sendResponse(response);
    });
  }

  private address(ref: unknown, offset: unknown): number {
    try {
      return parseMemoryReference(ref, offset);
    } catch (e) {
      throw new RequestError((e as Error).message);
    }
  }

  /** readMemory over guest physical memory, or with a `v:` reference guest virtual memory as the focused hart
   *  translates it (RAM only; device registers are reported unreadable: reading them has side effects). */
  protected readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      const addr = this.address(args.memoryReference, args.offset ?? 0);
      if (!Number.isInteger(args.count) || args.count < 0) throw new RequestError(`count ${args.count} is not a byte count`);
      if (args.count > MAX_READ) throw new RequestError(`count ${args.count} is more than the ${MAX_READ} bytes one readMemory may return`);
      const { data, unreadable } = memorySpace(args.memoryReference) === 'virtual'
        ? target.readVirtual(target.hart(this.focus), addr, args.count) : target.readPhysical(addr, args.count);
      response.body = { address: hex(addr), unreadableBytes: unreadable };
      if (data.length > 0) response.body.data = Buffer.from(data).toString('base64');
      this.sendResponse(response);
    });
  }

  protected writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.handle(response, () => {
      const target = this.requireTarget();
      if (this.exec?.state === 'exited') throw new RequestError('the guest has exited');
      const addr = this.address(args.memoryReference, args.offset ?? 0);
      if (typeof args.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(args.data)) throw new RequestError('data is not base64');
      const bytes = new Uint8Array(Buffer.from(args.data, 'base64'));
      if (memorySpace(args.memoryReference) === 'virtual') {
        const h = target.hart(this.focus);
        const reachable = bytes.length - target.readVirtual(h, addr, bytes.length).unreadable;
        if (reachable < bytes.length && !args.allowPartial) {
          throw new RequestError(`${hex(addr)}..${hex(addr + bytes.length)} is not all mapped guest RAM for hart ${this.focus}: only the first ${reachable} bytes are; nothing written`);
        }
        const written = target.writeVirtual(h, addr, bytes.subarray(0, reachable));
        if (written === 0 && bytes.length > 0) throw new RequestError(`${hex(addr)} is not mapped guest RAM for hart ${this.focus}: nothing written`);
        response.body = { bytesWritten: written };
        this.sendResponse(response);
        if (this.client.supportsMemoryEvent) this.sendEvent(new MemoryEvent(String(args.memoryReference), args.offset ?? 0, written));
        this.invalidate(['variables']);
        return;
      }
      const ram = target.guestRam;
      const inRam = addr >= ram.base && addr + bytes.length <= ram.end;
      if (!inRam && !args.allowPartial) {
        throw new RequestError(`${hex(addr)}..${hex(addr + bytes.length)} is not all guest RAM: the debugger writes RAM only`);
      }
      const written = target.writePhysical(addr, bytes);
      if (written === 0 && bytes.length > 0) throw new RequestError(`${hex(addr)} is not guest RAM: nothing written`);
      response.body = { bytesWritten: written };
      this.sendResponse(response);
      if (this.client.supportsMemoryEvent) this.sendEvent(new MemoryEvent(String(args.memoryReference), args.offset ?? 0, written));
      this.invalidate(['variables']);
    });
  }

  // ---- custom requests (docs/dap-extensions.md) --------------------------------------------------------

  protected customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const a = (args ?? {}) as Record<string, unknown>;
    if (typeof args !== 'object' && args !== undefined) {
      this.fail(response, new RequestError(`${command}: arguments must be an object`));
      return;
    }
    switch (command) {
      // The base class has no dispatch for the standard "modules" request.
      case 'modules': this.modules(response as DebugProtocol.ModulesResponse, a as DebugProtocol.ModulesArguments); return;
      case 'ringside/consoleInput': this.handle(response, () => this.consoleInput(response, a)); return;
      case 'ringside/ringLevel': this.handle(response, () => this.ringLevel(response, a)); return;
      case 'ringside/translatedBlocks': this.handle(response, () => this.translatedBlocks(response, a)); return;
      case 'ringside/translatedBlock': this.handle(response, () => this.translatedBlock(response, a)); return;
      case 'ringside/invalidateTranslations': this.handle(response, () => this.invalidateTranslations(response, a)); return;
      case 'ringside/tbStats': this.handle(response, () => this.tbStats(response)); return;
      case 'ringside/vmExits': this.handle(response, () => this.vmExits(response, a)); return;
      default:
        this.fail(response, new RequestError(`unknown request '${command}' (this adapter adds ${CUSTOM_REQUESTS.join(', ')})`), false);
    }
  }

  private consoleInput(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    const target = this.requireTarget();
    if (typeof a.text !== 'string') throw new RequestError('ringside/consoleInput needs { text: string }');
    const bytes = Buffer.from(a.text, 'utf8');
    const accepted = target.machine.consoleUart.pushInput(bytes); // under hw, the VMM's virtual UART
    response.body = { accepted, dropped: bytes.length - accepted };
    this.sendResponse(response);
  }

  private ringLevel(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    const target = this.requireTarget();
    const harts = a.threadId === undefined ? target.machine.harts : [this.hartOf(a.threadId)];
    response.body = {
      mode: target.config.mode,
      harts: harts.map((h) => ({
        threadId: h.id + 1, hartId: h.id,
        privilege: modeLabel(h.priv, virtOf(h)), privilegeName: PRIVILEGE_LONG[h.priv], ring: ringOf(h.priv, virtOf(h)),
        v: virtOf(h) ? 1 : 0, virtualPrivilege: virtualPrivilegeOf(target, h) ?? null, virtualRing: virtualRingOf(virtualPrivilegeOf(target, h)) ?? null,
        state: this.exec?.state ?? 'stopped',
      })),
    };
    this.sendResponse(response);
  }

  private translatedBlocks(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    this.requireTarget();
    const start = a.start ?? 0, count = a.count ?? 100, sortBy = a.sortBy ?? 'execCount', descending = a.descending ?? true;
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) throw new RequestError('ringside/translatedBlocks: start must be a whole number ≥ 0');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000) throw new RequestError('ringside/translatedBlocks: count must be between 1 and 10000');
    if (typeof sortBy !== 'string' || !TB_SORT_KEYS.includes(sortBy)) throw new RequestError(`ringside/translatedBlocks: sortBy must be one of ${TB_SORT_KEYS.join(', ')}`);
    if (typeof descending !== 'boolean') throw new RequestError('ringside/translatedBlocks: descending must be true or false');
    response.body = {
      engine: 'interpreter', totalBlocks: 0, start, count: 0, sortBy, descending, blocks: [],
      note: NO_TRANSLATOR,
    };
    this.sendResponse(response);
  }

  /** One block by the guest pc it starts at (or contains): its guest code, host code, stats and chains. */
  private translatedBlock(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    this.requireTarget();
    const pc = parseAddress(a.guestPc);
    if (pc === undefined) throw new RequestError('ringside/translatedBlock needs { guestPc: number | "0x…" }');
    response.body = { engine: 'interpreter', guestPc: hex(pc), block: null, note: NO_TRANSLATOR };
    this.sendResponse(response);
  }

  /** Drops cached translations of a guest physical range (all of RAM without one); announced by an event. */
  private invalidateTranslations(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    const target = this.requireTarget();
    const ram = target.machine.ram;
    const start = a.start === undefined ? ram.base : parseAddress(a.start);
    const end = a.end === undefined ? ram.end : parseAddress(a.end);
    if (start === undefined || end === undefined || end < start) {
      throw new RequestError('ringside/invalidateTranslations takes { start?, end? }: guest physical addresses (numbers or "0x…"), start ≤ end');
    }
    const { decodedPages } = target.machine.invalidateTranslations(start, end);
    this.invalidationsSeen = target.machine.interp.invalidations;
    const body = { engine: 'interpreter', reason: 'request', start: hex(start), end: hex(end), blocks: 0, decodedPages };
    this.sendEvent(new Event(TRANSLATIONS_INVALIDATED_EVENT, body));
    response.body = { engine: 'interpreter', blocksInvalidated: 0, decodedPagesDropped: decodedPages };
    this.sendResponse(response);
  }

  private tbStats(response: DebugProtocol.Response): void {
    const target = this.requireTarget();
    response.body = {
      engine: 'interpreter', blocks: 0, translations: 0, blockInvalidations: 0, chainedJumps: 0, hostCodeBytes: 0,
      decodedPagesDropped: target.machine.interp.invalidations,
      instructionsRetired: target.machine.harts.reduce((n, h) => n + h.instret, 0),
      note: 'no translator yet: block counts are 0; decodedPagesDropped counts the interpreter\'s decode-cache pages dropped',
    };
    this.sendResponse(response);
  }

  private vmExits(response: DebugProtocol.Response, a: Record<string, unknown>): void {
    const target = this.requireTarget();
    response.body = listVmExits(exitStreamOf(target.machine), target.config.mode, a);
    this.sendResponse(response);
  }
}

/** A guest address given as a JSON number or a "0x…"/decimal string; undefined if it is neither. */
function parseAddress(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return undefined;
  const n = Number(BigInt(v.trim()));
  return Number.isSafeInteger(n) ? n : undefined;
}
