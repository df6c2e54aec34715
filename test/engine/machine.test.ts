// The machine's run loop: breakpoints without a hot-path check, stepping over them, pause, determinism.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../../engine/machine';
import { parseElf } from '../../engine/loader/elf';
import { GUEST_BIN } from '../support/run-guest';

function demo(): { m: Machine; out: number[]; sym: (n: string) => bigint } {
  const out: number[] = [];
  const m = new Machine({ console: { write: (b) => out.push(b) } });
  const file = path.join(GUEST_BIN, 'demo.elf');
  const img = parseElf(new Uint8Array(fs.readFileSync(file)), file);
  m.load(img, file);
  return { m, out, sym: (n) => BigInt.asUintN(64, BigInt(img.symbols.lookup(n)!.addr)) };
}

describe('machine: breakpoints and stepping', () => {
  it('stops before a breakpointed instruction, then resumes over it to the next hit', () => {
    const { m, sym } = demo();
    const main = sym('main');
    m.addBreakpoint(main);
    const first = m.run(1_000_000);
    assert.deepEqual(first, { kind: 'breakpoint', hartId: 0, pc: main });
    assert.equal(m.harts[0].getPc(), main);
    const retired = m.harts[0].instret;
    // main runs once: resuming must execute the breakpointed instruction and finish the guest.
    const second = m.run(1_000_000);
    assert.deepEqual(second, { kind: 'exit', code: 0, via: 'test-device' });
    assert.ok(m.harts[0].instret > retired);
  });

  it('hits a breakpoint inside a loop on every iteration', () => {
    const { m, sym } = demo();
    const fn = sym('uart_putc');
    m.addBreakpoint(fn);
    let hits = 0;
    for (;;) {
      const r = m.run(1_000_000);
      if (r.kind !== 'breakpoint') { assert.equal(r.kind, 'exit'); break; }
      assert.equal(r.pc, fn);
      hits++;
    }
    // Reference count: single-step the same guest and count arrivals at that pc.
    const plain = demo();
    let arrivals = 0;
    for (let i = 0; i < 1_000_000 && !plain.m.step(0); i++) if (plain.m.harts[0].getPc() === fn) arrivals++;
    assert.ok(arrivals > 10);
    assert.equal(hits, arrivals);
  });

  it('removing a breakpoint lets the guest run through, with the same result as never setting it', () => {
    const a = demo(), b = demo();
    a.m.addBreakpoint(a.sym('main'));
    a.m.removeBreakpoint(a.sym('main'));
    assert.equal(a.m.run(1_000_000).kind, 'exit');
    assert.equal(b.m.run(1_000_000).kind, 'exit');
    assert.equal(a.m.harts[0].instret, b.m.harts[0].instret);
    assert.deepEqual(a.out, b.out);
  });

  it('step() executes exactly one instruction, also on a breakpoint', () => {
    const { m, sym } = demo();
    const main = sym('main');
    m.addBreakpoint(main);
    m.run(1_000_000);
    const before = m.harts[0].instret;
    m.step(0);
    assert.equal(m.harts[0].instret, before + 1);
    assert.notEqual(m.harts[0].getPc(), main);
  });

  it('runs deterministically: two runs retire the same instructions and print the same bytes', () => {
    const a = demo(), b = demo();
    a.m.run(1e9); b.m.run(1e9);
    assert.equal(a.m.harts[0].instret, b.m.harts[0].instret);
    assert.deepEqual(a.out, b.out);
  });
});

describe('machine: trap hook', () => {
  it('reports each trap to the filter and stops run() when it says so', () => {
    const { m } = demo();
    const seen: number[] = [];
    m.trapFilter = (t) => { seen.push(t.cause); return t.cause === 11; };
    const r = m.run(1_000_000);
    assert.equal(r.kind, 'trap');
    if (r.kind !== 'trap') return;
    assert.equal(r.trap.cause, 11, 'the demo\'s ecall from M');
    assert.equal(r.trap.toPriv, 3);
    assert.equal(m.harts[0].getPc(), r.trap.handler);
    assert.deepEqual(seen, [11]);
    m.trapFilter = undefined;
    assert.equal(m.run(1_000_000).kind, 'exit');
  });
});
