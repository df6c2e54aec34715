// Integration: the checked-in guests (built by the cross toolchain) run to a passing exit on the engine,
// the demo's console matches its golden transcript, and the ELFs are what the sources build to.
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GUEST_BIN, REPO, runGuest } from '../support/run-guest';

const GOLDEN = path.join(REPO, 'test', 'golden');
/** Set RINGSIDE_ACCEPT_GOLDEN=1 to rewrite golden files after a deliberate change (review the diff). */
const ACCEPT = process.env.RINGSIDE_ACCEPT_GOLDEN === '1';

function hasToolchain(): boolean {
  return spawnSync('riscv64-unknown-elf-gcc', ['--version']).status === 0;
}

describe('guests: the ISA suite on the interpreter', () => {
  const isa = fs.readdirSync(GUEST_BIN).filter((f) => f.startsWith('isa-') && f.endsWith('.elf')).sort();

  it('has the whole suite', () => {
    for (const area of ['rv64i-alu', 'rv64i-branch-jump', 'rv64i-load-store', 'rv64m', 'rv64a', 'rv64c', 'zicsr', 'zifencei', 'priv', 'misaligned']) {
      assert.ok(isa.includes(`isa-${area}.elf`), `isa-${area}.elf missing from guests/bin`);
    }
  });

  for (const f of isa) {
    it(`${f} passes`, () => {
      const r = runGuest(path.join(GUEST_BIN, f));
      assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' }, r.console);
      assert.match(r.console, /: PASS\r?\n$/);
    });
  }
});

describe('guests: demo and benchmark', () => {
  it('demo.elf prints its golden transcript and passes', () => {
    const r = runGuest(path.join(GUEST_BIN, 'demo.elf'));
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    const golden = path.join(GOLDEN, 'demo.console.txt');
    if (ACCEPT) fs.writeFileSync(golden, r.console);
    assert.equal(r.console, fs.readFileSync(golden, 'latin1'));
  });

  it('bench-small.elf computes its self-checked digest', () => {
    const r = runGuest(path.join(GUEST_BIN, 'bench-small.elf'));
    assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' });
    assert.match(r.console, /bench: ok 0x3bfd2c07/);
    assert.ok(r.machine.harts[0].instret > 5_000_000);
  });

  it('a budget too small for the guest stops with kind "budget", deterministically', () => {
    const a = runGuest(path.join(GUEST_BIN, 'demo.elf'), 5000);
    const b = runGuest(path.join(GUEST_BIN, 'demo.elf'), 5000);
    assert.equal(a.stop.kind, 'budget');
    assert.equal(a.console, b.console);
    assert.equal(a.machine.harts[0].instret, b.machine.harts[0].instret);
    assert.equal(a.machine.harts[0].getPc(), b.machine.harts[0].getPc());
  });
});

describe('guests: checked-in ELFs are fresh', function () {
  this.timeout(300_000);
  it('make -C guests check-fresh rebuilds every guest with the cross toolchain and finds no difference', function () {
    if (!hasToolchain()) this.skip();
    execFileSync('make', ['-s', '-C', path.join(REPO, 'guests'), 'check-fresh'], { stdio: 'pipe' });
  });
});
