// Sstc with the H extension: henvcfg.STCE, vstimecmp and the VS timer (hip.VSTIP = hvip.VSTIP OR
// (time + htimedelta ≥ vstimecmp)), stimecmp from VS reaching vstimecmp, and the illegal/virtual-instruction rules.
// Time is deterministic: the Machine advances mtime one tick per INSNS_PER_TICK retired instructions.
import { strict as assert } from 'assert';
import { INSNS_PER_TICK } from '../../engine/machine';
import * as A from '../support/asm';
import { J_SELF, X } from '../support/asm';
import { CSR, hex, INTERRUPT, MS, PRIV_M, PRIV_S, PRIV_U, Rig, u64 } from './harness';
import { CODE, HCSR, hrig, runIn, setMode, trapSeen } from './h-harness';

const { zero, a0, a1, a2, t0 } = X;
const STCE = 1n << 63n;
const VSTIP = 0x40n;
const VSTIMECMP = 0x24d;
const ILLEGAL = 2n, VIRTUAL = 22n;

const mtime = (r: Rig) => BigInt(r.hart().env.mtime());

/** Sstc switches: menvcfg.STCE, mcounteren.TM, henvcfg.STCE, hcounteren.TM. */
function sstc(r: Rig, m: boolean, mtm: boolean, h: boolean, htm: boolean): void {
  r.setCsr(HCSR.menvcfg, m ? STCE : 0n);
  r.setCsr(HCSR.henvcfg, h ? STCE : 0n);
  r.setCsr(CSR.mcounteren, mtm ? 2n : 0n);
  r.setCsr(HCSR.hcounteren, htm ? 2n : 0n);
}

/** Runs one CSR instruction in (priv, virt) with Sstc switches; the cause it trapped with, or undefined. */
function access(insn: number, priv: 0 | 1 | 3, virt: boolean, sw: [boolean, boolean, boolean, boolean]): { r: Rig; cause: bigint | undefined } {
  const r = hrig();
  runIn(r, priv, virt, [insn], 1, (rr) => sstc(rr, ...sw));
  const t = trapSeen(r);
  if (t.to === 'none') return { r, cause: undefined };
  assert.equal(t.to, 'M');
  assert.equal(hex(t.tval), hex(insn));
  return { r, cause: t.cause };
}

describe('cpu/sstc-h: vstimecmp and the VS timer (Sstc with H)', () => {
  describe('henvcfg.STCE', () => {
    it('is writable only while menvcfg.STCE = 1, and reads as zero while menvcfg.STCE = 0', () => {
      const r = new Rig();
      r.setCsr(HCSR.henvcfg, u64(-1n));
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(1n), 'menvcfg.STCE = 0: only FIOM');
      r.setCsr(HCSR.menvcfg, STCE);
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(1n), 'the write above did not set STCE');
      r.setCsr(HCSR.henvcfg, u64(-1n));
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(STCE | 1n));
      r.setCsr(HCSR.menvcfg, 0n);
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(1n), 'read-only zero once menvcfg.STCE is cleared');
      r.setCsr(HCSR.henvcfg, 0n);
      r.setCsr(HCSR.menvcfg, STCE);
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(STCE), 'a write while read-only zero leaves the stored bit (as QEMU)');
      r.setCsr(HCSR.henvcfg, 0n);
      assert.equal(hex(r.csr(HCSR.henvcfg)), hex(0n));
    });
    it('vstimecmp and htimedelta hold 64 bits', () => {
      const r = new Rig();
      r.setCsr(VSTIMECMP, 0x1234_5678_9abc_def0n);
      assert.equal(hex(r.csr(VSTIMECMP)), hex(0x1234_5678_9abc_def0n));
      r.setCsr(HCSR.htimedelta, 0xfedc_ba98_7654_3210n);
      assert.equal(hex(r.csr(HCSR.htimedelta)), hex(0xfedc_ba98_7654_3210n));
    });
  });

  describe('VSTIP follows time + htimedelta ≥ vstimecmp', () => {
    /** A rig with Sstc on at every level, htimedelta = delta and vstimecmp `ticks` ticks ahead of virtual time. */
    function timerRig(delta: bigint, ticks: bigint): { r: Rig; due: bigint } {
      const r = hrig();
      sstc(r, true, true, true, true);
      r.setCsr(HCSR.htimedelta, u64(delta));
      const due = mtime(r) + ticks;
      r.setCsr(VSTIMECMP, u64(due + delta));
      return { r, due };
    }

    it('rises exactly at the tick where time + htimedelta reaches vstimecmp (carry across bit 32)', () => {
      const { r, due } = timerRig(0xffff_fffdn, 20n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, 0n, 'not yet');
      // M-mode poll: loop: csrr a0, hip; andi a0, a0, 0x40; beq a0, zero, loop; csrr a1, time; j .
      r.code(CODE, [A.csrr(a0, HCSR.hip), A.andi(a0, a0, 0x40), A.beq(a0, zero, -8), A.csrr(a1, CSR.time), J_SELF]);
      r.m.run(Number(40n * BigInt(INSNS_PER_TICK)));
      assert.equal(r.x(a0), VSTIP, 'seen');
      assert.equal(r.x(a1), due, 'time when VSTIP was first seen: the deadline, neither earlier nor later');
      assert.equal(r.csr(HCSR.hvip) & VSTIP, 0n, 'hvip.VSTIP is untouched');
      assert.equal(r.csr(CSR.mip) & VSTIP, VSTIP, 'mip.VSTIP');
    });
    it('falls when vstimecmp or htimedelta moves the comparison into the future; with henvcfg.STCE = 0 it is never driven', () => {
      const { r, due } = timerRig(1000n, 0n);
      r.step(1);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP, 'due at once');
      r.setCsr(VSTIMECMP, u64(due + 1000n + 100n));
      assert.equal(r.csr(HCSR.hip) & VSTIP, 0n, 'vstimecmp in the future');
      r.setCsr(HCSR.htimedelta, 1000n + 100n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP, 'htimedelta moves virtual time up to it');
      r.setCsr(HCSR.henvcfg, 0n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, 0n, 'henvcfg.STCE = 0');
      r.setCsr(HCSR.henvcfg, STCE);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP);
      r.setCsr(HCSR.menvcfg, 0n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, 0n, 'menvcfg.STCE = 0 (henvcfg.STCE reads zero)');
    });
    it('hip.VSTIP is the OR of hvip.VSTIP and the vstimecmp signal (Priv §13.2.3)', () => {
      const { r } = timerRig(0n, 1000n);
      r.setCsr(HCSR.hvip, VSTIP);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP, 'hvip alone');
      r.setCsr(VSTIMECMP, 0n);
      r.setCsr(HCSR.hvip, 0n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP, 'timer alone');
      assert.equal(r.csr(HCSR.hvip) & VSTIP, 0n, 'hvip reads its own bit only');
      r.setCsr(HCSR.hideleg, VSTIP);
      assert.equal(r.csr(HCSR.vsip), 0x20n, 'vsip.STIP');
    });
    it('time + htimedelta wraps mod 2^64: the signal falls at the wrap and rises again at vstimecmp', () => {
      const r = hrig();
      sstc(r, true, true, true, true);
      const t0 = mtime(r);
      r.setCsr(HCSR.htimedelta, u64(-t0 - 5n)); // virtual time 2^64 - 5 now
      r.setCsr(VSTIMECMP, 10n);
      assert.equal(r.csr(HCSR.hip) & VSTIP, VSTIP, '2^64 - 5 ≥ 10');
      // M-mode: wait for VSTIP to fall, note the time, wait for it to rise, note the time.
      r.code(CODE, [
        A.csrr(a0, HCSR.hip), A.andi(a0, a0, 0x40), A.bne(a0, zero, -8), A.csrr(a1, CSR.time),
        A.csrr(a0, HCSR.hip), A.andi(a0, a0, 0x40), A.beq(a0, zero, -8), A.csrr(a2, CSR.time), J_SELF,
      ]);
      r.m.run(40 * INSNS_PER_TICK);
      assert.equal(r.x(a1), t0 + 5n, 'fell at the wrap');
      assert.equal(r.x(a2), t0 + 15n, 'rose at virtual time 10');
    });
  });

  describe('access (Sstc: stimecmp, vstimecmp, henvcfg)', () => {
    const on: [boolean, boolean, boolean, boolean] = [true, true, true, true];
    it('stimecmp from VS reaches vstimecmp when every switch is on; the HS stimecmp is untouched', () => {
      const r = hrig();
      r.setX(a1, 0x1234_5678n);
      runIn(r, PRIV_S, true, [A.csrw(HCSR.stimecmp, a1), A.csrr(a0, HCSR.stimecmp)], 2, (rr) => {
        sstc(rr, ...on);
        rr.setCsr(HCSR.stimecmp, u64(-1n));
      });
      assert.equal(trapSeen(r).to, 'none');
      assert.equal(hex(r.csr(VSTIMECMP)), hex(0x1234_5678n));
      assert.equal(hex(r.x(a0)), hex(0x1234_5678n));
      assert.equal(hex(r.csr(HCSR.stimecmp)), hex(u64(-1n)));
    });
    it('stimecmp from VS: illegal without menvcfg.STCE or mcounteren.TM, virtual without henvcfg.STCE or hcounteren.TM', () => {
      const insn = A.csrr(a0, HCSR.stimecmp);
      assert.equal(access(insn, PRIV_S, true, on).cause, undefined);
      assert.equal(access(insn, PRIV_S, true, [false, true, true, true]).cause, ILLEGAL);
      assert.equal(access(insn, PRIV_S, true, [true, false, true, true]).cause, ILLEGAL);
      assert.equal(access(insn, PRIV_S, true, [true, true, false, true]).cause, VIRTUAL);
      assert.equal(access(insn, PRIV_S, true, [true, true, true, false]).cause, VIRTUAL);
      assert.equal(access(insn, PRIV_U, true, on).cause, VIRTUAL, 'VU: a supervisor CSR');
      assert.equal(access(insn, PRIV_U, true, [false, true, true, true]).cause, ILLEGAL, 'VU, menvcfg.STCE = 0');
      assert.equal(access(insn, PRIV_S, false, [true, true, false, false]).cause, undefined, 'HS ignores the H switches');
    });
    it('vstimecmp by name: M always; HS with menvcfg.STCE and mcounteren.TM; VS virtual (illegal when HS could not)', () => {
      const insn = A.csrr(a0, VSTIMECMP);
      const off: [boolean, boolean, boolean, boolean] = [false, false, false, false];
      assert.equal(access(insn, PRIV_M, false, off).cause, undefined);
      assert.equal(access(insn, PRIV_S, false, [true, true, false, false]).cause, undefined);
      assert.equal(access(insn, PRIV_S, false, [false, true, true, true]).cause, ILLEGAL);
      assert.equal(access(insn, PRIV_S, false, [true, false, true, true]).cause, ILLEGAL);
      assert.equal(access(insn, PRIV_U, false, on).cause, ILLEGAL);
      assert.equal(access(insn, PRIV_S, true, on).cause, VIRTUAL);
      assert.equal(access(insn, PRIV_S, true, [false, true, true, true]).cause, ILLEGAL);
      assert.equal(access(A.csrr(a0, HCSR.henvcfg), PRIV_S, true, on).cause, VIRTUAL);
    });
  });

  it('a VS guest programs stimecmp and takes its timer interrupt in its own handler (vscause = interrupt 5)', () => {
    const r = hrig();
    sstc(r, true, true, true, true);
    r.setCsr(HCSR.htimedelta, 0x7000_0000_0000n);
    r.setCsr(VSTIMECMP, u64(-1n));
    r.setCsr(HCSR.hideleg, VSTIP);
    r.setCsr(HCSR.hie, VSTIP);
    r.setCsr(HCSR.vsstatus, MS.SIE);
    const handler = CODE + 0x100;
    r.setCsr(HCSR.vstvec, BigInt(handler));
    r.code(handler, [A.csrr(a1, CSR.scause), A.csrr(a2, CSR.time), J_SELF]);
    // csrr t0, time; addi t0, t0, 30; csrw stimecmp, t0; loop: addi a0, a0, 1; j loop
    r.code(CODE, [A.csrr(t0, CSR.time), A.addi(t0, t0, 30), A.csrw(HCSR.stimecmp, t0), A.addi(a0, a0, 1), A.jal(zero, -4)]);
    setMode(r, PRIV_S, true);
    r.m.run(100 * INSNS_PER_TICK);
    assert.deepEqual([r.pc(), r.hart().priv, r.hart().virt], [handler + 8, PRIV_S, true], 'parked in the VS handler');
    assert.equal(hex(r.x(a1)), hex(INTERRUPT | 5n), 'scause (vscause)');
    assert.equal(hex(r.csr(HCSR.vscause)), hex(0x8000_0000_0000_0005n));
    assert.equal(r.csr(CSR.scause), 0n, 'HS scause untouched');
    assert.equal(r.x(a2), r.x(t0), 'delivered at the deadline tick');
    assert.ok(r.x(a0) > 100n, 'the guest looped until then');
    assert.equal(hex(r.csr(VSTIMECMP)), hex(r.x(t0)));
  });
});
