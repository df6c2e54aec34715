// PMP (privileged spec §3.7): region decoding for TOR/NA4/NAPOT, the matching and priority rules of pmpAllows,
// and the pmpcfg/pmpaddr CSR rules (WARL, locking) through a hart.
import { strict as assert } from 'assert';
import { decodePmp, pmpAllows, PmpRegion, PMP_R, PMP_W, PMP_X } from '../../engine/mmu/pmp';
import * as A from '../support/asm';
import { X } from '../support/asm';
import { BASE, CSR, hex, M_TRAP, napot, Rig } from '../cpu/harness';

const { a0, a1 } = X;
const OFF = 0, TOR = 1 << 3, NA4 = 2 << 3, NAPOT = 3 << 3, L = 0x80;
const M = 3, S = 1, U = 0;

/** Decodes up to 16 entries given as [cfg byte, pmpaddr]; missing entries are OFF. */
function regions(entries: [number, bigint][]): PmpRegion[] {
  const cfg: number[] = [], addr: bigint[] = [];
  for (let i = 0; i < 16; i++) {
    cfg.push(entries[i]?.[0] ?? OFF);
    addr.push(entries[i]?.[1] ?? 0n);
  }
  return decodePmp(cfg, addr);
}

function active(rs: PmpRegion[]): { start: number; end: number; perms: number; locked: boolean }[] {
  return rs.filter((r) => r.end > r.start).map((r) => ({ start: r.start, end: r.end, perms: r.perms, locked: r.locked }));
}

describe('mmu/pmp', () => {
  describe('decodePmp (Priv §3.7.1, Table "NAPOT range encoding")', () => {
    it('TOR: entry 0 spans [0, pmpaddr0 << 2); entry i spans [pmpaddr(i-1) << 2, pmpaddr(i) << 2)', () => {
      const rs = regions([[TOR | PMP_R, 0x8000_1000n >> 2n], [TOR | PMP_R | PMP_W, 0x8000_3000n >> 2n]]);
      assert.deepEqual(rs[0], { start: 0, end: 0x8000_1000, perms: PMP_R, locked: false });
      assert.deepEqual(rs[1], { start: 0x8000_1000, end: 0x8000_3000, perms: PMP_R | PMP_W, locked: false });
    });
    it('TOR takes its base from the previous pmpaddr even when that entry is OFF or NAPOT', () => {
      const rs = regions([[OFF, 0x4000n >> 2n], [TOR | PMP_X, 0x5000n >> 2n]]);
      assert.deepEqual(active(rs), [{ start: 0x4000, end: 0x5000, perms: PMP_X, locked: false }]);
    });
    it('TOR with pmpaddr(i-1) >= pmpaddr(i) matches nothing', () => {
      const rs = regions([[OFF, 0x5000n >> 2n], [TOR | PMP_R, 0x5000n >> 2n], [TOR | PMP_R, 0x4000n >> 2n]]);
      assert.deepEqual(active(rs), []);
      assert.equal(pmpAllows(rs, 0x4800, 4, PMP_R, U), false, 'no match: U fails');
    });
    it('NA4 is the 4-byte region at pmpaddr << 2', () => {
      const rs = regions([[NA4 | PMP_R | PMP_W | PMP_X, 0x8000_0104n >> 2n]]);
      assert.deepEqual(active(rs), [{ start: 0x8000_0104, end: 0x8000_0108, perms: 7, locked: false }]);
    });
    it('NAPOT encodes every size from 8 bytes to 4 GiB by trailing ones', () => {
      for (let k = 3n; k <= 32n; k++) {
        const size = 1n << k;
        for (const base of [0x1_0000_0000n, 0x3_0000_0000n]) {
          const rs = regions([[NAPOT | PMP_R, napot(base, size)]]);
          assert.deepEqual(active(rs), [{ start: Number(base), end: Number(base + size), perms: PMP_R, locked: false }],
            `NAPOT 2^${k} at ${hex(base)}`);
        }
      }
    });
    it('NAPOT of 8 bytes is pmpaddr with no trailing one; a trailing 0 then ones give 16', () => {
      assert.deepEqual(active(regions([[NAPOT | PMP_R, 0x8000_0008n >> 2n]])), [{ start: 0x8000_0008, end: 0x8000_0010, perms: 1, locked: false }]);
      assert.deepEqual(active(regions([[NAPOT | PMP_R, (0x8000_0010n >> 2n) | 1n]])), [{ start: 0x8000_0010, end: 0x8000_0020, perms: 1, locked: false }]);
    });
    it('NAPOT with all 54 bits set covers the whole 56-bit physical address space', () => {
      const rs = regions([[NAPOT | 7, (1n << 54n) - 1n]]);
      assert.equal(rs[0].start, 0);
      assert.ok(rs[0].end >= 2 ** 56, `end ${hex(rs[0].end)}`);
    });
    it('records the L bit', () => {
      assert.equal(regions([[NA4 | L | PMP_R, 0x100n]])[0].locked, true);
    });
  });

  describe('pmpAllows (Priv §3.7.1.3 priority and matching)', () => {
    const rs = regions([
      [NA4, 0x8000_0100n >> 2n], // no permissions on [0x80000100, 0x80000104)
      [NAPOT | PMP_R, napot(0x8000_0000n, 0x1000n)], // R on the first page
      [NAPOT | PMP_R | PMP_W | PMP_X, napot(0x8000_0000n, 0x1_0000n)], // RWX on the first 64 KiB
    ]);
    it('the lowest-numbered matching entry decides', () => {
      assert.equal(pmpAllows(rs, 0x8000_0100, 4, PMP_R, U), false, 'entry 0 denies');
      assert.equal(pmpAllows(rs, 0x8000_0104, 4, PMP_R, U), true, 'entry 1 allows R');
      assert.equal(pmpAllows(rs, 0x8000_0104, 4, PMP_W, U), false, 'entry 1 denies W although entry 2 would allow it');
      assert.equal(pmpAllows(rs, 0x8000_1000, 4, PMP_W, S), true, 'entry 2');
      assert.equal(pmpAllows(rs, 0x8000_1000, 2, PMP_X, U), true, 'entry 2 X');
    });
    it('an access matching only part of an entry fails, for every privilege and whatever the permissions', () => {
      assert.equal(pmpAllows(rs, 0x8000_00fe, 4, PMP_R, U), false, 'straddles into entry 0');
      assert.equal(pmpAllows(rs, 0x8000_0fff, 2, PMP_R, U), false, 'straddles the end of entry 1');
      assert.equal(pmpAllows(rs, 0x8000_00fe, 4, PMP_R, M), false, 'M too (irrespective of L, R, W, X)');
      assert.equal(pmpAllows(rs, 0x8000_fffc, 8, PMP_R, M), false, 'M across the end of the last entry');
    });
    it('exact boundaries match', () => {
      assert.equal(pmpAllows(rs, 0x8000_0ffc, 4, PMP_R, U), true);
      assert.equal(pmpAllows(rs, 0x8000_0104, 8, PMP_R, U), true);
      assert.equal(pmpAllows(rs, 0x8000_fff8, 8, PMP_W, U), true);
    });
    it('no matching entry: M succeeds, S and U fail', () => {
      assert.equal(pmpAllows(rs, 0x9000_0000, 4, PMP_W, M), true);
      assert.equal(pmpAllows(rs, 0x9000_0000, 4, PMP_R, S), false);
      assert.equal(pmpAllows(rs, 0x9000_0000, 4, PMP_X, U), false);
    });
    it('unlocked entries do not restrict M', () => {
      assert.equal(pmpAllows(rs, 0x8000_0100, 4, PMP_W, M), true);
      assert.equal(pmpAllows(rs, 0x8000_0200, 4, PMP_X, M), true);
    });
    it('locked entries restrict M too', () => {
      const locked = regions([[NAPOT | L | PMP_R, napot(0x8000_0000n, 0x1000n)], [NAPOT | 7, (1n << 54n) - 1n]]);
      assert.equal(pmpAllows(locked, 0x8000_0010, 4, PMP_R, M), true);
      assert.equal(pmpAllows(locked, 0x8000_0010, 4, PMP_W, M), false);
      assert.equal(pmpAllows(locked, 0x8000_0010, 2, PMP_X, M), false);
      assert.equal(pmpAllows(locked, 0x8000_2000, 4, PMP_W, M), true, 'outside the locked entry');
    });
    it('OFF entries never match', () => {
      const rs2 = regions([[OFF | PMP_R, (1n << 54n) - 1n]]);
      assert.equal(pmpAllows(rs2, 0x8000_0000, 4, PMP_R, U), false);
    });
  });

  describe('pmpcfg and pmpaddr CSRs (Priv §3.7.1)', () => {
    const cfgByte = (r: Rig, i: number) => Number((r.csr(i < 8 ? CSR.pmpcfg0 : CSR.pmpcfg2) >> BigInt(8 * (i & 7))) & 0xffn);

    it('pmpaddr holds bits 55:2: bits 63:54 are read-only zero', () => {
      const r = new Rig();
      r.setCsr(CSR.pmpaddr0 + 3, -1n);
      assert.equal(hex(r.csr(CSR.pmpaddr0 + 3)), hex((1n << 54n) - 1n));
    });
    it('pmpcfg: bits 6:5 read zero, and the reserved R=0 W=1 combination is not stored', () => {
      const r = new Rig();
      r.setCsr(CSR.pmpcfg0, 0x0000_0000_0000_7f62n); // entry 0: 0x62 = bits 6:5 + W; entry 1: 0x7f
      const b0 = cfgByte(r, 0), b1 = cfgByte(r, 1);
      assert.equal(b0 & 0x60, 0, 'bits 6:5 of entry 0');
      assert.equal(b1 & 0x60, 0, 'bits 6:5 of entry 1');
      assert.notEqual(b0 & 3, 2, 'R=0, W=1 is reserved (WARL)');
      assert.equal(b1 & 0x1f, 0x1f);
    });
    it('pmpcfg2 configures entries 8–15', () => {
      const r = new Rig();
      r.setCsr(CSR.pmpcfg2, 0x1f00_0000_0000_0019n);
      assert.equal(cfgByte(r, 8), 0x19);
      assert.equal(cfgByte(r, 15), 0x1f);
    });
    it('a locked entry ignores writes to its cfg and pmpaddr; its neighbours stay writable; L stays set', () => {
      const r = new Rig();
      r.setCsr(CSR.pmpaddr0 + 1, 0x1234n);
      r.setCsr(CSR.pmpcfg0, BigInt((L | NA4 | PMP_R) << 8));
      r.setCsr(CSR.pmpcfg0, 0x0000_0000_0000_1f1fn); // try to rewrite entry 1 and write entry 0
      assert.equal(cfgByte(r, 1), L | NA4 | PMP_R, 'locked cfg unchanged, L not cleared');
      assert.equal(cfgByte(r, 0), 0x1f, 'entry 0 is still writable');
      r.setCsr(CSR.pmpaddr0 + 1, 0x9999n);
      assert.equal(r.csr(CSR.pmpaddr0 + 1), 0x1234n, 'locked pmpaddr unchanged');
    });
    it('a locked TOR entry also locks the pmpaddr below it', () => {
      const r = new Rig();
      r.setCsr(CSR.pmpaddr0 + 2, 0x100n);
      r.setCsr(CSR.pmpaddr0 + 3, 0x200n);
      r.setCsr(CSR.pmpcfg0, BigInt(L | TOR | PMP_R) << 24n);
      r.setCsr(CSR.pmpaddr0 + 2, 0x50n);
      assert.equal(r.csr(CSR.pmpaddr0 + 2), 0x100n);
      r.setCsr(CSR.pmpaddr0 + 1, 0x50n);
      assert.equal(r.csr(CSR.pmpaddr0 + 1), 0x50n, 'only pmpaddr(i-1) is locked');
    });
    it('the odd pmpcfg registers do not exist on RV64 (csrr pmpcfg1 is illegal)', () => {
      const r = new Rig();
      r.code(BASE, [A.csrr(a0, 0x3a1), A.csrw(0x3a3, a1)]);
      r.step();
      assert.equal(r.pc(), M_TRAP);
      assert.equal(r.csr(CSR.mcause), 2n);
    });
    it('PMP CSRs are M-only', () => {
      const r = new Rig();
      r.allowAllPmp();
      r.code(BASE, [A.csrr(a0, CSR.pmpcfg0)]);
      r.setPriv(1);
      r.step();
      assert.equal(r.pc(), M_TRAP);
      assert.equal(r.csr(CSR.mcause), 2n);
    });
  });
});
