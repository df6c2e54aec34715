// Trap entry, delegation, xRET, illegal instructions, privilege guards and interrupts, checked against the
// privileged spec (§3.1.6 mstatus, §3.1.7 mtvec, §3.1.8 delegation, §3.1.9 mip/mie, §3.1.16 mtval, §3.2.1 timer,
// §3.3 M-mode instructions, §10.1 S-mode CSRs).
import { strict as assert } from 'assert';
import { csrRead } from '../../engine/cpu/csr-file';
import { Machine } from '../../engine/machine';
import * as A from '../support/asm';
import { J_SELF, X } from '../support/asm';
import {
  BASE, CSR, hex, INTERRUPT, M_TRAP, MS, mppOf, PRIV_M, PRIV_S, PRIV_U, Rig, S_TRAP, u64,
} from './harness';

const { zero, t0, t1, t2, t3, s1, a0, a1 } = X;
const PRIV_NAMES = ['U', 'S', '?', 'M'];

/** A rig whose S and U modes may touch all memory (PMP entry 0 = everything, RWX). */
function rig(): Rig {
  const r = new Rig();
  r.allowAllPmp();
  return r;
}

function expectMTrap(r: Rig, cause: bigint, epc: number, what = ''): void {
  assert.equal(hex(r.pc()), hex(M_TRAP), `${what}: expected a trap into M (mcause=${hex(r.csr(CSR.mcause))})`);
  assert.equal(r.priv(), PRIV_M, `${what}: privilege`);
  assert.equal(hex(r.csr(CSR.mcause)), hex(cause), `${what}: mcause`);
  assert.equal(hex(r.csr(CSR.mepc)), hex(epc), `${what}: mepc`);
}

function expectSTrap(r: Rig, cause: bigint, epc: number, what = ''): void {
  assert.equal(hex(r.pc()), hex(S_TRAP), `${what}: expected a trap into S (scause=${hex(r.csr(CSR.scause))}, mcause=${hex(r.csr(CSR.mcause))})`);
  assert.equal(r.priv(), PRIV_S, `${what}: privilege`);
  assert.equal(hex(r.csr(CSR.scause)), hex(cause), `${what}: scause`);
  assert.equal(hex(r.csr(CSR.sepc)), hex(epc), `${what}: sepc`);
}

/** Runs one instruction at `at` in privilege `p`; returns the rig for inspection. */
function runAt(insn: number, p: 0 | 1 | 3, setup?: (r: Rig) => void, at = BASE + 0x80): Rig {
  const r = rig();
  r.code(at, [insn, J_SELF]);
  r.setCsr(CSR.mtval, 0xdeadn);
  setup?.(r);
  r.setPriv(p);
  r.step();
  return r;
}

function expectIllegal(insn: number, p: 0 | 1 | 3, setup?: (r: Rig) => void, what = ''): void {
  const at = BASE + 0x80;
  const r = runAt(insn, p, setup, at);
  const label = `${what || hex(insn)} in ${PRIV_NAMES[p]}`;
  expectMTrap(r, 2n, at, label);
  // Priv §3.1.16: mtval may hold the faulting instruction bits; this hart reports them (zero-extended).
  assert.equal(hex(r.csr(CSR.mtval)), hex(insn), `${label}: mtval`);
  assert.equal(mppOf(r.csr(CSR.mstatus)), p, `${label}: MPP`);
}

function expectExecutes(insn: number, p: 0 | 1 | 3, setup?: (r: Rig) => void, what = ''): Rig {
  const at = BASE + 0x80;
  const r = runAt(insn, p, setup, at);
  assert.notEqual(r.pc(), M_TRAP, `${what || hex(insn)} in ${PRIV_NAMES[p]} trapped: mcause=${hex(r.csr(CSR.mcause))}`);
  return r;
}

describe('cpu/traps', () => {
  describe('ecall (Priv §3.3.1) and trap entry into M (§3.1.6.1)', () => {
    for (const [p, cause] of [[PRIV_M, 11n], [PRIV_S, 9n], [PRIV_U, 8n]] as const) {
      it(`from ${PRIV_NAMES[p]}: cause ${cause}, mepc = the ecall, MPP = ${PRIV_NAMES[p]}, MPIE = old MIE, MIE = 0, mtval = 0`, () => {
        const at = BASE + 0x80;
        const r = runAt(A.ecall(), p, (rr) => rr.setCsr(CSR.mstatus, MS.MIE));
        expectMTrap(r, cause, at, 'ecall');
        const ms = r.csr(CSR.mstatus);
        assert.equal(mppOf(ms), p, 'MPP');
        assert.equal(ms & MS.MPIE, MS.MPIE, 'MPIE takes the old MIE');
        assert.equal(ms & MS.MIE, 0n, 'MIE cleared');
        assert.equal(r.csr(CSR.mtval), 0n, 'mtval');
      });
    }
    it('MPIE records MIE = 0 too', () => {
      const r = runAt(A.ecall(), PRIV_M, (rr) => rr.setCsr(CSR.mstatus, MS.MPIE));
      assert.equal(r.csr(CSR.mstatus) & (MS.MPIE | MS.MIE), 0n);
    });
  });

  describe('delegation through medeleg (Priv §3.1.8, §10.1)', () => {
    it('a U ecall delegated to S: scause/sepc/stval, SPP = U, SPIE = old SIE, SIE = 0, pc = stvec; M state untouched', () => {
      const at = BASE + 0x80;
      const r = runAt(A.ecall(), PRIV_U, (rr) => {
        rr.setCsr(CSR.medeleg, 1n << 8n);
        rr.setCsr(CSR.mstatus, MS.SIE | MS.SPP | (1n << 11n) | MS.MIE); // SPP=1 before, MPP=S before
        rr.setCsr(CSR.mcause, 0x1234n);
        rr.setCsr(CSR.mepc, 0x5678n);
        rr.setCsr(CSR.stval, 0x9999n);
      });
      expectSTrap(r, 8n, at, 'delegated U ecall');
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & MS.SPP, 0n, 'SPP = U');
      assert.equal(ms & MS.SPIE, MS.SPIE, 'SPIE = old SIE');
      assert.equal(ms & MS.SIE, 0n, 'SIE cleared');
      assert.equal(ms & MS.MIE, MS.MIE, 'MIE untouched');
      assert.equal(mppOf(ms), 1, 'MPP untouched');
      assert.equal(r.csr(CSR.stval), 0n, 'stval');
      assert.equal(r.csr(CSR.mcause), 0x1234n, 'mcause untouched');
      assert.equal(r.csr(CSR.mepc), 0x5678n, 'mepc untouched');
    });
    it('an S ecall delegated to S: SPP = S, SPIE = old SIE (0)', () => {
      const at = BASE + 0x80;
      const r = runAt(A.ecall(), PRIV_S, (rr) => {
        rr.setCsr(CSR.medeleg, 1n << 9n);
        rr.setCsr(CSR.mstatus, MS.SPIE);
      });
      expectSTrap(r, 9n, at, 'delegated S ecall');
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & MS.SPP, MS.SPP, 'SPP = S');
      assert.equal(ms & MS.SPIE, 0n, 'SPIE = old SIE');
    });
    it('a delegated illegal instruction from U: stval = the instruction bits', () => {
      const at = BASE + 0x80;
      const r = runAt(A.csrr(a0, CSR.mstatus), PRIV_U, (rr) => rr.setCsr(CSR.medeleg, 1n << 2n));
      expectSTrap(r, 2n, at, 'delegated illegal');
      assert.equal(hex(r.csr(CSR.stval)), hex(A.csrr(a0, CSR.mstatus)));
    });
    it('traps taken in M are never delegated, whatever medeleg says', () => {
      const at = BASE + 0x80;
      const r = runAt(0x0000_000b, PRIV_M, (rr) => rr.setCsr(CSR.medeleg, u64(-1n)));
      expectMTrap(r, 2n, at, 'illegal in M with medeleg = ~0');
      const r2 = runAt(A.ecall(), PRIV_M, (rr) => rr.setCsr(CSR.medeleg, u64(-1n)));
      expectMTrap(r2, 11n, at, 'ecall in M with medeleg = ~0');
    });
    it('an S ecall is not delegated when only the U bit is set', () => {
      const r = runAt(A.ecall(), PRIV_S, (rr) => rr.setCsr(CSR.medeleg, 1n << 8n));
      expectMTrap(r, 9n, BASE + 0x80, 'S ecall');
    });
  });

  describe('mret and sret (Priv §3.3.2)', () => {
    function ret(insn: number, status: bigint, p: 0 | 1 | 3 = PRIV_M): Rig {
      const r = rig();
      r.code(BASE, [insn]);
      r.setCsr(CSR.mepc, BigInt(BASE + 0x400));
      r.setCsr(CSR.sepc, BigInt(BASE + 0x800));
      r.setCsr(CSR.mstatus, status);
      r.setPriv(p);
      r.step();
      return r;
    }
    it('mret to S: privilege = MPP, pc = mepc, MIE = MPIE, MPIE = 1, MPP = U', () => {
      const r = ret(A.mret(), (1n << 11n) | MS.MPIE);
      assert.equal(r.priv(), PRIV_S);
      assert.equal(hex(r.pc()), hex(BASE + 0x400));
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & MS.MIE, MS.MIE);
      assert.equal(ms & MS.MPIE, MS.MPIE);
      assert.equal(mppOf(ms), 0);
    });
    it('mret to U with MPIE = 0 leaves MIE = 0 and sets MPIE', () => {
      const r = ret(A.mret(), MS.MIE);
      assert.equal(r.priv(), PRIV_U);
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & MS.MIE, 0n);
      assert.equal(ms & MS.MPIE, MS.MPIE);
    });
    it('mret to M keeps MPRV; mret to S or U clears it ("If y≠M, xRET also sets MPRV=0")', () => {
      assert.equal(ret(A.mret(), (3n << 11n) | MS.MPRV).csr(CSR.mstatus) & MS.MPRV, MS.MPRV);
      assert.equal(ret(A.mret(), (1n << 11n) | MS.MPRV).csr(CSR.mstatus) & MS.MPRV, 0n);
      assert.equal(ret(A.mret(), MS.MPRV).csr(CSR.mstatus) & MS.MPRV, 0n);
    });
    it('mret does not touch the S-level bits', () => {
      const ms = ret(A.mret(), MS.SIE | MS.SPP).csr(CSR.mstatus);
      assert.equal(ms & (MS.SIE | MS.SPP | MS.SPIE), MS.SIE | MS.SPP);
    });
    it('sret from S to U: SIE = SPIE, SPIE = 1, SPP = U, pc = sepc; M bits untouched', () => {
      const r = ret(A.sret(), MS.SPIE | MS.MIE | (3n << 11n), PRIV_S);
      assert.equal(r.priv(), PRIV_U);
      assert.equal(hex(r.pc()), hex(BASE + 0x800));
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & (MS.SIE | MS.SPIE | MS.SPP), MS.SIE | MS.SPIE);
      assert.equal(ms & MS.MIE, MS.MIE);
      assert.equal(mppOf(ms), 3);
    });
    it('sret from S with SPP = S stays in S and clears SIE when SPIE = 0', () => {
      const r = ret(A.sret(), MS.SPP | MS.SIE, PRIV_S);
      assert.equal(r.priv(), PRIV_S);
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & (MS.SIE | MS.SPIE | MS.SPP), MS.SPIE);
    });
    it('sret executed in M returns to SPP and clears MPRV', () => {
      const r = ret(A.sret(), MS.SPP | MS.MPRV | (3n << 11n), PRIV_M);
      assert.equal(r.priv(), PRIV_S);
      assert.equal(r.csr(CSR.mstatus) & MS.MPRV, 0n);
    });
  });

  describe('illegal instructions: mtval = the instruction bits (Priv §3.1.16)', () => {
    const wide: [string, number][] = [
      ['custom-0 opcode', 0x1234_500b],
      ['OP with funct7 = 0x7f (bit 31 set: mtval must be zero-extended)', 0xfe00_0033],
      ['fld (no F/D extension)', 0x0000_3007],
      ['slliw with shamt[5] = 1 (reserved)', (A.slliw(a0, a1, 1) | (1 << 25)) >>> 0],
      ['ecall with a nonzero rd field', 0x0000_0f73],
    ];
    for (const [what, insn] of wide) it(`32-bit: ${what}`, () => expectIllegal(insn, PRIV_M, undefined, what));

    const narrow: [string, number][] = [
      ['the all-zero parcel', 0x0000],
      ['c.addi4spn with nzuimm = 0', 0x0004],
      ['c.lwsp with rd = x0', 0x4002],
      ['c.ldsp with rd = x0', 0x6002],
      ['c.lui with nzimm = 0', 0x6501],
      ['c.addi16sp with nzimm = 0', 0x6101],
      ['c.jr with rs1 = x0', 0x8002],
      ['c.addiw with rd = x0', 0x2001],
      ['c.fld (no D extension)', 0x2000],
    ];
    for (const [what, insn] of narrow) {
      it(`16-bit: ${what}, mtval holds only the 16 bits`, () => {
        const at = BASE + 0x80;
        const r = rig();
        r.put(at, insn, 0xffff); // a nonzero parcel after it must not leak into mtval
        r.hart().pc = at;
        r.setCsr(CSR.mtval, 0xdeadn);
        r.step();
        expectMTrap(r, 2n, at, what);
        assert.equal(hex(r.csr(CSR.mtval)), hex(insn), `${what}: mtval`);
      });
    }
  });

  describe('privilege guards', () => {
    it('M-level CSRs from S and U are illegal', () => {
      expectIllegal(A.csrr(a0, CSR.mstatus), PRIV_S);
      expectIllegal(A.csrr(a0, CSR.mstatus), PRIV_U);
      expectIllegal(A.csrw(CSR.mscratch, a0), PRIV_S);
      expectIllegal(A.csrr(a0, CSR.mhartid), PRIV_S);
      expectIllegal(A.csrr(a0, CSR.pmpaddr0), PRIV_S);
    });
    it('S-level CSRs from U are illegal, from S they work', () => {
      expectIllegal(A.csrr(a0, CSR.sstatus), PRIV_U);
      expectIllegal(A.csrw(CSR.sscratch, a0), PRIV_U);
      expectExecutes(A.csrr(a0, CSR.sstatus), PRIV_S);
      expectExecutes(A.csrw(CSR.sscratch, a0), PRIV_S);
    });
    it('unimplemented CSRs are illegal even in M', () => {
      expectIllegal(A.csrr(a0, 0x003), PRIV_M, undefined, 'fcsr (no F)');
      expectIllegal(A.csrr(a0, 0x6a8), PRIV_M, undefined, 'hcontext (no debug triggers)');
      expectIllegal(A.csrr(a0, 0x7c0), PRIV_M, undefined, 'custom CSR 0x7c0');
    });
    it('writing a read-only CSR is illegal; csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 only read it', () => {
      expectIllegal(A.csrrw(a0, CSR.mhartid, a1), PRIV_M, undefined, 'csrrw mhartid');
      expectIllegal(A.csrrw(zero, CSR.mhartid, zero), PRIV_M, undefined, 'csrrw x0, mhartid, x0');
      expectIllegal(A.csrrwi(a0, CSR.mhartid, 0), PRIV_M, undefined, 'csrrwi mhartid, 0');
      expectIllegal(A.csrrw(a0, CSR.cycle, a1), PRIV_M, undefined, 'csrrw cycle');
      // rs1 ≠ x0 holding zero still attempts the write (Unpriv §9.1)
      expectIllegal(A.csrrs(a0, CSR.mhartid, a1), PRIV_M, (r) => r.setX(a1, 0n), 'csrrs mhartid, a1 (a1 = 0)');
      expectIllegal(A.csrrci(a0, CSR.mvendorid, 1), PRIV_M, undefined, 'csrrci mvendorid, 1');
      for (const insn of [A.csrrs(a0, CSR.mhartid, zero), A.csrrc(a0, CSR.mhartid, zero), A.csrrsi(a0, CSR.mhartid, 0),
        A.csrrci(a0, CSR.mhartid, 0)]) {
        const r = expectExecutes(insn, PRIV_M, (rr) => rr.setX(a0, 77n));
        assert.equal(r.x(a0), 0n, `${hex(insn)} reads mhartid = 0`);
      }
    });
    it('mret in S or U is illegal', () => {
      expectIllegal(A.mret(), PRIV_S);
      expectIllegal(A.mret(), PRIV_U);
    });
    it('sret in U is illegal', () => expectIllegal(A.sret(), PRIV_U));
    it('sret in S with mstatus.TSR = 1 is illegal; with TSR = 0 it returns (Priv §3.1.6.5)', () => {
      expectIllegal(A.sret(), PRIV_S, (r) => r.setCsr(CSR.mstatus, MS.TSR));
      const r = expectExecutes(A.sret(), PRIV_S, (rr) => { rr.setCsr(CSR.sepc, BigInt(BASE + 0x200)); rr.setCsr(CSR.mstatus, MS.SPP); });
      assert.equal(r.pc(), BASE + 0x200);
    });
    it('sret in M is allowed even with TSR = 1', () => {
      const r = expectExecutes(A.sret(), PRIV_M, (rr) => { rr.setCsr(CSR.sepc, BigInt(BASE + 0x200)); rr.setCsr(CSR.mstatus, MS.TSR); });
      assert.equal(r.priv(), PRIV_U);
    });
    it('wfi in U is illegal even with TW = 0 (S-mode exists; Priv §3.1.6.5)', () => expectIllegal(A.wfi(), PRIV_U));
    it('wfi in S is illegal with TW = 1, and completes with TW = 0 when an interrupt is pending', () => {
      expectIllegal(A.wfi(), PRIV_S, (r) => r.setCsr(CSR.mstatus, MS.TW));
      const r = expectExecutes(A.wfi(), PRIV_S, (rr) => { rr.setCsr(CSR.mie, 1n << 5n); rr.setCsr(CSR.mip, 1n << 5n); rr.setCsr(CSR.mideleg, 1n << 5n); });
      assert.equal(r.pc(), BASE + 0x84);
    });
    it('sfence.vma: illegal in U, illegal in S when TVM = 1, fine in S with TVM = 0 and in M with TVM = 1', () => {
      expectIllegal(A.sfence_vma(), PRIV_U);
      expectIllegal(A.sfence_vma(a0, a1), PRIV_S, (r) => r.setCsr(CSR.mstatus, MS.TVM));
      expectExecutes(A.sfence_vma(), PRIV_S);
      expectExecutes(A.sfence_vma(), PRIV_M, (r) => r.setCsr(CSR.mstatus, MS.TVM));
    });
    it('satp access in S is illegal when TVM = 1', () => {
      expectIllegal(A.csrr(a0, CSR.satp), PRIV_S, (r) => r.setCsr(CSR.mstatus, MS.TVM));
      expectExecutes(A.csrr(a0, CSR.satp), PRIV_S);
      expectIllegal(A.csrr(a0, CSR.satp), PRIV_U);
    });
  });

  describe('breakpoints', () => {
    for (const [name, insn] of [['ebreak', A.ebreak()], ['c.ebreak', A.c_ebreak()]] as const) {
      it(`${name} raises cause 3 with mepc = its address and mtval 0 or its address`, () => {
        const at = BASE + 0x80;
        const r = runAt(insn, PRIV_M);
        expectMTrap(r, 3n, at, name);
        assert.ok([0n, BigInt(at)].includes(r.csr(CSR.mtval)), `mtval ${hex(r.csr(CSR.mtval))}`);
      });
    }
  });

  describe('interrupts (Priv §3.1.9)', () => {
    const PRIORITY = [11, 3, 7, 9, 1, 5]; // MEI > MSI > MTI > SEI > SSI > STI
    const M_LINES = new Set([11, 3, 7]);

    /** Makes interrupts in `causes` pending: M-level ones as device lines, S-level ones through mip. */
    function pend(r: Rig, causes: number[]): void {
      let sw = 0n;
      for (const c of causes) {
        if (M_LINES.has(c)) r.raiseLines(1 << c);
        else sw |= 1n << BigInt(c);
      }
      r.setCsr(CSR.mip, r.csr(CSR.mip) | sw);
    }

    function irqRig(priv: 0 | 1 | 3, status: bigint, mie: bigint, mideleg = 0n): Rig {
      const r = rig();
      r.code(BASE, [A.addi(a0, a0, 1), A.addi(a0, a0, 1), J_SELF]);
      r.setCsr(CSR.mideleg, mideleg);
      r.setCsr(CSR.mie, mie);
      r.setCsr(CSR.mstatus, status);
      r.setCsr(CSR.mcause, 0x77n);
      r.setCsr(CSR.scause, 0x77n);
      r.setPriv(priv);
      return r;
    }

    it('simultaneous interrupts are taken in the order MEI, MSI, MTI, SEI, SSI, STI', () => {
      for (let i = 0; i < PRIORITY.length; i++) {
        for (let j = i + 1; j < PRIORITY.length; j++) {
          const r = irqRig(PRIV_M, MS.MIE, 0xaaan);
          pend(r, [PRIORITY[j], PRIORITY[i]]);
          r.step();
          expectMTrap(r, INTERRUPT | BigInt(PRIORITY[i]), BASE, `pending ${PRIORITY[i]} and ${PRIORITY[j]}`);
        }
      }
      const r = irqRig(PRIV_M, MS.MIE, 0xaaan);
      pend(r, PRIORITY);
      r.step();
      expectMTrap(r, INTERRUPT | 11n, BASE, 'all six pending');
    });

    it('an interrupt trap records mepc = the next instruction, MPIE = 1, MIE = 0, MPP, and mtval = 0', () => {
      const r = irqRig(PRIV_M, MS.MIE, 1n << 3n);
      r.setCsr(CSR.mtval, 0x55n);
      r.step(); // executes the first addi
      pend(r, [3]);
      r.step();
      expectMTrap(r, INTERRUPT | 3n, BASE + 4, 'MSI');
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & (MS.MIE | MS.MPIE), MS.MPIE);
      assert.equal(mppOf(ms), 3);
      assert.equal(r.csr(CSR.mtval), 0n);
      assert.equal(r.x(a0), 1n, 'the interrupted instruction did not execute');
    });

    it('in M with MIE = 0 no M-level interrupt is taken; the interrupt stays pending', () => {
      const r = irqRig(PRIV_M, 0n, 0xaaan);
      pend(r, [11, 3]);
      r.step(2);
      assert.equal(r.pc(), BASE + 8);
      assert.equal(r.csr(CSR.mcause), 0x77n);
      assert.equal(r.csr(CSR.mip) & 0x808n, 0x808n);
    });

    it('interrupts not enabled in mie are not taken, even below M', () => {
      const r = irqRig(PRIV_U, MS.MIE, 1n << 7n);
      pend(r, [3, 11]);
      r.step();
      assert.equal(r.pc(), BASE + 4);
      assert.equal(r.csr(CSR.mcause), 0x77n);
    });

    for (const p of [PRIV_S, PRIV_U] as const) {
      it(`M-level interrupts are taken from ${PRIV_NAMES[p]} even with MIE = 0 (Priv §3.1.6.1)`, () => {
        const r = irqRig(p, 0n, 1n << 11n);
        pend(r, [11]);
        r.step();
        expectMTrap(r, INTERRUPT | 11n, BASE, `MEI from ${PRIV_NAMES[p]}`);
        assert.equal(mppOf(r.csr(CSR.mstatus)), p);
      });
    }

    it('delegated S-level interrupts are never taken in M, whatever MIE and SIE say', () => {
      const r = irqRig(PRIV_M, MS.MIE | MS.SIE, 0x222n, 0x222n);
      pend(r, [9, 1, 5]);
      r.step(2);
      assert.equal(r.pc(), BASE + 8);
      assert.equal(r.csr(CSR.mcause), 0x77n);
      assert.equal(r.csr(CSR.scause), 0x77n);
    });

    it('a delegated SSI in S is taken into S only when SIE = 1: scause, sepc, SPP = S, SPIE = 1, SIE = 0', () => {
      const off = irqRig(PRIV_S, 0n, 1n << 1n, 1n << 1n);
      pend(off, [1]);
      off.step();
      assert.equal(off.pc(), BASE + 4, 'SIE = 0 in S masks it');
      const r = irqRig(PRIV_S, MS.SIE, 1n << 1n, 1n << 1n);
      pend(r, [1]);
      r.step();
      expectSTrap(r, INTERRUPT | 1n, BASE, 'delegated SSI');
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & (MS.SPP | MS.SPIE | MS.SIE), MS.SPP | MS.SPIE);
      assert.equal(r.csr(CSR.mcause), 0x77n, 'mcause untouched');
    });

    it('a delegated interrupt is taken from U even with SIE = 0; SPP = U', () => {
      const r = irqRig(PRIV_U, 0n, 1n << 9n, 1n << 9n);
      pend(r, [9]);
      r.step();
      expectSTrap(r, INTERRUPT | 9n, BASE, 'delegated SEI from U');
      assert.equal(r.csr(CSR.mstatus) & MS.SPP, 0n);
    });

    it('a non-delegated S-level interrupt in S goes to M even with MIE = 0', () => {
      const r = irqRig(PRIV_S, 0n, 1n << 5n, 0n);
      pend(r, [5]);
      r.step();
      expectMTrap(r, INTERRUPT | 5n, BASE, 'STI not delegated');
    });

    it('an interrupt destined for M outranks a higher-priority one delegated to S', () => {
      // SEI (delegated) outranks SSI in the fixed order, but SSI is destined for M: M goes first.
      const r = irqRig(PRIV_U, 0n, 0x202n, 1n << 9n);
      pend(r, [9, 1]);
      r.step();
      expectMTrap(r, INTERRUPT | 1n, BASE, 'SSI to M vs SEI to S');
    });

    it('Machine.step takes a pending interrupt as its whole step, like an exception (machine.ts: "or takes one trap")', () => {
      // Not a spec rule but the debugger contract of Machine.step: after stepping into a handler the pc is the
      // handler's first instruction, not yet executed.
      const r = irqRig(PRIV_M, MS.MIE, 1n << 3n);
      const handler = BASE + 0x2000;
      r.put(handler, A.addi(t0, t0, 1), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(handler));
      pend(r, [3]);
      r.step();
      assert.equal(hex(r.csr(CSR.mcause)), hex(INTERRUPT | 3n));
      assert.equal(hex(r.pc()), hex(handler), 'pc after the step');
      assert.equal(r.x(t0), 0n, 'the handler\'s first instruction already ran');
    });

    it('mtvec in vectored mode sends interrupts to base + 4·cause and exceptions to base (Priv §3.1.7)', () => {
      const vbase = BASE + 0x3000;
      const r = irqRig(PRIV_M, MS.MIE, 1n << 3n);
      for (let c = 0; c < 16; c++) r.put(vbase + 4 * c, J_SELF);
      r.setCsr(CSR.mtvec, BigInt(vbase + 1));
      pend(r, [3]);
      r.step();
      assert.equal(hex(r.pc()), hex(vbase + 12));
      assert.equal(hex(r.csr(CSR.mcause)), hex(INTERRUPT | 3n));

      const e = rig();
      for (let c = 0; c < 16; c++) e.put(vbase + 4 * c, J_SELF);
      e.setCsr(CSR.mtvec, BigInt(vbase + 1));
      e.code(BASE, [A.ecall()]);
      e.step();
      assert.equal(hex(e.pc()), hex(vbase), 'an exception goes to BASE even in vectored mode');
      assert.equal(e.csr(CSR.mcause), 11n);
    });

    it('stvec in vectored mode likewise, for a delegated timer interrupt', () => {
      const vbase = BASE + 0x3400;
      const r = irqRig(PRIV_U, 0n, 1n << 5n, 1n << 5n);
      for (let c = 0; c < 16; c++) r.put(vbase + 4 * c, J_SELF);
      r.setCsr(CSR.stvec, BigInt(vbase + 1));
      pend(r, [5]);
      r.step();
      assert.equal(hex(r.pc()), hex(vbase + 20));
      assert.equal(hex(r.csr(CSR.scause)), hex(INTERRUPT | 5n));
    });

    it('a store to the CLINT msip register raises a machine software interrupt', () => {
      const r = rig();
      r.code(BASE, [
        A.lui(t0, 0x2000), A.addi(t1, zero, 8), A.csrrs(zero, CSR.mie, t1), A.csrrsi(zero, CSR.mstatus, 8),
        A.addi(t1, zero, 1), A.sw(t1, t0, 0), A.addi(a0, a0, 1), J_SELF,
      ]);
      r.step(20);
      assert.equal(hex(r.csr(CSR.mcause)), hex(INTERRUPT | 3n));
      const epc = Number(r.csr(CSR.mepc));
      assert.ok(epc >= BASE + 24 && epc <= BASE + 28, `mepc ${hex(epc)}`);
      assert.equal(r.pc(), M_TRAP);
    });
  });

  describe('machine timer through the CLINT (Priv §3.2.1)', () => {
    /** Guest code: mtimecmp = time + delta (high word parked first), MTIE and MIE on, then `tail`. */
    function timerProgram(delta: number, tail: number[]): number[] {
      return [
        A.lui(t0, 0x2004), // t0 = 0x0200_4000 = mtimecmp of hart 0
        A.addi(t1, zero, -1),
        A.sw(t1, t0, 4), // high word first so no intermediate value fires
        A.csrr(t2, CSR.time),
        A.addi(t2, t2, delta),
        A.sw(t2, t0, 0),
        A.sw(zero, t0, 4),
        A.addi(t3, zero, 0x80),
        A.csrrs(zero, CSR.mie, t3),
        ...tail,
      ];
    }
    const HANDLER = BASE + 0x5000;

    it('fires when mtime reaches mtimecmp: mcause = 0x8000000000000007, mepc in the interrupted loop, not early', () => {
      const r = rig();
      const prog = timerProgram(50, [A.csrrsi(zero, CSR.mstatus, 8), A.addi(a0, a0, 1), A.jal(zero, -4)]);
      const loop = BASE + 4 * (prog.length - 2);
      r.code(BASE, prog);
      r.put(HANDLER, A.csrr(s1, CSR.time), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(HANDLER));
      const stop = r.m.run(5000);
      assert.equal(stop.kind, 'budget');
      assert.equal(hex(r.csr(CSR.mcause)), hex(0x8000_0000_0000_0007n));
      const epc = Number(r.csr(CSR.mepc));
      assert.ok(epc === loop || epc === loop + 4, `mepc ${hex(epc)} not in the loop at ${hex(loop)}`);
      assert.equal(r.pc(), HANDLER + 4);
      const cmp = r.x(t2);
      assert.ok(r.x(s1) >= cmp, `taken at mtime ${r.x(s1)} before mtimecmp ${cmp}`);
      assert.ok(r.x(s1) <= cmp + 2n, `taken late: mtime ${r.x(s1)}, mtimecmp ${cmp}`);
      assert.ok(r.x(a0) > 100n, `the loop ran ${r.x(a0)} times`);
      assert.equal(r.csr(CSR.mip) & (1n << 7n), 1n << 7n, 'MTIP stays pending until mtimecmp is rewritten');
    });

    it('the same under single-stepping (Machine.step)', () => {
      const r = rig();
      const prog = timerProgram(5, [A.csrrsi(zero, CSR.mstatus, 8), A.addi(a0, a0, 1), A.jal(zero, -4)]);
      r.code(BASE, prog);
      r.put(HANDLER, J_SELF);
      r.setCsr(CSR.mtvec, BigInt(HANDLER));
      r.stepTo(HANDLER, 500);
      assert.equal(r.pc(), HANDLER);
      assert.equal(hex(r.csr(CSR.mcause)), hex(0x8000_0000_0000_0007n));
    });

    it('wfi sleeps until the timer fires; with MIE = 1 the trap has mepc = wfi + 4 (Priv §3.3.3)', () => {
      const r = rig();
      const prog = timerProgram(30, [A.csrrsi(zero, CSR.mstatus, 8), A.wfi(), A.addi(a0, zero, 42), J_SELF]);
      const wfiAt = BASE + 4 * (prog.length - 3);
      r.code(BASE, prog);
      r.put(HANDLER, A.csrr(s1, CSR.time), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(HANDLER));
      r.m.run(2000);
      assert.equal(hex(r.csr(CSR.mcause)), hex(0x8000_0000_0000_0007n));
      assert.equal(hex(r.csr(CSR.mepc)), hex(wfiAt + 4));
      assert.equal(r.x(a0), 0n);
      assert.ok(r.x(s1) >= r.x(t2), 'woke before mtimecmp');
    });

    it('wfi with MIE = 0 wakes on the pending timer and continues without a trap', () => {
      const r = rig();
      const prog = timerProgram(30, [A.wfi(), A.addi(a0, zero, 42), A.csrr(s1, CSR.time), J_SELF]);
      r.code(BASE, prog);
      r.setCsr(CSR.mcause, 0x77n);
      r.m.run(2000);
      assert.equal(r.x(a0), 42n);
      assert.equal(r.csr(CSR.mcause), 0x77n);
      assert.ok(r.x(s1) >= r.x(t2), 'woke before mtimecmp');
    });
  });

  describe('wfi (Priv §3.3.3)', () => {
    it('stalls until an interrupt enabled in mie is pending, regardless of MIE, then resumes after the wfi', () => {
      const r = rig();
      r.code(BASE, [A.wfi(), A.addi(a0, zero, 42), J_SELF]);
      r.setCsr(CSR.mie, 1n << 3n);
      r.setCsr(CSR.mcause, 0x77n);
      r.step(5);
      assert.equal(r.x(a0), 0n, 'still waiting');
      r.m.clint.write(0, 4, 1); // msip of hart 0
      r.step(2);
      assert.equal(r.x(a0), 42n);
      assert.equal(r.csr(CSR.mcause), 0x77n, 'no trap with MIE = 0');
    });
    it('completes at once when an enabled interrupt is already pending', () => {
      const r = rig();
      r.code(BASE, [A.wfi(), A.addi(a0, zero, 42), J_SELF]);
      r.setCsr(CSR.mie, 1n << 1n);
      r.setCsr(CSR.mip, 1n << 1n);
      r.step(2);
      assert.equal(r.x(a0), 42n);
    });
    it('an interrupt pending but disabled in mie does not wake it, and run() reports the machine idle', () => {
      const r = rig();
      r.code(BASE, [A.wfi(), A.addi(a0, zero, 42), J_SELF]);
      r.raiseLines(1 << 3);
      const stop = r.m.run(1000);
      assert.equal(stop.kind, 'idle');
      assert.equal(r.x(a0), 0n);
    });
  });

  describe('power-on state', () => {
    it('MTIP is visible in mip from power-on, because mtimecmp resets to 0 <= mtime (Priv §3.2.1; clint.ts reset())', () => {
      const m = new Machine({ console: { write: () => undefined }, ramSize: 1 << 20 });
      m.ram.view.setUint32(0, A.addi(a0, a0, 1), true);
      m.harts[0].pc = BASE;
      m.step(0);
      const h = m.harts[0];
      const mip = csrRead(h, CSR.mip);
      assert.equal(mip & (1 << 7), 1 << 7, `mip = 0x${(mip >>> 0).toString(16)}: MTIP missing although the CLINT drives its line high`);
    });
    it('the hart starts in M with MIE = 0 and MPRV = 0 (Priv §3.4)', () => {
      const r = new Rig();
      assert.equal(r.priv(), PRIV_M);
      assert.equal(r.csr(CSR.mstatus) & (MS.MIE | MS.MPRV), 0n);
    });
  });

});
