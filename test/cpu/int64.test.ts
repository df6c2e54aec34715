// Pair arithmetic of engine/cpu/int64.ts against BigInt references, with RISC-V's multiply/divide rules
// (unprivileged spec §7.1 multiplication, §7.2 division: ÷0 and signed-overflow results, Table 7.1).
import { strict as assert } from 'assert';
import {
  div64, fromBigInt, isInt32, ltSigned, ltUnsigned, mul64, mulh64, mulhu64, mulu32, RESULT, toBigInt, toBigUint,
} from '../../engine/cpu/int64';

const M64 = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const u = (v: bigint) => BigInt.asUintN(64, v);
const s = (v: bigint) => BigInt.asIntN(64, v);

function split(v: bigint): [number, number] {
  const x = u(v);
  return [Number(x & 0xffff_ffffn) | 0, Number(x >> 32n) | 0];
}
/** The (return value, RESULT.hi) pair as an unsigned 64-bit bigint. */
function joined(lo: number): bigint {
  return (BigInt(RESULT.hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** xorshift64*: reproducible operands. */
function rng(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x ^= x >> 12n; x ^= u(x << 25n); x ^= x >> 27n;
    return u(x * 0x2545f4914f6cdd1dn);
  };
}

const CORNERS: bigint[] = [
  0n, 1n, -1n, 2n, -2n, 3n, -3n, 7n, -7n, 10n, -10n,
  INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n,
  0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, 0xffff_fffen, -(0x1_0000_0000n), -(0xffff_ffffn), -(0x1_0000_0001n),
  0x7fff_ffffn, 0x8000_0000n, -(0x8000_0000n), -(0x8000_0001n), 0x8000_0001n,
  (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, -(1n << 53n),
  0xffffn, 0x10000n, 0xffff_0000_ffff_0000n, 0x0000_ffff_0000_ffffn, 0x5555_5555_5555_5555n, 0xaaaa_aaaa_aaaa_aaaan,
  0x1234_5678_9abc_def0n, 0xfedc_ba98_7654_3210n, 0xffff_ffff_0000_0000n, 0x0000_0001_ffff_ffffn,
].map(s);

function operands(): [bigint, bigint][] {
  const pairs: [bigint, bigint][] = [];
  for (const a of CORNERS) for (const b of CORNERS) pairs.push([a, b]);
  const next = rng(0x9e37_79b9_7f4a_7c15n);
  for (let i = 0; i < 3000; i++) {
    // Random widths too, so small and 32-bit-sized operands (the engine's fast paths) are well represented.
    const wa = next() % 65n, wb = next() % 65n;
    const a = s(next() & ((1n << wa) - 1n)), b = s(next() & ((1n << wb) - 1n));
    const neg = next();
    pairs.push([neg & 1n ? s(-a) : a, neg & 2n ? s(-b) : b]);
  }
  return pairs;
}
const PAIRS = operands();

// RISC-V references (Unpriv §7.2 Table 7.1): x/0 = -1 (all ones), x%0 = x; INT64_MIN/-1 = INT64_MIN, INT64_MIN%-1 = 0.
const refDiv = (a: bigint, b: bigint) => (b === 0n ? -1n : a === INT64_MIN && b === -1n ? INT64_MIN : a / b);
const refRem = (a: bigint, b: bigint) => (b === 0n ? a : a === INT64_MIN && b === -1n ? 0n : a % b);
const refDivu = (a: bigint, b: bigint) => (b === 0n ? M64 : u(a) / u(b));
const refRemu = (a: bigint, b: bigint) => (b === 0n ? u(a) : u(a) % u(b));

function check(name: string, f: (al: number, ah: number, bl: number, bh: number) => number, ref: (a: bigint, b: bigint) => bigint) {
  it(`${name} matches the BigInt reference over ${PAIRS.length} operand pairs`, () => {
    const bad: string[] = [];
    for (const [a, b] of PAIRS) {
      const [al, ah] = split(a), [bl, bh] = split(b);
      const got = joined(f(al, ah, bl, bh));
      const want = u(ref(a, b));
      if (got !== want && bad.length < 5) bad.push(`${name}(${a}, ${b}) = 0x${got.toString(16)}, want 0x${want.toString(16)}`);
    }
    assert.deepEqual(bad, []);
  });
}

describe('cpu/int64', () => {
  it('mulu32 gives the exact unsigned 64-bit product of two words', () => {
    const words = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef];
    const next = rng(12345n);
    for (let i = 0; i < 500; i++) words.push(Number(next() & 0xffff_ffffn));
    for (const a of words) {
      for (const b of words.slice(0, 40)) {
        const lo = mulu32(a | 0, b | 0);
        assert.equal(joined(lo), BigInt(a >>> 0) * BigInt(b >>> 0), `mulu32(${a}, ${b})`);
      }
    }
  });

  check('mul64 (low 64 bits)', mul64, (a, b) => a * b);
  check('mulhu64 (unsigned × unsigned, high 64 bits)', mulhu64, (a, b) => (u(a) * u(b)) >> 64n);
  check('mulh64 signed × signed (mulh)', (al, ah, bl, bh) => mulh64(al, ah, bl, bh, true), (a, b) => (a * b) >> 64n);
  check('mulh64 signed × unsigned (mulhsu)', (al, ah, bl, bh) => mulh64(al, ah, bl, bh, false), (a, b) => (a * u(b)) >> 64n);
  check('div64 signed quotient (div)', (al, ah, bl, bh) => div64(al, ah, bl, bh, false, true), refDiv);
  check('div64 signed remainder (rem)', (al, ah, bl, bh) => div64(al, ah, bl, bh, true, true), refRem);
  check('div64 unsigned quotient (divu)', (al, ah, bl, bh) => div64(al, ah, bl, bh, false, false), refDivu);
  check('div64 unsigned remainder (remu)', (al, ah, bl, bh) => div64(al, ah, bl, bh, true, false), refRemu);

  describe('division corner cases spelled out (Unpriv §7.2, Table 7.1)', () => {
    const d = (a: bigint, b: bigint, rem: boolean, signed: boolean) => {
      const [al, ah] = split(a), [bl, bh] = split(b);
      return joined(div64(al, ah, bl, bh, rem, signed));
    };
    it('division by zero: quotient all ones, remainder the dividend', () => {
      for (const a of [0n, 1n, -1n, 5n, INT64_MIN, INT64_MAX, 0x1_0000_0000n, -(0x8000_0000n)]) {
        assert.equal(d(a, 0n, false, true), M64);
        assert.equal(d(a, 0n, false, false), M64);
        assert.equal(d(a, 0n, true, true), u(a));
        assert.equal(d(a, 0n, true, false), u(a));
      }
    });
    it('signed overflow: INT64_MIN / -1 = INT64_MIN, remainder 0', () => {
      assert.equal(d(INT64_MIN, -1n, false, true), u(INT64_MIN));
      assert.equal(d(INT64_MIN, -1n, true, true), 0n);
    });
    it('INT64_MIN / -1 unsigned is an ordinary division', () => {
      assert.equal(d(INT64_MIN, -1n, false, false), 0n);
      assert.equal(d(INT64_MIN, -1n, true, false), u(INT64_MIN));
    });
    it('32-bit-sized operands: INT32_MIN / -1 is no overflow in 64 bits', () => {
      assert.equal(d(-(1n << 31n), -1n, false, true), 1n << 31n);
      assert.equal(d(-(1n << 31n), -1n, true, true), 0n);
    });
    it('signed division truncates toward zero and the remainder takes the dividend sign', () => {
      assert.equal(d(-7n, 2n, false, true), u(-3n));
      assert.equal(d(-7n, 2n, true, true), u(-1n));
      assert.equal(d(7n, -2n, false, true), u(-3n));
      assert.equal(d(7n, -2n, true, true), 1n);
      assert.equal(d(-4n, 2n, true, true), 0n);
    });
  });

  describe('pair helpers', () => {
    it('ltSigned/ltUnsigned agree with BigInt comparisons', () => {
      for (const [a, b] of PAIRS.slice(0, 2500)) {
        const [al, ah] = split(a), [bl, bh] = split(b);
        assert.equal(ltSigned(al, ah, bl, bh), a < b, `${a} <s ${b}`);
        assert.equal(ltUnsigned(al, ah, bl, bh), u(a) < u(b), `${a} <u ${b}`);
      }
    });
    it('toBigInt/toBigUint/fromBigInt round-trip', () => {
      for (const v of CORNERS) {
        const [lo, hi] = split(v);
        assert.equal(toBigInt(lo, hi), v);
        assert.equal(toBigUint(lo, hi), u(v));
        const l = fromBigInt(v);
        assert.equal(joined(l), u(v));
      }
    });
    it('isInt32 recognises exactly the sign-extended 32-bit values', () => {
      for (const v of CORNERS) {
        const [lo, hi] = split(v);
        assert.equal(isInt32(lo, hi), v >= -(1n << 31n) && v < 1n << 31n, `${v}`);
      }
    });
  });
});
