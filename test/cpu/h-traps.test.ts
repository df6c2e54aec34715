// Traps with the virtualization mode V (privileged spec §13.6): delegation M → HS → VS by medeleg/mideleg and
// hedeleg/hideleg, what trap entry writes at each level (§13.6.2), MRET/SRET with V (§13.6.4), VS-level and
// guest external interrupts with their priorities (§13.2.3), and the virtual-instruction exceptions of the
// instructions (§13.6.1), with the H instructions' encodings checked against GNU as.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setGuestExternalInterrupts } from '../../engine/cpu/csr-file';
import type { Hart } from '../../engine/cpu/hart';
import { pendingInterrupt, wakesFromWfi } from '../../engine/cpu/traps';
import * as A from '../support/asm';
import { J_SELF, X } from '../support/asm';
import { BASE, CSR, hex, INTERRUPT, MS, mppOf, PRIV_M, PRIV_S, PRIV_U, Rig } from './harness';
import * as H from './h-harness';
import { CODE, HCSR, HS, hrig, MSH, runIn, setMode, trapSeen, VS_TRAP } from './h-harness';

const { zero, ra, sp, t6, a0, a1, a2 } = X;
const ILLEGAL = 2n, VIRTUAL = 22n;

/** Runs one instruction; returns where its trap went. */
function trapOf(insn: number, priv: 0 | 1 | 3, virt: boolean, setup?: (r: Rig) => void) {
  const r = hrig();
  runIn(r, priv, virt, [insn], 1, setup);
  return { r, t: trapSeen(r) };
}

describe('cpu/h-traps: traps and returns with V (Priv §13.6)', () => {
  it('HLV/HLVX/HSV/HFENCE encoders match GNU as (-march=..._h)', function () {
    try { execFileSync('riscv64-unknown-elf-as', ['--version'], { stdio: 'ignore' }); } catch { this.skip(); }
    const cases: [string, number][] = [
      ['hlv.b a0, (a1)', H.hlv_b(a0, a1)], ['hlv.bu t6, (sp)', H.hlv_bu(t6, sp)], ['hlv.h a0, (a1)', H.hlv_h(a0, a1)],
      ['hlv.hu a0, (a1)', H.hlv_hu(a0, a1)], ['hlvx.hu a0, (a1)', H.hlvx_hu(a0, a1)], ['hlv.w ra, (t6)', H.hlv_w(ra, t6)],
      ['hlv.wu a0, (a1)', H.hlv_wu(a0, a1)], ['hlvx.wu a0, (a1)', H.hlvx_wu(a0, a1)], ['hlv.d a2, (a1)', H.hlv_d(a2, a1)],
      ['hsv.b a0, (a1)', H.hsv_b(a0, a1)], ['hsv.h a0, (a1)', H.hsv_h(a0, a1)], ['hsv.w t6, (sp)', H.hsv_w(t6, sp)],
      ['hsv.d a2, (a1)', H.hsv_d(a2, a1)], ['hfence.vvma', H.hfence_vvma()], ['hfence.vvma a0, a1', H.hfence_vvma(a0, a1)],
      ['hfence.gvma', H.hfence_gvma()], ['hfence.gvma a0, zero', H.hfence_gvma(a0, zero)],
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringside-hasm-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.s'), ['.text', ...cases.map(([l]) => `  ${l}`)].join('\n') + '\n');
      execFileSync('riscv64-unknown-elf-as', ['-march=rv64imac_zicsr_zifencei_h', 'a.s', '-o', 'a.o'], { cwd: dir });
      execFileSync('riscv64-unknown-elf-objcopy', ['-O', 'binary', '-j', '.text', 'a.o', 'a.bin'], { cwd: dir });
      const bin = fs.readFileSync(path.join(dir, 'a.bin'));
      cases.forEach(([line, word], i) => assert.equal(hex(word), hex(bin.readUInt32LE(4 * i)), line));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('ecall and delegation (§13.6.1–13.6.2)', () => {
    it('ecall causes: U and VU 8, HS 9, VS 10, M 11; MPV and MPP record the mode', () => {
      for (const [priv, virt, cause] of [[PRIV_U, false, 8n], [PRIV_U, true, 8n], [PRIV_S, false, 9n], [PRIV_S, true, 10n], [PRIV_M, false, 11n]] as const) {
        const { r, t } = trapOf(A.ecall(), priv, virt);
        assert.deepEqual([t.to, t.cause], ['M', cause], `priv ${priv} V=${virt}`);
        const ms = r.csr(CSR.mstatus);
        assert.equal(mppOf(ms), priv);
        assert.equal((ms & MSH.MPV) !== 0n, virt, 'MPV = V');
        assert.equal(ms & MSH.GVA, 0n, 'GVA = 0: no address in mtval');
        assert.equal(r.hart().virt, false, 'M runs with V = 0');
      }
    });
    it('into M: mtval2 and mtinst are written (zero for a trap without a guest physical address)', () => {
      const { r } = trapOf(A.ecall(), PRIV_S, true, (rr) => { rr.setCsr(HCSR.mtval2, 77n); rr.setCsr(HCSR.mtinst, 88n); });
      assert.equal(r.csr(HCSR.mtval2), 0n);
      assert.equal(r.csr(HCSR.mtinst), 0n);
    });
    it('medeleg sends a trap from VS to HS: scause, sepc; SPV = 1, SPVP = SPP = 1, GVA = 0, htval = htinst = 0; V = 0', () => {
      const { r, t } = trapOf(A.ecall(), PRIV_S, true, (rr) => {
        rr.setCsr(CSR.medeleg, 1n << 10n);
        rr.setCsr(HCSR.htval, 5n);
        rr.setCsr(HCSR.htinst, 6n);
        rr.setCsr(HCSR.hstatus, HS.GVA);
      });
      assert.deepEqual([t.to, t.cause, t.epc, t.tval2, t.tinst], ['HS', 10n, BigInt(CODE), 0n, 0n]);
      assert.equal(hex(r.csr(HCSR.hstatus) & (HS.SPV | HS.SPVP | HS.GVA)), hex(HS.SPV | HS.SPVP));
      assert.equal(r.csr(CSR.mstatus) & MS.SPP, MS.SPP);
    });
    it('from VU to HS: SPV = 1, SPVP = SPP = 0', () => {
      const { r, t } = trapOf(A.ecall(), PRIV_U, true, (rr) => { rr.setCsr(CSR.medeleg, 1n << 8n); rr.setCsr(HCSR.hstatus, HS.SPVP); });
      assert.deepEqual([t.to, t.cause], ['HS', 8n]);
      assert.equal(hex(r.csr(HCSR.hstatus) & (HS.SPV | HS.SPVP)), hex(HS.SPV));
    });
    it('from U (V = 0) to HS: SPV = 0 and SPVP keeps its value', () => {
      for (const spvp of [0n, HS.SPVP]) {
        const { r, t } = trapOf(A.ecall(), PRIV_U, false, (rr) => { rr.setCsr(CSR.medeleg, 1n << 8n); rr.setCsr(HCSR.hstatus, HS.SPV | spvp); });
        assert.equal(t.to, 'HS');
        assert.equal(hex(r.csr(HCSR.hstatus) & (HS.SPV | HS.SPVP)), hex(spvp));
      }
    });
    it('hedeleg sends it on to VS: vscause, vsepc, vstval, vsstatus.SPP/SPIE/SIE; V stays 1; HS and M state untouched', () => {
      const insn = A.csrr(a0, CSR.mstatus);
      const { r, t } = trapOf(insn, PRIV_S, true, (rr) => {
        rr.setCsr(CSR.medeleg, 1n << 2n);
        rr.setCsr(HCSR.hedeleg, 1n << 2n);
        rr.setCsr(HCSR.vsstatus, MS.SIE);
        rr.setCsr(HCSR.hstatus, HS.SPVP);
        rr.setCsr(CSR.sepc, 0x1110n);
        rr.setCsr(CSR.mepc, 0x2220n);
      });
      // An exception keeps its code in vscause: only VS-level interrupt codes are translated (§13.2.2).
      assert.deepEqual([t.to, t.cause, t.epc, t.tval], ['VS', 2n, BigInt(CODE), BigInt(insn)]);
      assert.equal(hex(r.csr(HCSR.vsstatus) & (MS.SPP | MS.SPIE | MS.SIE)), hex(MS.SPP | MS.SPIE));
      assert.equal(hex(r.csr(HCSR.hstatus)), hex((2n << 32n) | HS.SPVP), 'hstatus untouched');
      assert.equal(r.csr(CSR.sepc), 0x1110n);
      assert.equal(r.csr(CSR.mepc), 0x2220n);
    });
    it('from VU to VS: vsstatus.SPP = 0', () => {
      const { r, t } = trapOf(A.ecall(), PRIV_U, true, (rr) => { rr.setCsr(CSR.medeleg, 1n << 8n); rr.setCsr(HCSR.hedeleg, 1n << 8n); rr.setCsr(HCSR.vsstatus, MS.SPP); });
      assert.deepEqual([t.to, t.cause], ['VS', 8n]);
      assert.equal(r.csr(HCSR.vsstatus) & MS.SPP, 0n);
    });
    it('hedeleg without medeleg delegates nothing; hedeleg applies only to traps from V = 1', () => {
      assert.equal(trapOf(A.ebreak(), PRIV_S, true, (rr) => rr.setCsr(HCSR.hedeleg, 1n << 3n)).t.to, 'M');
      const deleg = (rr: Rig) => { rr.setCsr(CSR.medeleg, 1n << 3n); rr.setCsr(HCSR.hedeleg, 1n << 3n); };
      assert.equal(trapOf(A.ebreak(), PRIV_U, false, deleg).t.to, 'HS');
      assert.equal(trapOf(A.ebreak(), PRIV_S, false, deleg).t.to, 'HS');
    });
    it('traps from M are never delegated, whatever medeleg and hedeleg say', () => {
      const all = (rr: Rig) => { rr.setCsr(CSR.medeleg, -1n); rr.setCsr(HCSR.hedeleg, -1n); };
      assert.equal(trapOf(A.ebreak(), PRIV_M, false, all).t.to, 'M');
    });
    it('virtual-instruction traps into M have mstatus.GVA = 0, even right after one with GVA = 1', () => {
      const r = hrig();
      r.setCsr(CSR.mstatus, MSH.GVA);
      runIn(r, PRIV_S, true, [A.csrr(a0, HCSR.hstatus)]);
      assert.equal(trapSeen(r).cause, VIRTUAL);
      assert.equal(r.csr(CSR.mstatus) & MSH.GVA, 0n);
    });
    it('the trap listener hears the mode before and after, V included', () => {
      const r = hrig();
      const seen: unknown[] = [];
      r.m.interp.listener = { onTrap: (_h, cause, interrupt, fromPriv, toPriv, fromVirt, toVirt) => seen.push([cause, interrupt, fromPriv, toPriv, fromVirt, toVirt]) };
      r.setCsr(CSR.medeleg, 1n << 8n);
      r.setCsr(HCSR.hedeleg, 1n << 8n);
      runIn(r, PRIV_U, true, [A.ecall()]);
      assert.deepEqual(seen, [[8, false, 0, 1, true, true]]);
    });
  });

  describe('MRET and SRET with V (§13.6.4)', () => {
    function ret(insn: number, priv: 0 | 1 | 3, virt: boolean, setup: (r: Rig) => void): Rig {
      const r = hrig();
      r.put(BASE + 0x400, J_SELF);
      r.setCsr(CSR.mepc, BigInt(BASE + 0x400));
      r.setCsr(CSR.sepc, BigInt(BASE + 0x400));
      r.setCsr(HCSR.vsepc, BigInt(BASE + 0x400));
      runIn(r, priv, virt, [insn], 1, setup);
      assert.equal(hex(r.pc()), hex(BASE + 0x400), 'returned');
      return r;
    }
    it('mret with MPV = 1 enters VS or VU per MPP and clears MPV', () => {
      for (const mpp of [0n, 1n]) {
        const r = ret(A.mret(), PRIV_M, false, (rr) => rr.setCsr(CSR.mstatus, MSH.MPV | (mpp << 11n)));
        assert.deepEqual([r.priv(), r.hart().virt], [Number(mpp), true]);
        assert.equal(r.csr(CSR.mstatus) & MSH.MPV, 0n);
      }
    });
    it('mret with MPP = M ignores MPV: V stays 0', () => {
      const r = ret(A.mret(), PRIV_M, false, (rr) => rr.setCsr(CSR.mstatus, MSH.MPV | (3n << 11n)));
      assert.deepEqual([r.priv(), r.hart().virt], [PRIV_M, false]);
    });
    it('sret in HS with SPV = 1 enters VS (SPP = 1) and clears SPV; with SPV = 0 stays at V = 0', () => {
      const r = ret(A.sret(), PRIV_S, false, (rr) => { rr.setCsr(HCSR.hstatus, HS.SPV); rr.setCsr(CSR.mstatus, MS.SPP | MS.SPIE); });
      assert.deepEqual([r.priv(), r.hart().virt], [PRIV_S, true]);
      assert.equal(r.csr(HCSR.hstatus) & HS.SPV, 0n);
      assert.equal(hex(r.csr(CSR.mstatus) & (MS.SPP | MS.SPIE | MS.SIE)), hex(MS.SPIE | MS.SIE));
      const r2 = ret(A.sret(), PRIV_S, false, () => undefined);
      assert.deepEqual([r2.priv(), r2.hart().virt], [PRIV_U, false]);
    });
    it('sret in M with SPV = 1 enters VU', () => {
      const r = ret(A.sret(), PRIV_M, false, (rr) => rr.setCsr(HCSR.hstatus, HS.SPV));
      assert.deepEqual([r.priv(), r.hart().virt], [PRIV_U, true]);
    });
    it('sret in VS uses vsstatus and vsepc: to VU, SIE = SPIE, SPIE = 1, SPP = 0; sstatus and hstatus untouched', () => {
      const r = ret(A.sret(), PRIV_S, true, (rr) => {
        rr.setCsr(HCSR.vsstatus, MS.SPIE);
        rr.setCsr(CSR.sepc, BigInt(BASE + 0x800));
        rr.setCsr(CSR.mstatus, MS.SPP);
        rr.setCsr(HCSR.hstatus, HS.SPV);
      });
      assert.deepEqual([r.priv(), r.hart().virt], [PRIV_U, true]);
      assert.equal(hex(r.csr(HCSR.vsstatus) & (MS.SPP | MS.SPIE | MS.SIE)), hex(MS.SPIE | MS.SIE));
      assert.equal(r.csr(CSR.mstatus) & MS.SPP, MS.SPP, 'sstatus.SPP untouched');
      assert.equal(r.csr(HCSR.hstatus) & HS.SPV, HS.SPV, 'hstatus.SPV untouched');
    });
    it('sret in VS with vsstatus.SPP = 1 stays in VS', () => {
      const r = ret(A.sret(), PRIV_S, true, (rr) => rr.setCsr(HCSR.vsstatus, MS.SPP));
      assert.deepEqual([r.priv(), r.hart().virt], [PRIV_S, true]);
    });
  });

  describe('VS-level and guest external interrupts (§13.2.3)', () => {
    /** Pending and enabled VS-level interrupts `bits` (via hvip and hie), delegated to VS by `hideleg`. */
    function irqRig(bits: bigint, hideleg: bigint, setup?: (r: Rig) => void): Rig {
      const r = hrig();
      r.setCsr(HCSR.hideleg, hideleg);
      r.setCsr(HCSR.hie, 0x444n);
      r.setCsr(HCSR.hvip, bits);
      setup?.(r);
      return r;
    }
    const take = (r: Rig, priv: 0 | 1 | 3, virt: boolean) => { runIn(r, priv, virt, [A.addi(a0, a0, 1)]); return trapSeen(r); };

    it('delegated by hideleg, a VS-level interrupt reaches VS as its S-level code (VSSI 1, VSTI 5, VSEI 9)', () => {
      for (const [bit, code] of [[0x4n, 1n], [0x40n, 5n], [0x400n, 9n]] as const) {
        const r = irqRig(bit, 0x444n, (rr) => rr.setCsr(HCSR.vsstatus, MS.SIE));
        const t = take(r, PRIV_S, true);
        assert.deepEqual([t.to, t.cause, t.epc], ['VS', INTERRUPT | code, BigInt(CODE)], `bit ${hex(bit)}`);
        assert.equal(r.csr(HCSR.vsstatus) & (MS.SIE | MS.SPIE), MS.SPIE);
      }
    });
    it('vectored vstvec: base + 4 × the translated code', () => {
      const r = irqRig(0x40n, 0x444n, (rr) => { rr.setCsr(HCSR.vstvec, BigInt(VS_TRAP) | 1n); rr.put(VS_TRAP + 20, J_SELF); rr.setCsr(HCSR.vsstatus, MS.SIE); });
      take(r, PRIV_S, true);
      assert.equal(hex(r.pc()), hex(VS_TRAP + 4 * 5));
    });
    it('vsstatus.SIE masks them in VS; in VU they are always enabled; at V = 0 they wait', () => {
      assert.equal(take(irqRig(0x4n, 0x444n), PRIV_S, true).to, 'none', 'VS, SIE = 0');
      assert.equal(take(irqRig(0x4n, 0x444n), PRIV_U, true).to, 'VS', 'VU');
      for (const [priv, name] of [[PRIV_U, 'U'], [PRIV_S, 'HS'], [PRIV_M, 'M']] as const) {
        assert.equal(take(irqRig(0x4n, 0x444n, (rr) => rr.setCsr(CSR.mstatus, MS.SIE | MS.MIE)), priv, false).to, 'none', name);
      }
    });
    it('not delegated by hideleg, they go to HS with their own codes, from VS/VU whatever sstatus.SIE; never to M', () => {
      const t = take(irqRig(0x400n, 0n), PRIV_S, true);
      assert.deepEqual([t.to, t.cause], ['HS', INTERRUPT | 10n]);
      assert.equal(take(irqRig(0x4n, 0n), PRIV_U, false).to, 'HS', 'U: HS-level interrupts are enabled below HS');
      assert.equal(take(irqRig(0x4n, 0n), PRIV_S, false).to, 'none', 'HS with SIE = 0');
      assert.equal(take(irqRig(0x4n, 0n, (rr) => rr.setCsr(CSR.mstatus, MS.MIE)), PRIV_M, false).to, 'none', 'M: delegated past M');
    });
    it('priority: VSEI, then VSSI, then VSTI (§13.2.3); HS-level before VS-level; M-level first', () => {
      const h = (r: Rig): Hart => r.hart();
      const r = irqRig(0x444n, 0x444n);
      setMode(r, PRIV_U, true);
      assert.equal(pendingInterrupt(h(r)), 10);
      r.setCsr(HCSR.hvip, 0x44n);
      assert.equal(pendingInterrupt(h(r)), 2);
      r.setCsr(HCSR.hvip, 0x40n);
      assert.equal(pendingInterrupt(h(r)), 6);
      r.setCsr(HCSR.hvip, 0x444n);
      r.setCsr(CSR.mideleg, 0x222n);
      r.setCsr(CSR.mie, 0x444n | 0x20n | 0x80n);
      r.raiseLines(0x20); // STIP: an HS-level interrupt outranks the VS-level ones
      assert.equal(pendingInterrupt(h(r)), 5);
      r.raiseLines(0x80); // MTIP: M-level first
      assert.equal(pendingInterrupt(h(r)), 7);
    });
    it('guest external interrupts: SGEI (12) to HS when hgeip & hgeie, after SEI/SSI/STI and before VSEI; VGEIN feeds VSEIP', () => {
      const r = irqRig(0x400n, 0n);
      const hh = r.hart();
      hh.geilen = 4;
      r.setCsr(CSR.mideleg, 0x222n);
      r.setCsr(CSR.mie, 0x1444n);
      r.setCsr(HCSR.hgeie, 0b100n);
      setGuestExternalInterrupts(hh, 0b100);
      setMode(r, PRIV_U, true);
      assert.equal(pendingInterrupt(hh), 12, 'SGEI outranks VSEI');
      r.setCsr(CSR.mie, 0x1666n);
      r.raiseLines(0x20);
      assert.equal(pendingInterrupt(hh), 5, 'STI outranks SGEI');
      r.hart().mipLines &= ~0x20;
      const t = take(r, PRIV_U, true);
      assert.deepEqual([t.to, t.cause], ['HS', INTERRUPT | 12n]);
      // VSEIP from the guest external interrupt VGEIN selects, with hvip.VSEIP off
      const r2 = irqRig(0n, 0x444n);
      r2.hart().geilen = 4;
      r2.setCsr(HCSR.hstatus, 3n << 12n);
      setGuestExternalInterrupts(r2.hart(), 0b1000);
      const t2 = take(r2, PRIV_U, true);
      assert.deepEqual([t2.to, t2.cause], ['VS', INTERRUPT | 9n]);
    });
    it('wfi wakes on a pending, enabled VS-level interrupt even when it cannot be taken yet', () => {
      const r = irqRig(0x4n, 0x444n);
      setMode(r, PRIV_S, false);
      assert.equal(wakesFromWfi(r.hart()), true);
      assert.equal(pendingInterrupt(r.hart()), -1);
    });
  });

  describe('virtual-instruction exceptions of instructions (§13.6.1)', () => {
    /** Cause in M, HS, U, VS, VU (undefined: executes without trapping). */
    function causes(insn: number, setup?: (r: Rig) => void): (bigint | undefined)[] {
      return ([[PRIV_M, false], [PRIV_S, false], [PRIV_U, false], [PRIV_S, true], [PRIV_U, true]] as const).map(([p, v]) => {
        const { t } = trapOf(insn, p, v, (rr) => { rr.setX(a1, BigInt(BASE + 0x2_0000)); rr.setCsr(HCSR.vsepc, BigInt(CODE + 4)); rr.setCsr(CSR.sepc, BigInt(CODE + 4)); rr.setCsr(CSR.mepc, BigInt(CODE + 4)); setup?.(rr); });
        if (t.to === 'none') return undefined;
        assert.equal(hex(t.tval), hex(insn), 'tval = the instruction');
        return t.cause;
      });
    }
    const U = undefined;
    it('hfence.vvma, hfence.gvma: virtual in VS and VU, illegal in U', () => {
      assert.deepEqual(causes(H.hfence_vvma()), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
      assert.deepEqual(causes(H.hfence_gvma(a1, zero)), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
    });
    it('hfence.gvma is illegal in HS under mstatus.TVM; hfence.vvma is not (§13.3.2)', () => {
      const tvm = (r: Rig) => r.setCsr(CSR.mstatus, MS.TVM);
      assert.deepEqual(causes(H.hfence_gvma(), tvm), [U, ILLEGAL, ILLEGAL, VIRTUAL, VIRTUAL]);
      assert.deepEqual(causes(H.hfence_vvma(), tvm), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
    });
    it('HLV/HLVX/HSV: virtual in VS and VU, illegal in U unless hstatus.HU = 1', () => {
      for (const insn of [H.hlv_b(a0, a1), H.hlv_wu(a0, a1), H.hlvx_hu(a0, a1), H.hlv_d(a0, a1), H.hsv_w(a2, a1), H.hsv_d(a2, a1)]) {
        assert.deepEqual(causes(insn), [U, U, ILLEGAL, VIRTUAL, VIRTUAL], hex(insn));
        assert.deepEqual(causes(insn, (r) => r.setCsr(HCSR.hstatus, HS.HU)), [U, U, U, VIRTUAL, VIRTUAL], `${hex(insn)} with HU`);
      }
    });
    it('wfi: virtual in VU (TW = 0) and in VS under VTW; illegal everywhere below M under TW', () => {
      assert.deepEqual(causes(A.wfi(), (r) => r.raiseLines(0x80)), [U, U, ILLEGAL, U, VIRTUAL]);
      assert.deepEqual(causes(A.wfi(), (r) => { r.raiseLines(0x80); r.setCsr(HCSR.hstatus, HS.VTW); }), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
      assert.deepEqual(causes(A.wfi(), (r) => { r.raiseLines(0x80); r.setCsr(HCSR.hstatus, HS.VTW); r.setCsr(CSR.mstatus, MS.TW); }),
        [U, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]);
    });
    it('sret: virtual in VU and in VS under VTSR; mstatus.TSR traps HS only', () => {
      assert.deepEqual(causes(A.sret()), [U, U, ILLEGAL, U, VIRTUAL]);
      assert.deepEqual(causes(A.sret(), (r) => r.setCsr(HCSR.hstatus, HS.VTSR)), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
      assert.deepEqual(causes(A.sret(), (r) => r.setCsr(CSR.mstatus, MS.TSR)), [U, ILLEGAL, ILLEGAL, U, VIRTUAL]);
    });
    it('sfence.vma: virtual in VU and in VS under VTVM; mstatus.TVM traps HS only', () => {
      assert.deepEqual(causes(A.sfence_vma()), [U, U, ILLEGAL, U, VIRTUAL]);
      assert.deepEqual(causes(A.sfence_vma(), (r) => r.setCsr(HCSR.hstatus, HS.VTVM)), [U, U, ILLEGAL, VIRTUAL, VIRTUAL]);
      assert.deepEqual(causes(A.sfence_vma(), (r) => r.setCsr(CSR.mstatus, MS.TVM)), [U, ILLEGAL, ILLEGAL, U, VIRTUAL]);
    });
    it('mret: illegal everywhere but M (not HS-qualified)', () => {
      assert.deepEqual(causes(A.mret()), [U, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL]);
    });
    it('a virtual-instruction trap delegated to HS: scause 22, stval = the instruction, SPV = 1, GVA = 0', () => {
      const insn = A.csrr(a0, HCSR.hgatp);
      const { r, t } = trapOf(insn, PRIV_U, true, (rr) => rr.setCsr(CSR.medeleg, 1n << 22n));
      assert.deepEqual([t.to, t.cause, t.tval], ['HS', VIRTUAL, BigInt(insn)]);
      assert.equal(hex(r.csr(HCSR.hstatus) & (HS.SPV | HS.SPVP | HS.GVA)), hex(HS.SPV));
    });
    it('virtual-instruction traps cannot be delegated to VS (hedeleg bit 22 is read-only zero)', () => {
      const { t } = trapOf(A.csrr(a0, HCSR.hstatus), PRIV_S, true, (rr) => { rr.setCsr(CSR.medeleg, 1n << 22n); rr.setCsr(HCSR.hedeleg, 1n << 22n); });
      assert.equal(t.to, 'HS');
    });
  });
});
