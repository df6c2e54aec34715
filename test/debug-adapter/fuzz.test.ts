// Malformed DAP requests at random: every request gets a response (success or an error with a message), the
// adapter process never dies, and the session still works afterwards. Deterministic (seeded), so a failure
// reproduces; the run-control and session-ending requests are left out so the guest stays stopped.
import { strict as assert } from 'assert';
import { DebugProtocol } from '@vscode/debugprotocol';
import { guest, Session, startSession } from './support';

/** xorshift32, seeded. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

const COMMANDS = [
  'threads', 'stackTrace', 'scopes', 'variables', 'setVariable', 'evaluate', 'exceptionInfo', 'setBreakpoints',
  'setFunctionBreakpoints', 'setInstructionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints',
  'setExceptionBreakpoints', 'breakpointLocations', 'disassemble', 'readMemory', 'writeMemory', 'modules', 'source',
  'ringside/consoleInput', 'ringside/ringLevel', 'ringside/translatedBlocks', 'ringside/translatedBlock',
  'ringside/invalidateTranslations', 'ringside/tbStats', 'ringside/vmExits', 'ringside/noSuchRequest',
];
const KEYS = [
  'threadId', 'frameId', 'variablesReference', 'name', 'value', 'expression', 'context', 'source', 'breakpoints',
  'lines', 'memoryReference', 'offset', 'count', 'data', 'instructionCount', 'instructionOffset', 'filters',
  'filterOptions', 'start', 'end', 'guestPc', 'text', 'sortBy', 'reason', 'hartId', 'levels', 'startFrame', 'path',
];

describe('debug-adapter: random malformed requests', function () {
  this.timeout(120_000);
  let s: Session;
  beforeEach(async () => { s = await startSession(); });
  afterEach(async () => { await s.stop(); });

  it('400 requests with random arguments: each answered, the adapter alive, the session usable after', async () => {
    await s.launch({ program: guest('demo.elf'), stopOnEntry: true });
    await s.stopped();
    const next = rng(20261125);
    const pick = <T>(a: readonly T[]): T => a[next() % a.length];
    const value = (depth: number): unknown => {
      switch (next() % 12) {
        case 0: return null;
        case 1: return next() % 2 === 0;
        case 2: return (next() % 2000) - 1000;
        case 3: return next() * 4294967296 + next(); // beyond 2^53 sometimes
        case 4: return -1;
        case 5: return 1.5;
        case 6: return pick(['', '0x80000000', 'v:0x80000000', 'p:0x10', 'sp', 'a0 +', '*(uint64_t*)sp', '%%%', 'info mmu 0x0', 'x'.repeat(300)]);
        case 7: return 'AA==';
        case 8: return depth > 2 ? [] : Array.from({ length: next() % 4 }, () => value(depth + 1));
        case 9: return depth > 2 ? {} : randomObject(depth + 1);
        case 10: return 1;
        default: return pick(['hart', 'line', 'instruction', 'execCount', 'mmio', 'repl', 'watch', 'hover']);
      }
    };
    const randomObject = (depth: number): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      for (let i = next() % 5; i > 0; i--) o[pick(KEYS)] = value(depth);
      return o;
    };
    let failures = 0, successes = 0;
    for (let i = 0; i < 400; i++) {
      const command = pick(COMMANDS);
      const args = next() % 10 === 0 ? pick([undefined, null, 42, 'text', []] as unknown[]) : randomObject(0);
      const r = await s.raw(command, args) as DebugProtocol.Response;
      assert.equal(r.command, command);
      if (r.success) successes++;
      else {
        failures++;
        assert.ok(typeof r.message === 'string' && r.message.length > 0, `${command} ${JSON.stringify(args)}: an error needs a message`);
      }
    }
    assert.ok(failures > 100 && successes > 20, `${failures} errors, ${successes} successes`);
    // Still the same stopped guest, and it runs to its end.
    assert.deepEqual((await s.dc.threadsRequest()).body.threads, [{ id: 1, name: 'hart 0 (M)' }]);
    await s.dc.setBreakpointsRequest({ source: { path: guest('../demo/main.c') }, breakpoints: [] });
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await s.raw('setInstructionBreakpoints', { breakpoints: [] });
    await s.dc.setDataBreakpointsRequest({ breakpoints: [] });
    await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    await s.dc.continueRequest({ threadId: 1 });
    assert.equal((await s.next<DebugProtocol.ExitedEvent>('exited')).body.exitCode, 0);
  });
});
