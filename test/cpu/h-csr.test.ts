// The H extension's CSRs (privileged spec §13.2, §13.4): WARL rules and read-only bits, the aliases among
// mip/hip/hvip/vsip and mie/hie/vsie, hgeip and guest external interrupt lines, and who may access what: HS and
// M reach H and VS CSRs; V=1 substitutes VS CSRs for S CSRs and raises virtual-instruction exceptions (§13.6.1).
import { strict as assert } from 'assert';
import { setGuestExternalInterrupts } from '../../engine/cpu/csr-file';
import * as A from '../support/asm';
import { X } from '../support/asm';
import { CSR, hex, MS, PRIV_M, PRIV_S, PRIV_U, Rig, u64 } from './harness';
import { CODE, HCSR, HS, hrig, MSH, runIn, trapSeen } from './h-harness';

const { zero, a0, a1 } = X;
const ALL = u64(-1n);

function writeRead(r: Rig, csr: number, v: bigint): bigint {
  r.setCsr(csr, v);
  return r.csr(csr);
}

/** Runs one CSR instruction in (priv, virt); returns the trap it raised (to: 'none' when it executed). */
function access(insn: number, priv: 0 | 1 | 3, virt: boolean, setup?: (r: Rig) => void): { r: Rig; cause: bigint | undefined } {
  const r = hrig();
  runIn(r, priv, virt, [insn], 1, setup);
  const t = trapSeen(r);
  if (t.to === 'none') return { r, cause: undefined };
  assert.equal(t.to, 'M', 'traps go to M here (nothing is delegated)');
  assert.equal(hex(t.epc), hex(CODE));
  assert.equal(hex(t.tval), hex(insn), 'tval = the instruction bits (§13.6.1: as for illegal instructions)');
  return { r, cause: t.cause };
}
const ILLEGAL = 2n, VIRTUAL = 22n;
const MODES: [string, 0 | 1 | 3, boolean][] = [['M', PRIV_M, false], ['HS', PRIV_S, false], ['U', PRIV_U, false], ['VS', PRIV_S, true], ['VU', PRIV_U, true]];

describe('cpu/h-csr: the H extension\'s CSRs (Priv §13.2, §13.4)', () => {
  describe('machine-level CSRs with H (§13.4)', () => {
    it('misa.H (bit 7) is set', () => {
      assert.equal(new Rig().csr(CSR.misa) & 0x80n, 0x80n);
    });
    it('mideleg: VSSI, VSTI, VSEI (bits 2, 6, 10) are read-only one; SGEI (12) only when GEILEN > 0', () => {
      const r = new Rig();
      assert.equal(hex(r.csr(CSR.mideleg)), hex(0x444n), 'at reset');
      assert.equal(hex(writeRead(r, CSR.mideleg, 0n)), hex(0x444n));
      assert.equal(hex(writeRead(r, CSR.mideleg, ALL)), hex(0x666n));
      r.hart().geilen = 3;
      assert.equal(hex(writeRead(r, CSR.mideleg, 0n)), hex(0x1444n));
    });
    it('medeleg: ecall from VS (10), guest-page faults (20, 21, 23) and virtual instruction (22) are delegable; 11 is not', () => {
      const v = writeRead(new Rig(), CSR.medeleg, ALL);
      assert.equal(hex(v), hex(0xf0b7ffn));
    });
    it('mstatus: GVA (38) and MPV (39) are writable; UXL/SXL stay 2', () => {
      const r = new Rig();
      const v = writeRead(r, CSR.mstatus, MSH.GVA | MSH.MPV);
      assert.equal(hex(v >> 32n), hex(0xcan));
    });
    it('mtval2 and mtinst hold 64 bits', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.mtval2, 0x1234_5678_9abc_def0n)), hex(0x1234_5678_9abc_def0n));
      assert.equal(hex(writeRead(r, HCSR.mtinst, 0x3020n)), hex(0x3020n));
    });
  });

  describe('hstatus, hedeleg, hideleg (§13.2.1–13.2.2)', () => {
    it('hstatus: GVA, SPV, SPVP, HU, VTVM, VTW, VTSR writable; VSBE 0 (little-endian); VSXL reads 2; WPRI bits 0', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.hstatus, ALL)), hex(0x2_0070_03c0n));
      assert.equal(hex(writeRead(r, HCSR.hstatus, 0n)), hex(0x2_0000_0000n));
    });
    it('hstatus.VGEIN holds 0..GEILEN (WLRL): 0 without guest external interrupts', () => {
      const r = new Rig();
      assert.equal(writeRead(r, HCSR.hstatus, 3n << 12n) & (0x3fn << 12n), 0n);
      r.hart().geilen = 4;
      assert.equal(hex(writeRead(r, HCSR.hstatus, 3n << 12n) & (0x3fn << 12n)), hex(3n << 12n));
      assert.equal(writeRead(r, HCSR.hstatus, 5n << 12n) & (0x3fn << 12n), 0n, 'beyond GEILEN');
    });
    it('hedeleg: 0-8, 12, 13, 15 writable; 9, 10, 11 and 20-23 read-only zero (Table "Bits of hedeleg")', () => {
      assert.equal(hex(writeRead(new Rig(), HCSR.hedeleg, ALL)), hex(0xb1ffn));
    });
    it('hideleg: only the VS-level interrupts 2, 6, 10', () => {
      assert.equal(hex(writeRead(new Rig(), HCSR.hideleg, ALL)), hex(0x444n));
    });
  });

  describe('interrupt registers: hvip, hip, hie, mip, mie, sip, sie, vsip, vsie (§13.2.3, §13.2.12, §13.4.3)', () => {
    it('hvip holds VSSIP, VSTIP, VSEIP, which appear in hip and mip but not in sip', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.hvip, ALL)), hex(0x444n));
      assert.equal(hex(r.csr(HCSR.hip)), hex(0x444n));
      assert.equal(hex(r.csr(CSR.mip) & 0x444n), hex(0x444n));
      r.setCsr(CSR.mideleg, 0x222n);
      assert.equal(r.csr(CSR.sip) & 0x444n, 0n);
    });
    it('hip.VSSIP and mip.VSSIP are hvip.VSSIP; VSTIP and VSEIP are read-only in hip and mip', () => {
      const r = new Rig();
      r.setCsr(HCSR.hvip, 0x444n);
      r.setCsr(HCSR.hip, 0n);
      assert.equal(hex(r.csr(HCSR.hvip)), hex(0x440n));
      r.setCsr(CSR.mip, 0x4n);
      assert.equal(hex(r.csr(HCSR.hvip)), hex(0x444n));
      r.setCsr(CSR.mip, 0n);
      assert.equal(hex(r.csr(HCSR.hvip)), hex(0x440n), 'mip write of 0 clears VSSIP only');
    });
    it('hie holds the VS-level enables of mie (SGEIE only when GEILEN > 0); sie shows none of them', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.hie, ALL)), hex(0x444n));
      assert.equal(hex(r.csr(CSR.mie)), hex(0x444n));
      r.setCsr(CSR.mideleg, ALL);
      assert.equal(r.csr(CSR.sie), 0n);
      r.hart().geilen = 1;
      assert.equal(hex(writeRead(r, HCSR.hie, ALL)), hex(0x1444n));
      assert.equal(hex(writeRead(r, CSR.mie, ALL)), hex(0x1eeen));
    });
    it('vsip/vsie are the hip/hie bits delegated by hideleg, shifted down one (STIP and SEIP included)', () => {
      const r = new Rig();
      r.setCsr(HCSR.hie, 0x444n);
      r.setCsr(HCSR.hvip, 0x444n);
      assert.equal(r.csr(HCSR.vsie), 0n, 'hideleg = 0');
      assert.equal(r.csr(HCSR.vsip), 0n);
      r.setCsr(HCSR.hideleg, 0x444n);
      assert.equal(hex(r.csr(HCSR.vsie)), hex(0x222n));
      assert.equal(hex(r.csr(HCSR.vsip)), hex(0x222n));
      r.setCsr(HCSR.hideleg, 0x44n);
      r.setCsr(HCSR.vsie, 0n);
      assert.equal(hex(r.csr(HCSR.hie)), hex(0x400n), 'only delegated enables change');
      r.setCsr(HCSR.vsip, 0n);
      assert.equal(hex(r.csr(HCSR.hvip)), hex(0x440n), 'vsip.SSIP (= hvip.VSSIP) is the only writable bit');
      r.setCsr(HCSR.vsip, ALL);
      assert.equal(hex(r.csr(HCSR.hvip)), hex(0x444n));
    });
    it('hgeip follows the guest external interrupt lines (bits GEILEN:1); hgeie selects SGEIP, VGEIN selects VSEIP', () => {
      const r = new Rig();
      const h = r.hart();
      setGuestExternalInterrupts(h, 0b110);
      assert.equal(r.csr(HCSR.hgeip), 0n, 'GEILEN = 0: no lines');
      assert.equal(writeRead(r, HCSR.hgeie, ALL), 0n);
      h.geilen = 2;
      setGuestExternalInterrupts(h, 0b111);
      assert.equal(hex(r.csr(HCSR.hgeip)), hex(0b110n), 'bit 0 does not exist');
      assert.equal(hex(writeRead(r, HCSR.hgeie, ALL)), hex(0b110n));
      assert.equal(hex(r.csr(HCSR.hip) & 0x1000n), hex(0x1000n), 'SGEIP = hgeip & hgeie != 0');
      r.setCsr(HCSR.hgeie, 0b100n);
      setGuestExternalInterrupts(h, 0b010);
      assert.equal(r.csr(HCSR.hip) & 0x1000n, 0n);
      assert.equal(r.csr(HCSR.hip) & 0x400n, 0n, 'VGEIN = 0 selects nothing');
      r.setCsr(HCSR.hstatus, 1n << 12n);
      assert.equal(hex(r.csr(HCSR.hip) & 0x400n), hex(0x400n), 'VGEIN = 1 selects guest interrupt 1 for VSEIP');
      assert.equal(r.csr(HCSR.hvip), 0n, 'hvip.VSEIP is separate');
      setGuestExternalInterrupts(h, 0);
      assert.equal(r.csr(HCSR.hip) & 0x400n, 0n);
    });
  });

  describe('translation and the other H CSRs (§13.2.5–13.2.10, §13.2.18)', () => {
    it('hgatp: MODE Bare, Sv39x4, Sv48x4; PPN[1:0] read as zero (16 KiB root); VMID has 14 bits', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.hgatp, (8n << 60n) | 0x8_0123n)), hex((8n << 60n) | 0x8_0120n));
      assert.equal(hex(writeRead(r, HCSR.hgatp, (9n << 60n) | (ALL >> 4n))), hex((9n << 60n) | (0x3fffn << 44n) | 0xfff_ffff_fffcn));
    });
    it('hgatp: an unsupported MODE is legalized (Bare, zero fields), not ignored as for satp', () => {
      const r = new Rig();
      r.setCsr(HCSR.hgatp, (8n << 60n) | 0x8_0000n);
      assert.equal(writeRead(r, HCSR.hgatp, (10n << 60n) | 0x8_0000n), 0n, 'Sv57x4');
      r.setCsr(HCSR.hgatp, (8n << 60n) | 0x8_0000n);
      assert.equal(writeRead(r, HCSR.hgatp, (1n << 60n) | 0x8_0000n), 0n, 'reserved MODE 1');
    });
    it('vsatp holds Sv39/Sv48; a write with another MODE has no effect', () => {
      const r = new Rig();
      const v = (9n << 60n) | (0x55n << 44n) | 0x8_0042n;
      assert.equal(hex(writeRead(r, HCSR.vsatp, v)), hex(v));
      assert.equal(hex(writeRead(r, HCSR.vsatp, (10n << 60n) | 1n)), hex(v));
    });
    it('vsstatus: SIE, SPIE, SPP, SUM, MXR writable; UXL reads 2', () => {
      assert.equal(hex(writeRead(new Rig(), HCSR.vsstatus, ALL)), hex((2n << 32n) | 0xc0122n));
    });
    it('vsepc clears bit 0; vstvec ignores MODE >= 2', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.vsepc, 0x8000_0003n)), hex(0x8000_0002n));
      r.setCsr(HCSR.vstvec, 0x8000_1001n);
      assert.equal(hex(writeRead(r, HCSR.vstvec, 0x8000_2002n)), hex(0x8000_1001n));
    });
    it('htimedelta holds 64 bits; hcounteren 32; henvcfg only FIOM while menvcfg.STCE = 0 (no Svpbmt; STCE: sstc-h.test.ts)', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, HCSR.htimedelta, ALL)), hex(ALL));
      assert.equal(hex(writeRead(r, HCSR.hcounteren, ALL)), hex(0xffff_ffffn));
      assert.equal(hex(writeRead(r, HCSR.henvcfg, ALL)), hex(1n));
    });
  });

  describe('access from each mode (§13.2, §13.6.1)', () => {
    const cases: [string, number, (bigint | undefined)[]][] = [
      // name, instruction, expected cause in M, HS, U, VS, VU (undefined = executes)
      ['csrr hstatus', A.csrr(a0, HCSR.hstatus), [undefined, undefined, ILLEGAL, VIRTUAL, VIRTUAL]],
      ['csrw hvip', A.csrw(HCSR.hvip, zero), [undefined, undefined, ILLEGAL, VIRTUAL, VIRTUAL]],
      ['csrr vsstatus', A.csrr(a0, HCSR.vsstatus), [undefined, undefined, ILLEGAL, VIRTUAL, VIRTUAL]],
      ['csrr hgeip', A.csrr(a0, HCSR.hgeip), [undefined, undefined, ILLEGAL, VIRTUAL, VIRTUAL]],
      ['csrw hgeip (read-only: not HS-qualified)', A.csrw(HCSR.hgeip, zero), [ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]],
      ['csrr mstatus (M-level: not HS-qualified)', A.csrr(a0, CSR.mstatus), [undefined, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]],
      ['csrr mtval2', A.csrr(a0, HCSR.mtval2), [undefined, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]],
      ['csrr sstatus (VU: a supervisor CSR)', A.csrr(a0, CSR.sstatus), [undefined, undefined, ILLEGAL, undefined, VIRTUAL]],
      ['csrw sscratch', A.csrw(CSR.sscratch, a1), [undefined, undefined, ILLEGAL, undefined, VIRTUAL]],
      ['csrr scounteren', A.csrr(a0, CSR.scounteren), [undefined, undefined, ILLEGAL, undefined, VIRTUAL]],
      ['csrr 0x6c0 (unimplemented)', A.csrr(a0, 0x6c0), [ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]],
    ];
    for (const [name, insn, expected] of cases) {
      it(`${name}: ${expected.map((e, i) => `${MODES[i][0]} ${e === undefined ? 'ok' : e === VIRTUAL ? 'virtual' : 'illegal'}`).join(', ')}`, () => {
        MODES.forEach(([mode, priv, virt], i) => {
          assert.equal(access(insn, priv, virt).cause, expected[i], `${name} in ${mode}`);
        });
      });
    }
    it('mstatus.TVM: HS may not touch satp or hgatp (illegal), may touch vsatp; VS is not affected', () => {
      const tvm = (r: Rig) => r.setCsr(CSR.mstatus, MS.TVM);
      assert.equal(access(A.csrr(a0, HCSR.hgatp), PRIV_S, false, tvm).cause, ILLEGAL);
      assert.equal(access(A.csrr(a0, CSR.satp), PRIV_S, false, tvm).cause, ILLEGAL);
      assert.equal(access(A.csrr(a0, HCSR.vsatp), PRIV_S, false, tvm).cause, undefined);
      assert.equal(access(A.csrr(a0, CSR.satp), PRIV_S, true, tvm).cause, undefined, 'VS: satp is vsatp, TVM ignored');
      assert.equal(access(A.csrr(a0, HCSR.hgatp), PRIV_S, true, tvm).cause, VIRTUAL, 'HS-qualified assumes TVM = 0');
    });
    it('hstatus.VTVM: satp from VS is a virtual instruction; HS and M are not affected', () => {
      const vtvm = (r: Rig) => r.setCsr(HCSR.hstatus, HS.VTVM);
      assert.equal(access(A.csrr(a0, CSR.satp), PRIV_S, true, vtvm).cause, VIRTUAL);
      assert.equal(access(A.csrw(CSR.satp, zero), PRIV_S, true, vtvm).cause, VIRTUAL);
      assert.equal(access(A.csrr(a0, CSR.satp), PRIV_S, false, vtvm).cause, undefined);
    });
    it('counters: mcounteren off → illegal; hcounteren off → virtual in VS and VU; scounteren off → virtual in VU', () => {
      for (const [name, addr, bit] of [['cycle', CSR.cycle, 0], ['time', CSR.time, 1], ['instret', CSR.instret, 2], ['hpmcounter3', CSR.hpmcounter3, 3]] as const) {
        const en = (m: number, h: number, s: number) => (r: Rig) => {
          r.setCsr(CSR.mcounteren, BigInt(m << bit));
          r.setCsr(HCSR.hcounteren, BigInt(h << bit));
          r.setCsr(CSR.scounteren, BigInt(s << bit));
        };
        const insn = A.csrr(a0, addr);
        assert.equal(access(insn, PRIV_S, true, en(0, 1, 1)).cause, ILLEGAL, `${name} VS, mcounteren 0`);
        assert.equal(access(insn, PRIV_S, true, en(1, 0, 1)).cause, VIRTUAL, `${name} VS, hcounteren 0`);
        assert.equal(access(insn, PRIV_S, true, en(1, 1, 0)).cause, undefined, `${name} VS ignores scounteren`);
        assert.equal(access(insn, PRIV_U, true, en(1, 1, 0)).cause, VIRTUAL, `${name} VU, scounteren 0`);
        assert.equal(access(insn, PRIV_U, true, en(1, 0, 1)).cause, VIRTUAL, `${name} VU, hcounteren 0`);
        assert.equal(access(insn, PRIV_U, true, en(0, 1, 1)).cause, ILLEGAL, `${name} VU, mcounteren 0`);
        assert.equal(access(insn, PRIV_U, true, en(1, 1, 1)).cause, undefined, `${name} VU, all on`);
        assert.equal(access(insn, PRIV_S, false, en(1, 0, 0)).cause, undefined, `${name} HS ignores hcounteren`);
        assert.equal(access(insn, PRIV_U, false, en(1, 0, 0)).cause, ILLEGAL, `${name} U, scounteren 0`);
      }
    });
    it('stimecmp from VS with henvcfg.STCE = 0: virtual when HS could access it, else illegal (more in sstc-h.test.ts)', () => {
      const sstc = (tm: boolean) => (r: Rig) => {
        r.setCsr(HCSR.menvcfg, 1n << 63n);
        r.setCsr(CSR.mcounteren, tm ? 2n : 0n);
      };
      assert.equal(access(A.csrr(a0, HCSR.stimecmp), PRIV_S, true, sstc(true)).cause, VIRTUAL);
      assert.equal(access(A.csrr(a0, HCSR.stimecmp), PRIV_S, true, sstc(false)).cause, ILLEGAL);
      assert.equal(access(A.csrr(a0, HCSR.stimecmp), PRIV_S, false, sstc(true)).cause, undefined);
    });
  });

  describe('V=1 substitutes the VS CSRs for the S CSRs (§13.2)', () => {
    const pairs: [string, number, number, bigint][] = [
      ['sstatus', CSR.sstatus, HCSR.vsstatus, 0x40000n],
      ['stvec', CSR.stvec, HCSR.vstvec, 0x8000_4000n],
      ['sscratch', CSR.sscratch, HCSR.vsscratch, 0x1234_5678n],
      ['sepc', CSR.sepc, HCSR.vsepc, 0x8000_0124n],
      ['scause', CSR.scause, HCSR.vscause, 0xdn],
      ['stval', CSR.stval, HCSR.vstval, 0x4444n],
      ['satp', CSR.satp, HCSR.vsatp, 0n],
    ];
    for (const [name, s, vs, value] of pairs) {
      it(`${name} in VS reads and writes ${name.replace(/^s/, 'vs')}; the HS copy is untouched`, () => {
        const r = hrig();
        r.setCsr(s, 0n);
        r.setX(a1, value);
        runIn(r, PRIV_S, true, [A.csrw(s, a1), A.csrr(a0, s)], 2);
        assert.equal(trapSeen(r).to, 'none');
        const noUxl = (v: bigint) => v & ~(3n << 32n);
        assert.equal(hex(noUxl(r.csr(vs))), hex(value), `${name} wrote ${name.replace(/^s/, 'vs')}`);
        assert.equal(hex(noUxl(r.x(a0))), hex(value), 'read back (UXL aside)');
        if (value !== 0n) assert.equal(noUxl(r.csr(s)), 0n, `HS ${name} unchanged`);
      });
    }
    it('sip/sie in VS are vsip/vsie: VS sees its interrupts as S-level ones', () => {
      const r = hrig();
      r.setCsr(HCSR.hideleg, 0x444n);
      r.setCsr(HCSR.hvip, 0x4n);
      r.setX(a1, 0x22n);
      runIn(r, PRIV_S, true, [A.csrr(a0, CSR.sip), A.csrw(CSR.sie, a1)], 2);
      assert.equal(hex(r.x(a0)), hex(0x2n), 'sip.SSIP = hvip.VSSIP');
      assert.equal(hex(r.csr(HCSR.hie)), hex(0x44n), 'sie.SSIE, STIE = hie.VSSIE, VSTIE');
      assert.equal(r.csr(CSR.mie) & 0x222n, 0n, 'the HS-level enables are untouched');
    });
    it('satp in VS: a write with an unsupported MODE is ignored (§13.2.18)', () => {
      const r = hrig();
      r.setCsr(HCSR.vsatp, 0n);
      r.setX(a1, (10n << 60n) | 5n);
      runIn(r, PRIV_S, true, [A.csrw(CSR.satp, a1)]);
      assert.equal(r.csr(HCSR.vsatp), 0n);
    });
    it('scounteren and senvcfg have no VS copy: VS accesses the real ones', () => {
      const r = hrig();
      r.setX(a1, 5n);
      runIn(r, PRIV_S, true, [A.csrw(CSR.scounteren, a1), A.csrw(HCSR.senvcfg, a1)], 2);
      assert.equal(r.csr(CSR.scounteren), 5n);
      assert.equal(r.csr(HCSR.senvcfg), 1n);
    });
    it('time in VS and VU is time + htimedelta, wrapping at 2^64 (§13.2.7); not in HS or M', () => {
      const r = hrig();
      r.setCsr(CSR.mcounteren, 2n);
      r.setCsr(HCSR.hcounteren, 2n);
      r.setCsr(CSR.scounteren, 2n);
      r.setCsr(HCSR.htimedelta, u64(-5n));
      const mtime = BigInt(r.hart().env.mtime());
      for (const [priv, virt, delta] of [[PRIV_S, true, -5n], [PRIV_U, true, -5n], [PRIV_S, false, 0n], [PRIV_M, false, 0n]] as const) {
        runIn(r, priv, virt, [A.csrr(a0, CSR.time)]);
        assert.equal(hex(r.x(a0)), hex(u64(mtime + delta)), `priv ${priv} V=${virt}`);
      }
    });
  });
});
