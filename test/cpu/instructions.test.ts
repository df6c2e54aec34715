// RV64IMAC instruction semantics through Machine.step: hand-encoded words in RAM, BigInt references from the
// unprivileged spec (§2.4 integer computation, §2.5 control transfer, §2.6 loads/stores, §4 RV64I, §7 M, §8 A, §16 C).
import { strict as assert } from 'assert';
import * as A from '../support/asm';
import { X } from '../support/asm';
import { BASE, CSR, DATA, hex, M_TRAP, Rig, u64 } from './harness';

const { zero, ra, sp, t0, t6, s0, s1, a0, a1, a2, a3, a5 } = X;

const s64 = (v: bigint) => BigInt.asIntN(64, v);
const lo32 = (v: bigint) => v & 0xffff_ffffn;
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const sx32 = (v: bigint) => u64(s32(v));
const INT64_MIN = 1n << 63n;

function rng(seed: bigint): () => bigint {
  let x = seed;
  return () => { x ^= x >> 12n; x ^= u64(x << 25n); x ^= x >> 27n; return u64(x * 0x2545f4914f6cdd1dn); };
}

/** Operand values: 64-bit corners, 32-bit boundaries with and without garbage above, shift amounts, randoms. */
const VALUES: bigint[] = (() => {
  const v = [
    0n, 1n, 2n, 31n, 32n, 33n, 63n, 64n, 95n, -1n, -2n, INT64_MIN, INT64_MIN - 1n, INT64_MIN + 1n,
    0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, -(0x8000_0000n), 0xffff_ffff_7fff_ffffn,
    0xdead_beef_0000_0001n, 0x1234_5678_8000_0000n, 0x0000_0001_ffff_fffen, 7n, -7n,
  ].map(u64);
  const next = rng(0x1234_5678_9abc_def1n);
  for (let i = 0; i < 10; i++) v.push(next());
  return v;
})();

type Ref = (a: bigint, b: bigint) => bigint;
const divS: Ref = (a, b) => (b === 0n ? -1n : a === -INT64_MIN && b === -1n ? a : a / b);
const R_OPS: [string, (rd: number, rs1: number, rs2: number) => number, Ref][] = [
  ['add', A.add, (a, b) => a + b],
  ['sub', A.sub, (a, b) => a - b],
  ['sll', A.sll, (a, b) => a << (b & 63n)],
  ['slt', A.slt, (a, b) => (s64(a) < s64(b) ? 1n : 0n)],
  ['sltu', A.sltu, (a, b) => (a < b ? 1n : 0n)],
  ['xor', A.xor, (a, b) => a ^ b],
  ['srl', A.srl, (a, b) => a >> (b & 63n)],
  ['sra', A.sra, (a, b) => s64(a) >> (b & 63n)],
  ['or', A.or, (a, b) => a | b],
  ['and', A.and, (a, b) => a & b],
  ['addw', A.addw, (a, b) => sx32(a + b)],
  ['subw', A.subw, (a, b) => sx32(a - b)],
  ['sllw', A.sllw, (a, b) => sx32(a << (b & 31n))],
  ['srlw', A.srlw, (a, b) => sx32(lo32(a) >> (b & 31n))],
  ['sraw', A.sraw, (a, b) => sx32(s32(a) >> (b & 31n))],
  ['mul', A.mul, (a, b) => a * b],
  ['mulh', A.mulh, (a, b) => (s64(a) * s64(b)) >> 64n],
  ['mulhsu', A.mulhsu, (a, b) => (s64(a) * b) >> 64n],
  ['mulhu', A.mulhu, (a, b) => (a * b) >> 64n],
  ['div', A.div, (a, b) => divS(s64(a), s64(b))],
  ['divu', A.divu, (a, b) => (b === 0n ? -1n : a / b)],
  ['rem', A.rem, (a, b) => (b === 0n ? a : s64(a) === -INT64_MIN && s64(b) === -1n ? 0n : s64(a) % s64(b))],
  ['remu', A.remu, (a, b) => (b === 0n ? a : a % b)],
  ['mulw', A.mulw, (a, b) => sx32(a * b)],
  // W divisions: 32-bit operands, 32-bit result sign-extended, same ÷0 / overflow rules (Unpriv §7.2 Table 7.1).
  ['divw', A.divw, (a, b) => sx32(s32(b) === 0n ? -1n : s32(a) === -(1n << 31n) && s32(b) === -1n ? s32(a) : s32(a) / s32(b))],
  ['divuw', A.divuw, (a, b) => sx32(lo32(b) === 0n ? -1n : lo32(a) / lo32(b))],
  ['remw', A.remw, (a, b) => sx32(s32(b) === 0n ? s32(a) : s32(a) === -(1n << 31n) && s32(b) === -1n ? 0n : s32(a) % s32(b))],
  ['remuw', A.remuw, (a, b) => sx32(lo32(b) === 0n ? lo32(a) : lo32(a) % lo32(b))],
];

const IMMS = [0, 1, -1, 2, -2, 7, 31, 0x7ff, -0x800, 0x555, -0x556, 0x100, -0x100];
const I_OPS: [string, (rd: number, rs1: number, imm: number) => number, Ref][] = [
  ['addi', A.addi, (a, i) => a + i],
  ['slti', A.slti, (a, i) => (s64(a) < i ? 1n : 0n)],
  ['sltiu', A.sltiu, (a, i) => (a < u64(i) ? 1n : 0n)], // the immediate is sign-extended, then compared unsigned
  ['xori', A.xori, (a, i) => a ^ u64(i)],
  ['ori', A.ori, (a, i) => a | u64(i)],
  ['andi', A.andi, (a, i) => a & u64(i)],
  ['addiw', A.addiw, (a, i) => sx32(a + i)],
];
const SHIFTS64 = [0, 1, 4, 31, 32, 33, 48, 63];
const SHIFTS32 = [0, 1, 4, 15, 16, 30, 31];
const SH_OPS: [string, (rd: number, rs1: number, s: number) => number, Ref, number[]][] = [
  ['slli', A.slli, (a, s) => a << s, SHIFTS64],
  ['srli', A.srli, (a, s) => a >> s, SHIFTS64],
  ['srai', A.srai, (a, s) => s64(a) >> s, SHIFTS64],
  ['slliw', A.slliw, (a, s) => sx32(a << s), SHIFTS32],
  ['srliw', A.srliw, (a, s) => sx32(lo32(a) >> s), SHIFTS32],
  ['sraiw', A.sraiw, (a, s) => sx32(s32(a) >> s), SHIFTS32],
];

/** Executes one instruction placed at `at` with the given registers; asserts it did not trap. */
function exec1(r: Rig, at: number, regs: [number, bigint][]): void {
  for (const [i, v] of regs) r.setX(i, v);
  r.hart().pc = at;
  r.step();
}

function noTrap(r: Rig, expectPc: number, what: string): void {
  assert.notEqual(r.pc(), M_TRAP, `${what} trapped: mcause=${hex(r.csr(CSR.mcause))} mtval=${hex(r.csr(CSR.mtval))}`);
  assert.equal(hex(r.pc()), hex(expectPc), `${what}: pc`);
}

describe('cpu/instructions', () => {
  describe('integer register-register ops (RV64I, RV64M) against BigInt references', () => {
    for (const [name, enc, ref] of R_OPS) {
      it(`${name}`, () => {
        const r = new Rig();
        r.put(BASE, enc(a0, a1, a2));
        const bad: string[] = [];
        for (const a of VALUES) {
          for (const b of VALUES) {
            exec1(r, BASE, [[a1, a], [a2, b], [a0, 0x5a5a5a5an]]);
            noTrap(r, BASE + 4, name);
            const want = u64(ref(a, b));
            const got = r.x(a0);
            if (got !== want && bad.length < 6) bad.push(`${name}(${hex(a)}, ${hex(b)}) = ${hex(got)}, want ${hex(want)}`);
          }
        }
        assert.deepEqual(bad, []);
      });
    }

    it('rd may equal rs1 and rs2 (operands are read before rd is written)', () => {
      const r = new Rig();
      r.put(BASE, A.add(a1, a1, a1), A.sub(a2, a1, a2), A.mulhu(a1, a1, a1), A.sltu(a2, a2, a1));
      r.setX(a1, 0x8000_0000_0000_0001n); r.setX(a2, 5n);
      r.step(); assert.equal(r.x(a1), 2n);
      r.step(); assert.equal(r.x(a2), u64(2n - 5n));
      r.setX(a1, -1n); r.step(); assert.equal(r.x(a1), u64(-2n));
      r.setX(a2, 3n); r.step(); assert.equal(r.x(a2), 1n);
    });
  });

  describe('integer register-immediate ops', () => {
    for (const [name, enc, ref] of I_OPS) {
      it(`${name} with immediates ${IMMS.join(', ')}`, () => {
        const r = new Rig();
        IMMS.forEach((imm, k) => r.put(BASE + 4 * k, enc(a0, a1, imm)));
        const bad: string[] = [];
        IMMS.forEach((imm, k) => {
          for (const a of VALUES) {
            exec1(r, BASE + 4 * k, [[a1, a]]);
            noTrap(r, BASE + 4 * k + 4, name);
            const want = u64(ref(a, BigInt(imm)));
            if (r.x(a0) !== want && bad.length < 6) bad.push(`${name}(${hex(a)}, ${imm}) = ${hex(r.x(a0))}, want ${hex(want)}`);
          }
        });
        assert.deepEqual(bad, []);
      });
    }
    for (const [name, enc, ref, amounts] of SH_OPS) {
      it(`${name} by ${amounts.join(', ')}`, () => {
        const r = new Rig();
        amounts.forEach((sh, k) => r.put(BASE + 4 * k, enc(a0, a1, sh)));
        const bad: string[] = [];
        amounts.forEach((sh, k) => {
          for (const a of VALUES) {
            exec1(r, BASE + 4 * k, [[a1, a]]);
            noTrap(r, BASE + 4 * k + 4, name);
            const want = u64(ref(a, BigInt(sh)));
            if (r.x(a0) !== want && bad.length < 6) bad.push(`${name}(${hex(a)}, ${sh}) = ${hex(r.x(a0))}, want ${hex(want)}`);
          }
        });
        assert.deepEqual(bad, []);
      });
    }
    it('register shifts use only rs2[5:0] (64-bit) and rs2[4:0] (W forms)', () => {
      const r = new Rig();
      r.put(BASE, A.sll(a0, a1, a2), A.sllw(a3, a1, a2));
      exec1(r, BASE, [[a1, 1n], [a2, 0xffff_ff00n | 64n | 35n]]); // 64+35 → 35 for sll; & 31 → 3 for sllw
      assert.equal(r.x(a0), 1n << 35n);
      r.step();
      assert.equal(r.x(a3), 1n << 3n);
    });
  });

  describe('lui and auipc', () => {
    const imms = [0, 1, 0x12345, 0x7ffff, 0x80000, 0x80001, 0xfffff];
    it('lui sign-extends imm << 12 to 64 bits', () => {
      const r = new Rig();
      imms.forEach((imm, k) => r.put(BASE + 4 * k, A.lui(a0, imm)));
      imms.forEach((imm, k) => {
        exec1(r, BASE + 4 * k, []);
        assert.equal(hex(r.x(a0)), hex(sx32(BigInt(imm) << 12n)), `lui ${imm.toString(16)}`);
      });
    });
    it('auipc adds the sign-extended offset to the 64-bit pc (no 32-bit wrap or sign-extension of the sum)', () => {
      const r = new Rig();
      const at = BASE + 0x100;
      imms.forEach((imm, k) => r.put(at + 4 * k, A.auipc(a0, imm)));
      imms.forEach((imm, k) => {
        const pc = at + 4 * k;
        exec1(r, pc, []);
        // e.g. pc 0x80000100 + 0x7ffff000 = 0x0000_0000_ffff_f100, and pc + (-2^31) = 0x100.
        assert.equal(hex(r.x(a0)), hex(BigInt(pc) + s64(sx32(BigInt(imm) << 12n))), `auipc ${imm.toString(16)} at ${hex(pc)}`);
      });
    });
  });

  describe('branches', () => {
    const pairs: [bigint, bigint][] = [
      [0n, 0n], [1n, 2n], [2n, 1n], [-1n, 1n], [1n, -1n], [-1n, -1n], [INT64_MIN, INT64_MIN - 1n], [INT64_MIN - 1n, INT64_MIN],
      [0x1_0000_0000n, 0xffff_ffffn], [0xffff_ffffn, 0x1_0000_0000n], [0x1_0000_0005n, 0x2_0000_0005n], [0x8000_0000n, 0x7fff_ffffn],
      [-(0x8000_0000n), 0x8000_0000n],
    ];
    const conds: [string, (a: number, b: number, off: number) => number, (a: bigint, b: bigint) => boolean][] = [
      ['beq', A.beq, (a, b) => u64(a) === u64(b)],
      ['bne', A.bne, (a, b) => u64(a) !== u64(b)],
      ['blt', A.blt, (a, b) => s64(a) < s64(b)],
      ['bge', A.bge, (a, b) => s64(a) >= s64(b)],
      ['bltu', A.bltu, (a, b) => u64(a) < u64(b)],
      ['bgeu', A.bgeu, (a, b) => u64(a) >= u64(b)],
    ];
    for (const [name, enc, cond] of conds) {
      it(`${name}: taken and not taken, forward and backward`, () => {
        const r = new Rig();
        const at = BASE + 0x2000;
        const offsets = [8, -0x100, 4094, -4096, 2];
        offsets.forEach((off, k) => r.put(at + 4 * k, enc(a1, a2, off)));
        for (const [a, b] of pairs) {
          offsets.forEach((off, k) => {
            const pc = at + 4 * k;
            exec1(r, pc, [[a1, a], [a2, b]]);
            const want = cond(a, b) ? pc + off : pc + 4;
            assert.equal(hex(r.pc()), hex(want), `${name} ${hex(a)}, ${hex(b)}, ${off}`);
          });
        }
      });
    }
    it('a branch comparing a register with itself', () => {
      const r = new Rig();
      r.put(BASE, A.blt(a1, a1, 16), A.bge(a1, a1, 16));
      exec1(r, BASE, [[a1, -5n]]);
      assert.equal(r.pc(), BASE + 4);
      r.step();
      assert.equal(r.pc(), BASE + 4 + 16);
    });
  });

  describe('jal and jalr', () => {
    it('jal links pc+4 and jumps pc-relative, both directions', () => {
      const r = new Rig();
      const at = BASE + 0x400;
      r.put(at, A.jal(ra, 0x1000));
      exec1(r, at, []);
      assert.equal(hex(r.pc()), hex(at + 0x1000));
      assert.equal(r.x(ra), BigInt(at + 4));
      r.put(at, A.jal(t0, -0x400));
      exec1(r, at, []);
      assert.equal(hex(r.pc()), hex(BASE));
      assert.equal(r.x(t0), BigInt(at + 4));
    });
    it('jal reaches ±1 MiB', () => {
      const r = new Rig();
      r.put(BASE, A.jal(ra, 1048574));
      exec1(r, BASE, []);
      assert.equal(hex(r.pc()), hex(BASE + 1048574));
      r.put(BASE + 0x10, A.jal(ra, -1048576));
      exec1(r, BASE + 0x10, []);
      assert.equal(hex(r.pc()), hex(BASE + 0x10 - 1048576));
    });
    it('jal x0 does not link', () => {
      const r = new Rig();
      r.put(BASE, A.jal(zero, 12));
      exec1(r, BASE, []);
      assert.equal(r.pc(), BASE + 12);
      assert.equal(r.x(0), 0n);
    });
    it('jalr jumps to (rs1 + imm) with bit 0 cleared and links pc+4', () => {
      const r = new Rig();
      r.put(BASE, A.jalr(ra, a1, 0), A.jalr(ra, a1, -0xff), A.jalr(ra, a1, 0x7ff));
      exec1(r, BASE, [[a1, BigInt(BASE + 0x201)]]);
      assert.equal(hex(r.pc()), hex(BASE + 0x200));
      assert.equal(r.x(ra), BigInt(BASE + 4));
      exec1(r, BASE + 4, [[a1, BigInt(BASE + 0x300)]]);
      assert.equal(hex(r.pc()), hex(BASE + 0x200)); // 0x300 - 0xff = 0x201 → 0x200
      assert.equal(r.x(ra), BigInt(BASE + 8));
      exec1(r, BASE + 8, [[a1, BigInt(BASE)]]);
      assert.equal(hex(r.pc()), hex(BASE + 0x7fe));
    });
    it('jalr with rd = rs1 uses the old rs1 for the target', () => {
      const r = new Rig();
      r.put(BASE, A.jalr(a1, a1, 4));
      exec1(r, BASE, [[a1, BigInt(BASE + 0x100)]]);
      assert.equal(hex(r.pc()), hex(BASE + 0x104));
      assert.equal(r.x(a1), BigInt(BASE + 4));
    });
    it('jalr with rd = x0 (ret) does not link', () => {
      const r = new Rig();
      r.put(BASE, A.jalr(zero, ra, 0));
      exec1(r, BASE, [[ra, BigInt(BASE + 0x40)]]);
      assert.equal(r.pc(), BASE + 0x40);
      assert.equal(r.x(0), 0n);
    });
  });

  describe('loads and stores', () => {
    function fillPattern(r: Rig): void {
      for (let i = 0; i < 0x2000; i++) r.poke8(DATA + i, (i * 37 + 0x8b) & 0xff);
    }
    function expectLoad(r: Rig, addr: number, width: number, signed: boolean): bigint {
      let v = 0n;
      for (let k = width - 1; k >= 0; k--) v = (v << 8n) | BigInt(r.peek8(addr + k));
      return signed ? u64(BigInt.asIntN(width * 8, v)) : v;
    }
    const loads: [string, (rd: number, rs1: number, off: number) => number, number, boolean][] = [
      ['lb', A.lb, 1, true], ['lbu', A.lbu, 1, false], ['lh', A.lh, 2, true], ['lhu', A.lhu, 2, false],
      ['lw', A.lw, 4, true], ['lwu', A.lwu, 4, false], ['ld', A.ld, 8, true],
    ];
    // Aligned, every misalignment, and accesses straddling the 4 KiB page boundary at DATA + 0x1000.
    const offsets = [...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 14 }, (_, i) => 0xff9 + i)];

    for (const [name, enc, width, signed] of loads) {
      it(`${name}: value, ${signed ? 'sign' : 'zero'} extension, misaligned and page-crossing addresses`, () => {
        const r = new Rig();
        fillPattern(r);
        r.put(BASE, enc(a0, a1, 0), enc(a0, a1, -100), enc(a1, a1, 0));
        for (const off of offsets) {
          const addr = DATA + off;
          const want = expectLoad(r, addr, width, signed);
          exec1(r, BASE, [[a1, BigInt(addr)]]);
          noTrap(r, BASE + 4, `${name} at ${hex(addr)}`);
          assert.equal(hex(r.x(a0)), hex(want), `${name} at ${hex(addr)}`);
          exec1(r, BASE + 4, [[a1, BigInt(addr + 100)]]);
          noTrap(r, BASE + 8, `${name} -100 at ${hex(addr)}`);
          assert.equal(hex(r.x(a0)), hex(want), `${name} -100(rs1) at ${hex(addr)}`);
          exec1(r, BASE + 8, [[a1, BigInt(addr)]]); // rd = rs1
          assert.equal(hex(r.x(a1)), hex(want), `${name} into its base register at ${hex(addr)}`);
        }
      });
    }

    it('sign and zero extension at the sign boundary of each width', () => {
      const r = new Rig();
      r.poke64(DATA, 0x8000_8080_7fff_7f80n);
      r.put(BASE, A.lb(a0, a1, 0), A.lbu(a0, a1, 0), A.lb(a0, a1, 1), A.lh(a0, a1, 4), A.lhu(a0, a1, 4),
        A.lh(a0, a1, 2), A.lw(a0, a1, 4), A.lwu(a0, a1, 4), A.lw(a0, a1, 0));
      const want = [0xffff_ffff_ffff_ff80n, 0x80n, 0x7fn, 0xffff_ffff_ffff_8080n, 0x8080n, 0x7fffn,
        0xffff_ffff_8000_8080n, 0x8000_8080n, 0x7fff_7f80n];
      r.setX(a1, BigInt(DATA));
      for (const w of want) {
        r.step();
        assert.equal(hex(r.x(a0)), hex(w));
      }
    });

    const stores: [string, (rs2: number, rs1: number, off: number) => number, number][] = [
      ['sb', A.sb, 1], ['sh', A.sh, 2], ['sw', A.sw, 4], ['sd', A.sd, 8],
    ];
    for (const [name, enc, width] of stores) {
      it(`${name}: writes exactly its bytes, aligned, misaligned and page-crossing`, () => {
        const r = new Rig();
        const value = 0x8877_6655_4433_2211n;
        r.put(BASE, enc(a2, a1, 0), enc(a2, a1, 2047));
        for (const off of offsets) {
          for (const [pc, disp] of [[BASE, 0], [BASE + 4, 2047]] as const) {
            const addr = DATA + off;
            for (let i = -16; i < 32; i++) r.poke8(addr + i, 0xa5);
            exec1(r, pc, [[a1, BigInt(addr - disp)], [a2, value]]);
            noTrap(r, pc + 4, `${name} at ${hex(addr)}`);
            for (let i = -16; i < 32; i++) {
              const want = i >= 0 && i < width ? Number((value >> BigInt(8 * i)) & 0xffn) : 0xa5;
              assert.equal(r.peek8(addr + i), want, `${name} at ${hex(addr)}: byte ${i}`);
            }
          }
        }
      });
    }

    it('a load sees the value a store just wrote, through the TLB fast paths', () => {
      const r = new Rig();
      r.put(BASE, A.sd(a2, a1, 0), A.ld(a0, a1, 0), A.sw(a3, a1, 4), A.ld(a0, a1, 0), A.sb(zero, a1, 7), A.ld(a0, a1, 0),
        A.jal(zero, -24));
      r.setX(a1, BigInt(DATA + 0x40)); r.setX(a2, 0x1111_2222_3333_4444n); r.setX(a3, 0xdead_beefn);
      for (let round = 0; round < 3; round++) {
        r.step(2); assert.equal(hex(r.x(a0)), hex(0x1111_2222_3333_4444n));
        r.step(2); assert.equal(hex(r.x(a0)), hex(0xdead_beef_3333_4444n));
        r.step(2); assert.equal(hex(r.x(a0)), hex(0x00ad_beef_3333_4444n));
        r.step(1);
      }
    });

    it('loads of code as data see the instruction words', () => {
      const r = new Rig();
      r.put(BASE, A.lw(a0, a1, 0));
      exec1(r, BASE, [[a1, BigInt(BASE)]]);
      assert.equal(hex(r.x(a0)), hex(A.lw(a0, a1, 0)));
    });
  });

  describe('LR/SC (Unpriv §8.2)', () => {
    it('lr.d then sc.d to the same address succeeds (rd = 0) and stores', () => {
      const r = new Rig();
      r.poke64(DATA, 0x0123_4567_89ab_cdefn);
      r.code(BASE, [A.lr_d(a0, a1), A.sc_d(a2, a3, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a3, 0xfeed_face_cafe_beefn); r.setX(a2, 99n);
      r.step();
      assert.equal(hex(r.x(a0)), hex(0x0123_4567_89ab_cdefn));
      r.step();
      assert.equal(r.x(a2), 0n);
      assert.equal(hex(r.peek64(DATA)), hex(0xfeed_face_cafe_beefn));
    });
    it('lr.w sign-extends; sc.w stores 32 bits only', () => {
      const r = new Rig();
      r.poke64(DATA, 0x1111_1111_8000_0001n);
      r.code(BASE, [A.lr_w(a0, a1), A.sc_w(a2, a3, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a3, 0xaaaa_aaaa_0000_0007n);
      r.step();
      assert.equal(hex(r.x(a0)), hex(0xffff_ffff_8000_0001n));
      r.step();
      assert.equal(r.x(a2), 0n);
      assert.equal(hex(r.peek64(DATA)), hex(0x1111_1111_0000_0007n));
    });
    it('sc without a preceding lr fails (rd ≠ 0) and does not store', () => {
      const r = new Rig();
      r.poke64(DATA, 5n);
      r.code(BASE, [A.sc_d(a2, a3, a1), A.sc_w(a0, a3, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a3, 77n);
      r.step(2);
      assert.notEqual(r.x(a2), 0n);
      assert.notEqual(r.x(a0), 0n);
      assert.equal(r.peek64(DATA), 5n);
    });
    it('sc to an address outside the reservation fails, and the reservation is gone afterwards', () => {
      const r = new Rig();
      r.poke64(DATA, 1n); r.poke64(DATA + 64, 2n);
      r.code(BASE, [A.lr_d(a0, a1), A.sc_d(a2, a3, a5), A.sc_d(s0, a3, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a5, BigInt(DATA + 64)); r.setX(a3, 9n);
      r.step(2);
      assert.notEqual(r.x(a2), 0n, 'sc.d to another address must fail');
      assert.equal(r.peek64(DATA + 64), 2n);
      // "Regardless of success or failure, executing an SC instruction invalidates any reservation held by this hart."
      r.step();
      assert.notEqual(r.x(s0), 0n, 'the first sc consumed the reservation');
      assert.equal(r.peek64(DATA), 1n);
    });
    it('a second sc after a successful one fails', () => {
      const r = new Rig();
      r.code(BASE, [A.lr_w(a0, a1), A.sc_w(a2, a3, a1), A.sc_w(s0, a3, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a3, 1n);
      r.step(3);
      assert.equal(r.x(a2), 0n);
      assert.notEqual(r.x(s0), 0n);
    });
    it('a store by another hart to the reserved address makes sc fail', () => {
      const r = new Rig({ harts: 2 });
      r.code(BASE, [A.lr_d(a0, a1), A.sc_d(a2, a3, a1)], 0);
      r.code(BASE + 0x100, [A.sd(a3, a1, 0)], 1);
      r.setX(a1, BigInt(DATA), 0); r.setX(a3, 11n, 0);
      r.setX(a1, BigInt(DATA), 1); r.setX(a3, 22n, 1);
      r.step(1, 0);
      r.step(1, 1);
      r.step(1, 0);
      assert.notEqual(r.x(a2), 0n);
      assert.equal(r.peek64(DATA), 22n);
    });
    it('misaligned lr raises load address-misaligned (or access fault), misaligned sc store/AMO misaligned (or access fault)', () => {
      const r = new Rig();
      r.code(BASE, [A.lr_w(a0, a1)]);
      r.setX(a1, BigInt(DATA + 2));
      r.step();
      assert.equal(r.pc(), M_TRAP);
      assert.ok([4n, 5n].includes(r.csr(CSR.mcause)), `mcause ${r.csr(CSR.mcause)}`);
      r.code(BASE, [A.sc_d(a0, a2, a1)]);
      r.setX(a1, BigInt(DATA + 4));
      r.step();
      assert.equal(r.pc(), M_TRAP);
      assert.ok([6n, 7n].includes(r.csr(CSR.mcause)), `mcause ${r.csr(CSR.mcause)}`);
    });
  });

  describe('AMOs (Unpriv §8.4): old value to rd, memory updated', () => {
    type AmoRef = (m: bigint, r: bigint, bits: 32 | 64) => bigint; // operands unsigned, of `bits` bits
    const sx = (v: bigint, b: 32 | 64) => BigInt.asIntN(b, v);
    const ops: [string, AmoRef][] = [
      ['amoswap', (_m, r) => r],
      ['amoadd', (m, r) => m + r],
      ['amoxor', (m, r) => m ^ r],
      ['amoand', (m, r) => m & r],
      ['amoor', (m, r) => m | r],
      ['amomin', (m, r, b) => (sx(m, b) < sx(r, b) ? m : r)],
      ['amomax', (m, r, b) => (sx(m, b) > sx(r, b) ? m : r)],
      ['amominu', (m, r) => (m < r ? m : r)],
      ['amomaxu', (m, r) => (m > r ? m : r)],
    ];
    const enc = A as unknown as Record<string, (rd: number, rs2: number, rs1: number) => number>;
    const pairs64: [bigint, bigint][] = [
      [u64(-1n), 1n], [1n, u64(-1n)], [INT64_MIN, INT64_MIN - 1n], [INT64_MIN - 1n, INT64_MIN], [0n, 0n], [5n, 5n],
      [0xffff_ffffn, 0x1_0000_0000n], [0x1234_5678_9abc_def0n, 0x0fed_cba9_8765_4321n], [0x8000_0000n, 0xffff_ffff_8000_0000n],
    ];
    const pairs32: [bigint, bigint][] = [
      [0xffff_ffffn, 1n], [1n, 0xffff_ffffn], [0x7fff_ffffn, 0x8000_0000n], [0x8000_0000n, 0x7fff_ffffn], [0n, 0n],
      [0xffff_fff0n, 0x20n], [0x1234_5678n, 0x9abc_def0n],
    ];
    for (const [name, ref] of ops) {
      it(`${name}.d`, () => {
        const r = new Rig();
        r.put(BASE, enc[`${name}_d`](a0, a2, a1));
        for (const [m, v] of pairs64) {
          r.poke64(DATA + 8, m);
          exec1(r, BASE, [[a1, BigInt(DATA + 8)], [a2, v]]);
          noTrap(r, BASE + 4, name);
          assert.equal(hex(r.x(a0)), hex(m), `${name}.d rd (mem ${hex(m)}, rs2 ${hex(v)})`);
          assert.equal(hex(r.peek64(DATA + 8)), hex(u64(ref(m, v, 64))), `${name}.d memory (mem ${hex(m)}, rs2 ${hex(v)})`);
        }
      });
      it(`${name}.w: 32-bit operation, rd sign-extended, neighbouring word untouched, rs2[63:32] ignored`, () => {
        const r = new Rig();
        r.put(BASE, enc[`${name}_w`](a0, a2, a1));
        for (const at of [DATA + 8, DATA + 12]) {
          for (const [m, v] of pairs32) {
            r.poke64(DATA + 8, 0x5555_5555_5555_5555n);
            r.poke32(at, Number(m));
            const garbage = 0xdead_beef_0000_0000n; // upper half of rs2 must not take part
            exec1(r, BASE, [[a1, BigInt(at)], [a2, garbage | v]]);
            noTrap(r, BASE + 4, name);
            assert.equal(hex(r.x(a0)), hex(sx32(m)), `${name}.w rd (mem ${hex(m)}, rs2 ${hex(v)})`);
            assert.equal(hex(r.peek32(at)), hex(lo32(ref(m, v, 32))), `${name}.w memory (mem ${hex(m)}, rs2 ${hex(v)})`);
            const other = at === DATA + 8 ? DATA + 12 : DATA + 8;
            assert.equal(r.peek32(other), 0x5555_5555, `${name}.w touched the other half`);
          }
        }
      });
    }
    it('amoswap with rd = rs2 swaps register and memory', () => {
      const r = new Rig();
      r.poke64(DATA, 111n);
      r.code(BASE, [A.amoswap_d(a2, a2, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a2, 222n);
      r.step();
      assert.equal(r.x(a2), 111n);
      assert.equal(r.peek64(DATA), 222n);
    });
    it('amoadd with rd = x0 still updates memory', () => {
      const r = new Rig();
      r.poke64(DATA, 40n);
      r.code(BASE, [A.amoadd_d(zero, a2, a1)]);
      r.setX(a1, BigInt(DATA)); r.setX(a2, 2n);
      r.step();
      assert.equal(r.peek64(DATA), 42n);
      assert.equal(r.x(0), 0n);
    });
    it('a misaligned AMO raises store/AMO address-misaligned or access fault, memory untouched', () => {
      const r = new Rig();
      r.poke64(DATA, 0x1234n);
      r.code(BASE, [A.amoadd_w(a0, a2, a1)]);
      r.setX(a1, BigInt(DATA + 2)); r.setX(a2, 1n); r.setX(a0, 7n);
      r.step();
      assert.equal(r.pc(), M_TRAP);
      assert.ok([6n, 7n].includes(r.csr(CSR.mcause)), `mcause ${r.csr(CSR.mcause)}`);
      assert.equal(r.peek64(DATA), 0x1234n);
      assert.equal(r.x(a0), 7n);
    });
  });

  describe('compressed instructions (Unpriv §16)', () => {
    function run1(insn: number, regs: [number, bigint][], at = BASE): Rig {
      const r = new Rig();
      r.code(at, [insn]);
      for (const [i, v] of regs) r.setX(i, v);
      r.step();
      return r;
    }
    it('advance pc by 2', () => {
      const r = run1(A.c_nop(), []);
      assert.equal(r.pc(), BASE + 2);
    });
    it('c.addi, c.li, c.addiw, c.lui sign-extend their immediates', () => {
      assert.equal(hex(run1(A.c_addi(a0, -32), [[a0, 10n]]).x(a0)), hex(u64(-22n)));
      assert.equal(hex(run1(A.c_addi(t6, 31), [[t6, u64(-1n)]]).x(t6)), hex(30n));
      assert.equal(hex(run1(A.c_li(a5, -32), [[a5, 1234n]]).x(a5)), hex(u64(-32n)));
      assert.equal(hex(run1(A.c_addiw(a0, -1), [[a0, 0x8000_0000n]]).x(a0)), hex(0x7fff_ffffn));
      assert.equal(hex(run1(A.c_addiw(a0, 1), [[a0, 0x7fff_ffffn]]).x(a0)), hex(0xffff_ffff_8000_0000n));
      assert.equal(hex(run1(A.c_addiw(a0, 0), [[a0, 0x1_8000_0000n]]).x(a0)), hex(0xffff_ffff_8000_0000n)); // sext.w
      assert.equal(hex(run1(A.c_lui(a0, 0xfffe0), []).x(a0)), hex(0xffff_ffff_fffe_0000n));
      assert.equal(hex(run1(A.c_lui(t6, 0x1f), []).x(t6)), hex(0x1f000n));
    });
    it('c.addi16sp and c.addi4spn scale their immediates', () => {
      const sp0 = BigInt(DATA + 0x1000);
      assert.equal(run1(A.c_addi16sp(-512), [[sp, sp0]]).x(sp), sp0 - 512n);
      assert.equal(run1(A.c_addi16sp(496), [[sp, sp0]]).x(sp), sp0 + 496n);
      assert.equal(run1(A.c_addi4spn(a0, 1020), [[sp, sp0]]).x(a0), sp0 + 1020n);
      assert.equal(run1(A.c_addi4spn(s0, 4), [[sp, sp0]]).x(s0), sp0 + 4n);
    });
    it('c.slli, c.srli, c.srai (6-bit shift amounts)', () => {
      assert.equal(hex(run1(A.c_slli(t6, 63), [[t6, 1n]]).x(t6)), hex(1n << 63n));
      assert.equal(hex(run1(A.c_slli(a0, 32), [[a0, 0x8000_0001n]]).x(a0)), hex(0x8000_0001_0000_0000n));
      assert.equal(hex(run1(A.c_srli(a0, 63), [[a0, INT64_MIN]]).x(a0)), hex(1n));
      assert.equal(hex(run1(A.c_srli(a0, 32), [[a0, u64(-1n)]]).x(a0)), hex(0xffff_ffffn));
      assert.equal(hex(run1(A.c_srai(s0, 1), [[s0, u64(-4n)]]).x(s0)), hex(u64(-2n)));
      assert.equal(hex(run1(A.c_srai(s0, 40), [[s0, INT64_MIN]]).x(s0)), hex(u64(-(1n << 23n))));
    });
    it('c.andi and the CA-format ops', () => {
      assert.equal(hex(run1(A.c_andi(a1, -16), [[a1, u64(-1n)]]).x(a1)), hex(u64(-16n)));
      assert.equal(hex(run1(A.c_andi(a1, 0x10), [[a1, 0xffn]]).x(a1)), hex(0x10n));
      const pair: [number, bigint][] = [[a0, 0x1_0000_0003n], [a1, 5n]];
      assert.equal(hex(run1(A.c_sub(a0, a1), pair).x(a0)), hex(0xffff_fffen));
      assert.equal(hex(run1(A.c_xor(a0, a1), pair).x(a0)), hex(0x1_0000_0006n));
      assert.equal(hex(run1(A.c_or(a0, a1), pair).x(a0)), hex(0x1_0000_0007n));
      assert.equal(hex(run1(A.c_and(a0, a1), pair).x(a0)), hex(1n));
      assert.equal(hex(run1(A.c_subw(a0, a1), pair).x(a0)), hex(u64(-2n)));
      assert.equal(hex(run1(A.c_addw(a0, a1), [[a0, 0x7fff_ffffn], [a1, 1n]]).x(a0)), hex(0xffff_ffff_8000_0000n));
    });
    it('c.mv and c.add', () => {
      assert.equal(run1(A.c_mv(a0, t6), [[t6, 0x1234_5678_9n]]).x(a0), 0x1234_5678_9n);
      assert.equal(hex(run1(A.c_add(a0, a1), [[a0, u64(-1n)], [a1, 2n]]).x(a0)), hex(1n));
    });
    it('c.lw sign-extends, c.ld, c.sw, c.sd', () => {
      let r = new Rig();
      r.poke32(DATA + 124, 0x8000_0000); r.code(BASE, [A.c_lw(a0, a1, 124)]); r.setX(a1, BigInt(DATA)); r.step();
      assert.equal(hex(r.x(a0)), hex(0xffff_ffff_8000_0000n));
      r = new Rig();
      r.poke64(DATA + 248, 0x8877_6655_4433_2211n); r.code(BASE, [A.c_ld(a0, a1, 248)]); r.setX(a1, BigInt(DATA)); r.step();
      assert.equal(hex(r.x(a0)), hex(0x8877_6655_4433_2211n));
      r = new Rig();
      r.poke64(DATA + 64, u64(-1n)); r.code(BASE, [A.c_sw(a0, a1, 64)]); r.setX(a1, BigInt(DATA)); r.setX(a0, 0x1234_5678_0000_0001n); r.step();
      assert.equal(hex(r.peek64(DATA + 64)), hex(0xffff_ffff_0000_0001n));
      r = new Rig();
      r.code(BASE, [A.c_sd(s1, s0, 8)]); r.setX(s0, BigInt(DATA)); r.setX(s1, 0x0102_0304_0506_0708n); r.step();
      assert.equal(hex(r.peek64(DATA + 8)), hex(0x0102_0304_0506_0708n));
    });
    it('sp-relative c.lwsp, c.ldsp, c.swsp, c.sdsp', () => {
      const r = new Rig();
      r.poke32(DATA + 252, 0xffff_fffe);
      r.poke64(DATA + 504, 0x0bad_cafe_dead_beefn);
      r.code(BASE, [A.c_lwsp(a0, 252), A.c_ldsp(t6, 504), A.c_swsp(t6, 16), A.c_sdsp(t6, 24)]);
      r.setX(sp, BigInt(DATA));
      r.step(4);
      assert.equal(hex(r.x(a0)), hex(u64(-2n)));
      assert.equal(hex(r.x(t6)), hex(0x0bad_cafe_dead_beefn));
      assert.equal(r.peek32(DATA + 16), 0xdead_beef);
      assert.equal(hex(r.peek64(DATA + 24)), hex(0x0bad_cafe_dead_beefn));
      assert.equal(r.pc(), BASE + 8);
    });
    it('c.j, c.beqz, c.bnez (not taken: pc + 2)', () => {
      const at = BASE + 0x1000;
      assert.equal(run1(A.c_j(-2048), [], at).pc(), at - 2048);
      assert.equal(run1(A.c_j(2046), [], at).pc(), at + 2046);
      assert.equal(run1(A.c_beqz(a0, -256), [[a0, 0n]], at).pc(), at - 256);
      assert.equal(run1(A.c_beqz(a0, -256), [[a0, 1n << 40n]], at).pc(), at + 2);
      assert.equal(run1(A.c_bnez(s1, 254), [[s1, 1n << 40n]], at).pc(), at + 254);
      assert.equal(run1(A.c_bnez(s1, 254), [[s1, 0n]], at).pc(), at + 2);
    });
    it('c.jr jumps; c.jalr links pc + 2 (and reads rs1 before writing ra)', () => {
      let r = run1(A.c_jr(a0), [[a0, BigInt(BASE + 0x81)]]);
      assert.equal(hex(r.pc()), hex(BASE + 0x80));
      r = run1(A.c_jalr(a0), [[a0, BigInt(BASE + 0x80)]], BASE + 0x10);
      assert.equal(hex(r.pc()), hex(BASE + 0x80));
      assert.equal(hex(r.x(ra)), hex(BASE + 0x12));
      r = run1(A.c_jalr(ra), [[ra, BigInt(BASE + 0x40)]], BASE + 0x10);
      assert.equal(hex(r.pc()), hex(BASE + 0x40));
      assert.equal(hex(r.x(ra)), hex(BASE + 0x12));
    });
    it('16- and 32-bit instructions mix, and 32-bit ones may sit at 2-byte alignment', () => {
      const r = new Rig();
      r.code(BASE, [A.c_li(a0, 1), A.addi(a0, a0, 2), A.c_addi(a0, 3), A.slli(a0, a0, 4)]);
      const pcs = [BASE + 2, BASE + 6, BASE + 8, BASE + 12];
      for (const pc of pcs) { r.step(); assert.equal(r.pc(), pc); }
      assert.equal(r.x(a0), 96n);
    });
    it('a 32-bit instruction straddling a page boundary executes', () => {
      const r = new Rig();
      r.code(BASE + 0xffe, [A.addi(a0, a0, 5), A.c_addi(a0, 1)]);
      r.setX(a0, 10n);
      r.step();
      assert.equal(r.x(a0), 15n);
      assert.equal(r.pc(), BASE + 0x1002);
      r.step();
      assert.equal(r.x(a0), 16n);
    });
  });

  describe('x0', () => {
    it('writes to x0 are discarded by every kind of instruction', () => {
      const r = new Rig();
      r.poke64(DATA, 0x55n);
      r.code(BASE, [
        A.addi(zero, zero, 5), A.lui(zero, 0x12345), A.auipc(zero, 1), A.add(zero, a1, a1), A.ld(zero, a2, 0),
        A.amoswap_d(zero, a1, a2), A.csrrs(zero, CSR.mscratch, zero), A.c_li(zero, 5), A.c_mv(zero, a1), A.c_add(zero, a1),
        A.jal(zero, 4), A.add(a0, zero, zero),
      ]);
      r.setX(a1, 0x77n); r.setX(a2, BigInt(DATA)); r.setX(a0, 1n);
      r.setCsr(CSR.mscratch, 0x99n);
      for (let i = 0; i < 12; i++) {
        r.step();
        assert.equal(r.x(0), 0n, `after instruction ${i}`);
        assert.notEqual(r.pc(), M_TRAP, `instruction ${i} trapped`);
      }
      assert.equal(r.x(a0), 0n, 'x0 reads as 0 as a source');
      assert.equal(r.peek64(DATA), 0x77n, 'amoswap with rd = x0 still stores');
    });
    it('setX(0, …) from the host is ignored too', () => {
      const r = new Rig();
      r.setX(0, 5n);
      assert.equal(r.x(0), 0n);
    });
  });

  describe('fences', () => {
    it('fence, fence.tso and fence.i only advance pc', () => {
      const r = new Rig();
      r.code(BASE, [A.fence(), 0x8330000f, A.fence_i(), A.fence(3, 1)]);
      for (let i = 1; i <= 4; i++) { r.step(); assert.equal(r.pc(), BASE + 4 * i); }
    });
  });
});
