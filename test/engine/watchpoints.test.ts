// Data watchpoints: stops after the accessing instruction, for reads and/or writes, on physical RAM, with
// only the watched pages leaving the TLB fast paths; removing one restores normal runs.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lookup } from '../../engine/isa/decoder';
import { Machine, StopReason } from '../../engine/machine';
import { parseElf } from '../../engine/loader/elf';
import { GUEST_BIN } from '../support/run-guest';

function demo() {
  const out: number[] = [];
  const m = new Machine({ console: { write: (b) => out.push(b) } });
  const file = path.join(GUEST_BIN, 'demo.elf');
  const img = parseElf(new Uint8Array(fs.readFileSync(file)), file);
  m.load(img, file);
  const sym = (n: string) => img.symbols.lookup(n)!;
  return { m, out, sym };
}

function insnAt(m: Machine, pc: bigint) {
  return lookup(m.ram.view.getUint32(Number(pc) - m.ram.base, true))!;
}

describe('machine: data watchpoints', () => {
  it('a write watchpoint stops after each store into the range, naming the storing instruction', () => {
    const { m, sym } = demo();
    const sieve = sym('composite.3'); // the demo's prime sieve in .bss
    const id = m.addWatchpoint(BigInt(sieve.addr), sieve.size, { read: false, write: true });
    const r = m.run(1_000_000) as Extract<StopReason, { kind: 'watchpoint' }>;
    assert.equal(r.kind, 'watchpoint');
    assert.equal(r.access, 'write');
    assert.equal(r.watchpointId, id);
    assert.ok(r.address >= BigInt(sieve.addr) && r.address < BigInt(sieve.addr + sieve.size));
    assert.equal(insnAt(m, r.pc).flags.memory?.kind, 'store', `pc 0x${r.pc.toString(16)} is a store`);
    assert.notEqual(m.harts[0].getPc(), r.pc, 'the store has completed: the hart is past it');
    let hits = 1;
    for (let s = m.run(1_000_000); s.kind === 'watchpoint'; s = m.run(1_000_000)) hits++;
    assert.ok(hits > 10, `the sieve is written many times (${hits})`);
  });

  it('a read watchpoint stops on loads only; removing it lets the guest finish identically', () => {
    const { m, out, sym } = demo();
    const sieve = sym('composite.3');
    const id = m.addWatchpoint(BigInt(sieve.addr), sieve.size, { read: true, write: false });
    const r = m.run(1_000_000) as Extract<StopReason, { kind: 'watchpoint' }>;
    assert.equal(r.kind, 'watchpoint');
    assert.equal(r.access, 'read');
    assert.equal(insnAt(m, r.pc).flags.memory?.kind, 'load');
    m.removeWatchpoint(id);
    assert.deepEqual(m.run(1_000_000).kind, 'exit');
    const plain = demo();
    plain.m.run(1_000_000);
    assert.deepEqual(out, plain.out);
    assert.equal(m.harts[0].instret, plain.m.harts[0].instret);
  });

  it('rejects ranges outside RAM', () => {
    const { m } = demo();
    assert.throws(() => m.addWatchpoint(0x1000_0000n, 8, { read: true, write: true }), /not in RAM/);
  });
});
