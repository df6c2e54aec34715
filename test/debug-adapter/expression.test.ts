// The adapter's pure parts: expressions, hit conditions, log messages, CSR field decoding, launch validation.
import { strict as assert } from 'assert';
import * as path from 'path';
import { CSR_FIELDS, describeField, parseFieldValue, withField } from '../../debug-adapter/csr-fields';
import { EvalError, EvalScope, Expression, formatValue, parseHitCondition, parseLogMessage, Value } from '../../debug-adapter/expression';
import { ConfigError, validateLaunchConfig } from '../../debug-adapter/launch-config';
import { guest, REPO } from './support';

/** A scope with a few names and 64 bytes of little-endian memory at 0x1000. */
function scope(names: Record<string, Value>): EvalScope {
  const mem = new Uint8Array(64).map((_, i) => i + 1);
  mem[8] = 0xff;
  return {
    lookup: (n) => names[n],
    read(addr, size) {
      const off = Number(addr) - 0x1000;
      if (off < 0 || off + size > mem.length) throw new EvalError(`cannot read ${size} bytes at 0x${addr.toString(16)}`);
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem[off + i]);
      return v;
    },
  };
}

const ev = (text: string, names: Record<string, Value> = {}) => new Expression(text).evaluate(scope(names));

describe('debug-adapter: expressions and helpers', function () {
  it('C-like integer arithmetic with C precedence on 64-bit values', () => {
    assert.equal(ev('1 + 2 * 3'), 7n);
    assert.equal(ev('(1 + 2) * 3'), 9n);
    assert.equal(ev('1 << 4 | 1'), 17n);
    assert.equal(ev('0x10 - 0b11 - 1_000'), 16n - 3n - 1000n);
    assert.equal(ev('-1'), -1n);
    assert.equal(ev('~0'), -1n);
    assert.equal(ev('0xffffffffffffffff == -1'), 1n, 'values are 64-bit');
    assert.equal(ev('-1 >> 60'), 15n, '>> is logical, like on uint64_t');
    assert.equal(ev('7 / 2 + 7 % 2'), 4n);
    assert.equal(ev('!0 && 3 > 2 || 0'), 1n);
    assert.equal(ev("'A'"), 65n);
    assert.equal(ev('(uint8_t)0x1ff'), 0xffn);
    assert.equal(ev('(int8_t)0xff'), -1n);
  });

  it('names, $-prefixed names, strings and comparisons of privilege names', () => {
    assert.equal(ev('a0 + $a1', { a0: 5n, a1: 6n }), 11n);
    assert.equal(ev('priv == "U" && cause == 2', { priv: 'U', cause: 2n }), 1n);
    assert.equal(ev('priv != "M"', { priv: 'M' }), 0n);
    assert.throws(() => ev('priv == 3', { priv: 'U' }), /cannot compare "U" with a number/);
    assert.throws(() => ev('nothing + 1'), /no register, CSR or symbol named 'nothing'/);
    assert.deepEqual([...new Expression('a0 + *(uint32_t*)(sp + 8) > limit').names], ['a0', 'sp', 'limit']);
  });

  it('memory: *(T*)addr with the type\'s width and signedness; plain * reads 64 bits', () => {
    assert.equal(ev('*(uint8_t*)0x1000'), 1n);
    assert.equal(ev('*(uint16_t*)0x1000'), 0x0201n);
    assert.equal(ev('*(uint32_t*)(base + 4)', { base: 0x1000n }), 0x08070605n);
    assert.equal(ev('*(int8_t*)0x1008'), -1n);
    assert.equal(ev('*(unsigned char*)0x1008'), 255n);
    assert.equal(ev('*0x1000'), 0x0807060504030201n);
    assert.equal(ev('*(uint64_t*)(sp+8)', { sp: 0x1000n }), 0x100f0e0d0c0b0affn, 'the sp+8 form');
    assert.throws(() => ev('*(uint64_t*)0x2000'), /cannot read 8 bytes at 0x2000/);
  });

  it('syntax errors are found when the expression is parsed', () => {
    for (const [text, msg] of [['', /empty expression/], ['1 +', /ends too early/], ['(1', /ends too early/], ['1 2', /unexpected '2'/],
      ['a0 @ 1', /unexpected '@'/], ['&1', /'&' needs a symbol name/]] as const) {
      assert.throws(() => new Expression(text), (e: unknown) => e instanceof EvalError && msg.test(e.message), text);
    }
    assert.throws(() => ev('1 / 0'), /division by zero/);
  });

  it('formatValue, hit conditions and log messages', () => {
    assert.equal(formatValue(42n), '0x2a (42)');
    assert.equal(formatValue(-1n), '0xffffffffffffffff (-1)');
    assert.equal(formatValue('U'), '"U"');
    const hits = (text: string) => [1, 2, 3, 4, 5, 6].filter(parseHitCondition(text));
    assert.deepEqual(hits('3'), [3, 4, 5, 6]);
    assert.deepEqual(hits('>= 3'), [3, 4, 5, 6]);
    assert.deepEqual(hits('== 2'), [2]);
    assert.deepEqual(hits('> 4'), [5, 6]);
    assert.deepEqual(hits('< 3'), [1, 2]);
    assert.deepEqual(hits('% 2'), [2, 4, 6]);
    assert.throws(() => parseHitCondition('often'), /not a hit condition/);
    const parts = parseLogMessage('x={a0} {{literal}} y={ *(uint8_t*)0x1000 }');
    assert.equal(parts.length, 4);
    assert.equal(parts[2], ' {literal} y=');
    assert.throws(() => parseLogMessage('x={a0'), /has no closing/);
  });

  it('CSR fields: positions from the privileged spec, names of values, read-modify-write', () => {
    const mstatus = 0x0000000a00001888n; // UXL=SXL=2, MPP=3, MPIE, MIE
    const f = (csr: string, name: string) => CSR_FIELDS[csr].find((x) => x.name === name)!;
    assert.equal(describeField('mstatus', f('mstatus', 'MPP'), mstatus, mstatus), '3 (M)');
    assert.equal(describeField('mstatus', f('mstatus', 'MIE'), mstatus, mstatus), '1');
    assert.equal(describeField('mstatus', f('mstatus', 'SXL'), mstatus, mstatus), '2 (64)');
    assert.equal(withField(mstatus, f('mstatus', 'MPP'), 1n), 0x0000000a00000888n);
    assert.equal(parseFieldValue(f('mstatus', 'MPP'), 'S'), 1n);
    assert.equal(parseFieldValue(f('mstatus', 'MPP'), '3 (M)'), 3n);
    assert.equal(parseFieldValue(f('mstatus', 'MPP'), '4'), undefined, 'too wide');
    const mcause = (1n << 63n) | 7n;
    assert.equal(describeField('mcause', f('mcause', 'Code'), mcause, mcause), '7 (machine timer interrupt)');
    assert.equal(describeField('mcause', f('mcause', 'Code'), 2n, 2n), '2 (illegal instruction)');
    assert.equal(describeField('misa', f('misa', 'Extensions'), 0x141105n, 0x141105n), '0x141105 (ACIMSU)');
    assert.equal(describeField('pmpcfg0', f('pmpcfg0', 'pmp0cfg'), 0x1fn, 0x1fn), '0x1f (NAPOT X W R)');
    assert.equal(describeField('satp', f('satp', 'MODE'), 8n << 60n, 8n << 60n), '8 (Sv39)');
    assert.equal(describeField('mtvec', f('mtvec', 'BASE'), 0x80000041n, 0x80000041n), '0x80000040');
    assert.equal(parseFieldValue(f('mtvec', 'BASE'), '0x80000100'), 0x80000100n >> 2n);
  });

  it('launch configuration validation (unit): defaults and normalization', () => {
    const c = validateLaunchConfig({ program: 'bin/demo.elf', cwd: 'guests', memory: '64M', maxInstructions: 10 }, REPO);
    assert.equal(c.program, guest('demo.elf'));
    assert.equal(c.cwd, path.join(REPO, 'guests'));
    assert.equal(c.memory, 64 * 1024 * 1024);
    assert.deepEqual([c.mode, c.engine, c.smp, c.stopOnEntry, c.maxInstructions], ['bare', 'interp', 1, false, 10]);
    assert.equal(validateLaunchConfig({ program: guest('demo.elf'), memory: 8192 }).memory, 8192);
    assert.equal(validateLaunchConfig({ program: guest('demo.elf'), append: 'a', args: ['b', 'c'] }).append, 'a b c');
    assert.throws(() => validateLaunchConfig(null), (e: unknown) => e instanceof ConfigError && e.field === 'arguments');
    assert.throws(() => validateLaunchConfig({ program: guest('demo.elf'), args: 3 }), /'args' must be a string or a list of strings/);
  });
});
