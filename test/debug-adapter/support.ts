// Drives the real adapter process (out/debug-adapter/main.js) through @vscode/debugadapter-testsupport's
// DebugClient, with an event queue so no event is lost between a request and the wait for its effect.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';

export const REPO = path.join(__dirname, '..', '..', '..');
export const ADAPTER = path.join(REPO, 'out', 'debug-adapter', 'main.js');
export const guest = (name: string) => path.join(REPO, 'guests', 'bin', name);
export const source = (rel: string) => path.join(REPO, 'guests', rel);

/** The 1-based line of `file` (under guests/) that contains `needle`; exactly one must. */
export function lineOf(rel: string, needle: string): number {
  const lines = fs.readFileSync(source(rel), 'utf8').split('\n');
  const hits = lines.map((l, i) => (l.includes(needle) ? i + 1 : 0)).filter((n) => n > 0);
  assert.equal(hits.length, 1, `${rel}: expected one line containing ${JSON.stringify(needle)}, found ${hits.length}`);
  return hits[0];
}

const EVENTS = ['stopped', 'output', 'exited', 'terminated', 'breakpoint', 'memory', 'invalidated', 'initialized',
  'ringside/privilegeChanged', 'ringside/translationsInvalidated', 'capabilities'];

/** A DebugClient on a fresh adapter whose events are queued per type. */
export class Session {
  readonly dc: DebugClient;
  private readonly queues = new Map<string, DebugProtocol.Event[]>();
  private readonly waiters = new Map<string, ((e: DebugProtocol.Event) => void)[]>();
  stdout = '';
  console = '';

  constructor(dc?: DebugClient) {
    this.dc = dc ?? new DebugClient('node', ADAPTER, 'ringside');
    this.dc.defaultTimeout = 15000;
    for (const type of EVENTS) {
      this.dc.on(type, (e: DebugProtocol.Event) => {
        if (type === 'output') {
          const o = e as DebugProtocol.OutputEvent;
          // The guest's uart_puts writes CR LF, as for a terminal; tests compare plain lines.
          if (o.body.category === 'stdout') this.stdout += o.body.output.replace(/\r\n/g, '\n');
          else this.console += o.body.output;
        }
        const w = this.waiters.get(type)?.shift();
        if (w) w(e);
        else this.queues.set(type, [...(this.queues.get(type) ?? []), e]);
      });
    }
  }

  /** The next event of a type: an already queued one, or the next to arrive. */
  next<T extends DebugProtocol.Event = DebugProtocol.Event>(type: string, timeoutMs = 15000): Promise<T> {
    const q = this.queues.get(type);
    if (q && q.length) return Promise.resolve(q.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no '${type}' event within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(type) ?? [];
      list.push((e) => { clearTimeout(t); resolve(e as T); });
      this.waiters.set(type, list);
    });
  }

  queued(type: string): DebugProtocol.Event[] {
    return this.queues.get(type) ?? [];
  }

  /** Waits until the guest's console output (after position `from`) matches; returns where the match ends. */
  async waitForStdout(pattern: RegExp | string, from = 0, timeoutMs = 30000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tail = this.stdout.slice(from);
      const m = typeof pattern === 'string' ? (tail.includes(pattern) ? { index: tail.indexOf(pattern), 0: pattern } : null) : pattern.exec(tail);
      if (m) return from + m.index + m[0].length;
      if (Date.now() > deadline) throw new Error(`${pattern} did not appear on the guest console within ${timeoutMs} ms; it ends:\n${this.stdout.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Types into the guest's console (the UART) through ringside/consoleInput. */
  async type(text: string): Promise<void> {
    const r = (await this.dc.customRequest('ringside/consoleInput', { text })).body;
    assert.equal(r.dropped, 0, 'console input fits the UART buffer');
  }

  stopped(timeoutMs?: number): Promise<DebugProtocol.StoppedEvent> {
    return this.next<DebugProtocol.StoppedEvent>('stopped', timeoutMs);
  }

  /** A request whose raw response (success or error, with its body) is wanted. */
  raw(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    return new Promise((resolve) => (this.dc as unknown as { doSend(c: string, a: unknown, cb: (r: DebugProtocol.Response) => void): void })
      .doSend(command, args, resolve));
  }

  async initialize(): Promise<DebugProtocol.InitializeResponse> {
    return this.dc.initializeRequest({
      adapterID: 'ringside', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path',
      supportsMemoryEvent: true, supportsInvalidatedEvent: true, supportsMemoryReferences: true,
    });
  }

  /** initialize, launch, (configure), configurationDone: the order VS Code uses. */
  async launch(config: Record<string, unknown>, configure?: () => Promise<unknown>): Promise<void> {
    await this.initialize();
    const launched = this.dc.launchRequest(config as DebugProtocol.LaunchRequestArguments);
    // A refused launch answers with an error and sends no initialized event: surface the error.
    await Promise.race([this.next('initialized'), launched.then(() => undefined)]);
    if (configure) await configure();
    await this.dc.configurationDoneRequest();
    await launched;
  }

  setInstructionBreakpoints(breakpoints: DebugProtocol.InstructionBreakpoint[]): Promise<DebugProtocol.SetInstructionBreakpointsResponse> {
    return this.dc.customRequest('setInstructionBreakpoints', { breakpoints }) as Promise<DebugProtocol.SetInstructionBreakpointsResponse>;
  }

  async top(threadId = 1): Promise<DebugProtocol.StackFrame> {
    return (await this.dc.stackTraceRequest({ threadId })).body.stackFrames[0];
  }

  async evaluate(expression: string, frameId?: number): Promise<string> {
    return (await this.dc.evaluateRequest({ expression, context: 'repl', ...(frameId !== undefined ? { frameId } : {}) })).body.result;
  }

  /** The value of an expression as a bigint (the leading 0x… of the evaluate result). */
  async value(expression: string): Promise<bigint> {
    return BigInt((await this.evaluate(expression)).split(' ')[0]);
  }

  async scope(name: string, frameId?: number): Promise<DebugProtocol.Variable[]> {
    const fid = frameId ?? (await this.top()).id;
    const scopes = (await this.dc.scopesRequest({ frameId: fid })).body.scopes;
    const s = scopes.find((x) => x.name === name);
    assert.ok(s, `scope ${name} in ${scopes.map((x) => x.name).join(', ')}`);
    return (await this.dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  }

  async children(v: DebugProtocol.Variable): Promise<DebugProtocol.Variable[]> {
    assert.ok(v.variablesReference > 0, `${v.name} has children`);
    return (await this.dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  }

  stop(): Promise<void> {
    return this.dc.stop();
  }
}

/** A started session on a fresh adapter process. */
export async function startSession(): Promise<Session> {
  const s = new Session();
  await s.dc.start();
  return s;
}

export function find(vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `variable ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
}
