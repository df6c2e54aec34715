// Two-stage address translation (privileged spec §13.5): the G stage under hgatp (Sv39x4, Sv48x4: 2 more root
// index bits, 16 KiB root, every access checked as U-level, guest-page faults 20/21/23 with the guest physical
// address >> 2 in htval/mtval2), the VS stage under vsatp over it (its page-table accesses G-stage translated,
// pseudoinstructions in htinst/mtinst), SUM and both MXRs, A/D updates in both stages, HLV/HLVX/HSV (§13.3.1),
// MPRV with MPV (§13.4.1), GVA, and TLB entries that never cross the V=0/V=1 boundary.
import { strict as assert } from 'assert';
import * as A from '../support/asm';
import { X } from '../support/asm';
import { BASE, CSR, DATA, hex, MS, PRIV_M, PRIV_S, PRIV_U, Rig } from '../cpu/harness';
import * as H from '../cpu/h-harness';
import { atp, HCSR, HS, hrig, MSH, PTE, runIn, RWX_AD, setMode, Tables, trapSeen } from '../cpu/h-harness';

const { a0, a1, a2 } = X;
const GPA = 0x1_0000_0000n;
const VALUE = 0x1122_3344_5566_7788n;
const LOAD_GPF = 21n, STORE_GPF = 23n, FETCH_GPF = 20n, LOAD_PF = 13n, STORE_PF = 15n, FETCH_PF = 12n, LOAD_AF = 5n;

/** G stage: the RAM gigapage one-to-one, and GPA + k·4 KiB → DATA + k·4 KiB with the given flags. */
interface Setup { r: Rig; t: Tables; g: number; pte: (k: number) => number }

function gstage(pages: bigint[], mode: 8 | 9 = 8): Setup {
  const r = hrig();
  const t = new Tables(r);
  const levels = mode === 8 ? 3 : 4;
  const g = t.root(true);
  t.map(g, BigInt(BASE), BASE, RWX_AD | PTE.U, { level: 2, levels, gstage: true });
  const ptes = pages.map((flags, k) => t.map(g, GPA + BigInt(k * 0x1000), DATA + k * 0x1000, flags, { levels, gstage: true }));
  r.setCsr(HCSR.hgatp, atp(mode, g));
  for (let k = 0; k < pages.length; k++) r.poke64(DATA + k * 0x1000 + 0x10, VALUE + BigInt(k));
  return { r, t, g, pte: (k) => ptes[k] };
}

/** Runs `insns` in (priv, virt) with a1 = addr; returns the trap (to: 'none' when it completed). */
function attempt(r: Rig, priv: 0 | 1 | 3, virt: boolean, insns: number[], addr: bigint, steps = insns.length) {
  r.setX(a0, 0xa0n);
  r.setX(a2, 0xfeedn);
  runIn(r, priv, virt, insns, steps, (rr) => rr.setX(a1, addr));
  return trapSeen(r);
}

function expectTrap(t: ReturnType<typeof trapSeen>, to: string, cause: bigint, tval: bigint, tval2: bigint, what: string): void {
  assert.equal(t.to, to, `${what}: trapped to ${to} (got ${t.to}, cause ${t.cause})`);
  assert.equal(t.cause, cause, `${what}: cause`);
  assert.equal(hex(t.tval), hex(tval), `${what}: tval`);
  assert.equal(hex(t.tval2), hex(tval2), `${what}: htval/mtval2 = GPA >> 2`);
}

const U_RW = PTE.R | PTE.W | PTE.U;

describe('mmu/two-stage: the H extension\'s two-stage translation (Priv §13.5)', () => {
  describe('G stage alone (vsatp Bare)', () => {
    it('loads and stores go through Sv39x4; A and D are set in the G-stage PTE', () => {
      const s = gstage([U_RW | PTE.X]);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(VALUE));
      assert.equal(s.r.peek64(s.pte(0)) & (PTE.A | PTE.D), PTE.A);
      attempt(s.r, PRIV_U, true, [A.sd(a2, a1, 0)], GPA + 0x18n);
      assert.equal(s.r.peek64(DATA + 0x18), 0xfeedn);
      assert.equal(s.r.peek64(s.pte(0)) & (PTE.A | PTE.D), PTE.A | PTE.D);
    });
    it('guest-page faults: store to a read-only page (23), a page without U (21), an unmapped page (21); htval = GPA >> 2', () => {
      const s = gstage([PTE.R | PTE.U | PTE.A | PTE.D, PTE.R | PTE.W | PTE.A | PTE.D]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.sd(a2, a1, 0)], GPA + 0x8n), 'M', STORE_GPF, GPA + 8n, (GPA + 8n) >> 2n, 'read-only');
      assert.equal(s.r.peek64(DATA + 8), 0n, 'memory untouched');
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x1010n), 'M', LOAD_GPF, GPA + 0x1010n, (GPA + 0x1010n) >> 2n, 'no U');
      assert.equal(s.r.x(a0), 0xa0n, 'rd untouched');
      expectTrap(attempt(s.r, PRIV_U, true, [A.lw(a0, a1, 0)], GPA + 0x5004n), 'M', LOAD_GPF, GPA + 0x5004n, (GPA + 0x5004n) >> 2n, 'unmapped');
      const ms = s.r.csr(CSR.mstatus);
      assert.equal(ms & (MSH.GVA | MSH.MPV), MSH.GVA | MSH.MPV, 'GVA = 1 (mtval is a guest virtual address), MPV = 1');
      assert.equal(s.r.csr(HCSR.mtinst), 0n, 'mtinst: zero for an explicit access');
    });
    it('an instruction guest-page fault (20): tval = the guest virtual pc, htval = its GPA >> 2', () => {
      const s = gstage([U_RW]); // no X
      s.r.setX(a1, GPA + 0x40n);
      const t = attempt(s.r, PRIV_S, true, [A.jalr(0, a1, 0)], GPA + 0x40n, 2);
      expectTrap(t, 'M', FETCH_GPF, GPA + 0x40n, (GPA + 0x40n) >> 2n, 'fetch from a page without X');
      assert.equal(hex(t.epc), hex(GPA + 0x40n));
    });
    it('delegated to HS: scause, stval, htval; hstatus.GVA = SPV = 1; to VS never (hedeleg bits 20-23 read-only zero)', () => {
      const s = gstage([U_RW]);
      s.r.setCsr(CSR.medeleg, 1n << 21n);
      s.r.setCsr(HCSR.hedeleg, 1n << 21n);
      const t = attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x3000n);
      expectTrap(t, 'HS', LOAD_GPF, GPA + 0x3000n, (GPA + 0x3000n) >> 2n, 'to HS');
      assert.equal(hex(s.r.csr(HCSR.hstatus) & (HS.GVA | HS.SPV)), hex(HS.GVA | HS.SPV));
    });
    it('the root index is 2 bits wider: GPA 2^39 and 2^40 are root entries 512 and 1024 (Sv39x4)', () => {
      const s = gstage([]);
      for (const gpa of [1n << 39n, 1n << 40n, (1n << 41n) - 0x1000n]) {
        s.t.map(s.g, gpa, DATA + 0x2000, U_RW | PTE.A | PTE.D, { gstage: true });
        s.r.poke64(DATA + 0x2008, gpa);
        assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], gpa + 8n).to, 'none', hex(gpa));
        assert.equal(hex(s.r.x(a0)), hex(gpa));
      }
    });
    it('a GPA with bits above 40 (Sv39x4) or 49 (Sv48x4) set is a guest-page fault, not a sign-extended address', () => {
      const s = gstage([U_RW]);
      for (const gpa of [1n << 41n, 1n << 63n, BigInt.asUintN(64, -8n)]) {
        expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], gpa), 'M', LOAD_GPF, gpa, gpa >> 2n, hex(gpa));
      }
      const s4 = gstage([U_RW], 9);
      expectTrap(attempt(s4.r, PRIV_S, true, [A.ld(a0, a1, 0)], 1n << 50n), 'M', LOAD_GPF, 1n << 50n, 1n << 48n, 'Sv48x4');
    });
    it('Sv48x4: four levels, root index bits 49:39 (GPA 2^49 is entry 1024)', () => {
      const s = gstage([U_RW | PTE.A], 9);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(VALUE));
      s.t.map(s.g, 1n << 49n, DATA + 0x2000, U_RW | PTE.A | PTE.D, { levels: 4, gstage: true });
      s.r.poke64(DATA + 0x2000, 0x49n);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 1n << 49n).to, 'none');
      assert.equal(s.r.x(a0), 0x49n);
    });
    it('MXR: the HS-level mstatus.MXR makes G-stage execute-only pages readable; vsstatus.MXR does not', () => {
      const s = gstage([PTE.X | PTE.U | PTE.A]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n), 'M', LOAD_GPF, GPA + 0x10n, (GPA + 0x10n) >> 2n, 'no MXR');
      s.r.setCsr(HCSR.vsstatus, MS.MXR);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n), 'M', LOAD_GPF, GPA + 0x10n, (GPA + 0x10n) >> 2n, 'vsstatus.MXR');
      s.r.setCsr(HCSR.vsstatus, 0n);
      s.r.setCsr(CSR.mstatus, MS.MXR);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n).to, 'none', 'mstatus.MXR');
      assert.equal(hex(s.r.x(a0)), hex(VALUE));
    });
    it('hgatp Bare: guest physical = supervisor physical; PMP still applies', () => {
      const r = hrig();
      r.poke64(DATA, 0x77n);
      assert.equal(attempt(r, PRIV_S, true, [A.ld(a0, a1, 0)], BigInt(DATA)).to, 'none');
      assert.equal(r.x(a0), 0x77n);
      r.setPmp([[0x18, (BigInt(DATA) >> 2n) | 0x1ffn], [0x1f, (1n << 54n) - 1n]]); // DATA's page: no permission
      assert.equal(attempt(r, PRIV_S, true, [A.ld(a0, a1, 0)], BigInt(DATA)).to, 'M', 'PMP denies S/U');
      assert.equal(r.csr(CSR.mcause), LOAD_AF);
    });
    it('a misaligned access straddling into a G-stage hole faults at the first byte of the hole', () => {
      const s = gstage([U_RW | PTE.A | PTE.D]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0xffcn), 'M', LOAD_GPF, GPA + 0x1000n, (GPA + 0x1000n) >> 2n, 'straddle');
    });
  });

  describe('VS stage over the G stage', () => {
    /** G stage as `gstage` gives it; VS stage Sv39 with the RAM gigapage one-to-one and VA 0x4000_0000 + k·4 KiB →
     *  GPA + gk·4 KiB with flags. */
    function twoStage(gPages: bigint[], vsPages: [number, bigint][]) {
      const s = gstage(gPages);
      const v = s.t.root(false);
      s.t.map(v, BigInt(BASE), BASE, RWX_AD, { level: 2 });
      const vpte = vsPages.map(([gk, flags], k) => s.t.map(v, 0x4000_0000n + BigInt(k * 0x1000), Number(GPA) + gk * 0x1000, flags));
      s.r.setCsr(HCSR.vsatp, atp(8, v));
      return { ...s, v, vpte: (k: number) => vpte[k] };
    }
    const G_RWX = U_RW | PTE.X | PTE.A | PTE.D;

    it('a load through both stages sets A in the VS-level PTE (written through the G stage), a store D', () => {
      const s = twoStage([G_RWX], [[0, PTE.R | PTE.W]]);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(VALUE));
      assert.equal(s.r.peek64(s.vpte(0)) & (PTE.A | PTE.D), PTE.A);
      attempt(s.r, PRIV_S, true, [A.sd(a2, a1, 0)], 0x4000_0018n);
      assert.equal(s.r.peek64(s.vpte(0)) & (PTE.A | PTE.D), PTE.A | PTE.D);
      assert.equal(s.r.peek64(DATA + 0x18), 0xfeedn);
    });
    it('a VS-stage fault is an ordinary page fault: tval = the guest virtual address, htval = 0, GVA = 1', () => {
      const s = twoStage([G_RWX], [[0, PTE.R | PTE.A]]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.sd(a2, a1, 0)], 0x4000_0008n), 'M', STORE_PF, 0x4000_0008n, 0n, 'VS read-only');
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_9000n), 'M', LOAD_PF, 0x4000_9000n, 0n, 'VS unmapped');
      assert.equal(s.r.csr(CSR.mstatus) & MSH.GVA, MSH.GVA);
      // delegated to VS by hedeleg
      s.r.setCsr(CSR.medeleg, 1n << 13n);
      s.r.setCsr(HCSR.hedeleg, 1n << 13n);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_9000n), 'VS', LOAD_PF, 0x4000_9000n, 0n, 'to VS');
    });
    it('a G-stage fault on the final address: tval = the guest virtual address, htval = the GPA >> 2', () => {
      const s = twoStage([G_RWX], [[7, PTE.R | PTE.W | PTE.A | PTE.D]]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0020n), 'M', LOAD_GPF, 0x4000_0020n, (GPA + 0x7020n) >> 2n, 'final GPA');
    });
    it('a G-stage fault on a VS page-table read: the access type\'s guest-page fault, htval = the PTE\'s GPA >> 2, tinst 0x3000', () => {
      const s = twoStage([G_RWX], []);
      const root = s.r.peek64(s.v) === 0n ? s.v : s.v;
      // VA 0xc000_0000 (root entry 3): a next-level table at GPA + 0x5000, which the G stage does not map.
      s.r.poke64(root + 3 * 8, (((GPA + 0x5000n) >> 12n) << 10n) | PTE.V);
      for (const [insn, cause] of [[A.ld(a0, a1, 0), LOAD_GPF], [A.sd(a2, a1, 0), STORE_GPF]] as const) {
        const t = attempt(s.r, PRIV_S, true, [insn], 0xc000_0000n + 0x20_1008n);
        expectTrap(t, 'M', cause, 0xc000_0000n + 0x20_1008n, (GPA + 0x5000n + 8n) >> 2n, 'PTE read');
        assert.equal(hex(t.tinst), hex(0x3000n), 'pseudoinstruction: 64-bit read for VS-stage translation');
      }
      // a fetch through it: instruction guest-page fault
      s.r.setX(a1, 0xc000_0000n);
      const t = attempt(s.r, PRIV_S, true, [A.jalr(0, a1, 0)], 0xc000_0000n, 2);
      expectTrap(t, 'M', FETCH_GPF, 0xc000_0000n, (GPA + 0x5000n) >> 2n, 'fetch');
      assert.equal(hex(t.tinst), hex(0x3000n));
    });
    it('a G-stage fault on a VS A/D update (the table page read-only at the G stage): tinst 0x3020, the load\'s cause', () => {
      const s = twoStage([G_RWX], []);
      // A VS table page of its own at GPA + 0x6000 → DATA + 0x6000, read-only at the G stage.
      const tablePa = DATA + 0x6000;
      for (let a = tablePa; a < tablePa + 0x1000; a += 8) s.r.poke64(a, 0n);
      s.t.map(s.g, GPA + 0x6000n, tablePa, PTE.R | PTE.U | PTE.A | PTE.D, { gstage: true });
      s.r.poke64(s.v + 3 * 8, (((GPA + 0x6000n) >> 12n) << 10n) | PTE.V);         // VA 0xc000_0000: level 1 at GPA+6 KiB
      s.r.poke64(tablePa, (((GPA + 0x0000n) >> 12n) << 10n) | PTE.V | PTE.R | PTE.W); // 2 MiB leaf... not aligned: use level 0
      s.r.poke64(tablePa, 0n);
      s.r.poke64(tablePa + 8, (((GPA + 0x6000n) >> 12n) << 10n) | PTE.V);             // VA 0xc020_0000: level 0 = the same page
      s.r.poke64(tablePa + 0x10, ((GPA >> 12n) << 10n) | PTE.V | PTE.R | PTE.W);       // VA 0xc020_2000: leaf, A = 0
      const t = attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0xc020_2010n);
      expectTrap(t, 'M', LOAD_GPF, 0xc020_2010n, (GPA + 0x6010n) >> 2n, 'A update');
      assert.equal(hex(t.tinst), hex(0x3020n), 'pseudoinstruction: 64-bit write for VS-stage translation');
    });
    it('vsstatus.SUM (not mstatus.SUM) lets VS use U pages; VU uses only U pages', () => {
      const s = twoStage([G_RWX], [[0, PTE.R | PTE.W | PTE.U | PTE.A | PTE.D], [0, PTE.R | PTE.A]]);
      s.r.setCsr(CSR.mstatus, MS.SUM);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n), 'M', LOAD_PF, 0x4000_0010n, 0n, 'mstatus.SUM');
      s.r.setCsr(HCSR.vsstatus, MS.SUM);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n).to, 'none', 'vsstatus.SUM');
      // VU: code must sit on a U page of the VS stage: map the code page at VA 0x4000_8000 with U+X.
      s.t.map(s.v, 0x4000_8000n, BASE, PTE.R | PTE.X | PTE.U | PTE.A, {});
      s.r.code(BASE + 0x100, [A.ld(a0, a1, 0), A.ld(a2, a2, 0)]);
      s.r.setX(a1, 0x4000_0010n);
      s.r.setX(a2, 0x4000_1010n);
      setMode(s.r, PRIV_U, true);
      s.r.hart().pc = 0x4000_8100;
      s.r.step(2);
      const t = trapSeen(s.r);
      expectTrap(t, 'M', LOAD_PF, 0x4000_1010n, 0n, 'VU on a page without U');
      assert.equal(hex(s.r.x(a0)), hex(VALUE), 'VU on a U page');
    });
    it('MXR: vsstatus.MXR makes VS-stage execute-only pages readable, but not G-stage ones; mstatus.MXR both', () => {
      const s = twoStage([G_RWX, PTE.X | PTE.U | PTE.A], [[0, PTE.X | PTE.A], [1, PTE.R | PTE.X | PTE.A]]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n), 'M', LOAD_PF, 0x4000_0010n, 0n, 'VS X-only');
      s.r.setCsr(HCSR.vsstatus, MS.MXR);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n).to, 'none', 'vsstatus.MXR, VS stage');
      expectTrap(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_1010n), 'M', LOAD_GPF, 0x4000_1010n, (GPA + 0x1010n) >> 2n, 'vsstatus.MXR, G stage');
      s.r.setCsr(HCSR.vsstatus, 0n);
      s.r.setCsr(CSR.mstatus, MS.MXR);
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0010n).to, 'none', 'mstatus.MXR, VS stage');
      assert.equal(attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_1010n).to, 'none', 'mstatus.MXR, G stage');
      assert.equal(hex(s.r.x(a0)), hex(VALUE + 1n));
    });
    it('instruction fetch through both stages: VS fetch page fault 12, G-stage fetch guest-page fault 20', () => {
      const s = twoStage([U_RW | PTE.A | PTE.D, G_RWX], [[1, PTE.R | PTE.A], [0, PTE.R | PTE.X | PTE.A]]);
      expectTrap(attempt(s.r, PRIV_S, true, [A.jalr(0, a1, 0)], 0x4000_0000n, 2), 'M', FETCH_PF, 0x4000_0000n, 0n, 'VS not X');
      expectTrap(attempt(s.r, PRIV_S, true, [A.jalr(0, a1, 0)], 0x4000_1000n, 2), 'M', FETCH_GPF, 0x4000_1000n, GPA >> 2n, 'G not X');
    });
  });

  describe('HLV, HLVX, HSV (§13.3.1)', () => {
    function hlvSetup() {
      const s = gstage([U_RW | PTE.X | PTE.A | PTE.D, PTE.R | PTE.U | PTE.A | PTE.D]);
      const v = s.t.root(false);
      s.t.map(v, BigInt(BASE), BASE, RWX_AD, { level: 2 });
      s.t.map(v, 0x4000_0000n, Number(GPA), PTE.R | PTE.W | PTE.A | PTE.D);              // VS page
      s.t.map(v, 0x4000_1000n, Number(GPA), PTE.R | PTE.W | PTE.U | PTE.A | PTE.D);      // VU page
      s.t.map(v, 0x4000_2000n, Number(GPA), PTE.X | PTE.A);                              // execute-only
      s.t.map(v, 0x4000_3000n, Number(GPA) + 0x1000, PTE.R | PTE.W | PTE.A | PTE.D);     // G read-only
      s.r.setCsr(HCSR.vsatp, atp(8, v));
      s.r.poke64(DATA + 0x10, 0x8899_aabb_ccdd_eeffn);
      return s;
    }
    const loads: [string, (rd: number, rs1: number) => number, bigint][] = [
      ['hlv.b', H.hlv_b, 0xffff_ffff_ffff_ffffn], ['hlv.bu', H.hlv_bu, 0xffn], ['hlv.h', H.hlv_h, 0xffff_ffff_ffff_eeffn],
      ['hlv.hu', H.hlv_hu, 0xeeffn], ['hlv.w', H.hlv_w, 0xffff_ffff_ccdd_eeffn], ['hlv.wu', H.hlv_wu, 0xccdd_eeffn],
      ['hlv.d', H.hlv_d, 0x8899_aabb_ccdd_eeffn],
    ];
    for (const [name, enc, want] of loads) {
      it(`${name} from HS and M, as VS (SPVP = 1): two-stage, width and extension`, () => {
        for (const priv of [PRIV_S, PRIV_M] as const) {
          const s = hlvSetup();
          s.r.setCsr(HCSR.hstatus, HS.SPVP);
          assert.equal(attempt(s.r, priv, false, [enc(a0, a1)], 0x4000_0010n).to, 'none');
          assert.equal(hex(s.r.x(a0)), hex(want), `${name} in priv ${priv}`);
          assert.equal(s.r.hart().virt, false);
        }
      });
    }
    it('hsv.b/h/w/d store their width as the guest', () => {
      const s = hlvSetup();
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      s.r.setX(a2, 0x0102_0304_0506_0708n);
      for (const [enc, off, want] of [[H.hsv_b, 0x20, 0x08n], [H.hsv_h, 0x28, 0x0708n], [H.hsv_w, 0x30, 0x0506_0708n], [H.hsv_d, 0x38, 0x0102_0304_0506_0708n]] as const) {
        runIn(s.r, PRIV_S, false, [enc(a2, a1)], 1, (rr) => rr.setX(a1, 0x4000_0000n + BigInt(off)));
        assert.equal(trapSeen(s.r).to, 'none');
        assert.equal(hex(s.r.peek64(DATA + off)), hex(want));
      }
    });
    it('SPVP = 0 makes the access VU-level: U pages only (vsstatus.SUM does not matter)', () => {
      const s = hlvSetup();
      assert.equal(attempt(s.r, PRIV_S, false, [H.hlv_d(a0, a1)], 0x4000_1010n).to, 'none');
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlv_d(a0, a1)], 0x4000_0010n), 'M', LOAD_PF, 0x4000_0010n, 0n, 'VU on a VS page');
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlv_d(a0, a1)], 0x4000_1010n), 'M', LOAD_PF, 0x4000_1010n, 0n, 'VS on a U page, no SUM');
      s.r.setCsr(HCSR.vsstatus, MS.SUM);
      assert.equal(attempt(s.r, PRIV_S, false, [H.hlv_d(a0, a1)], 0x4000_1010n).to, 'none', 'vsstatus.SUM');
    });
    it('HLVX needs execute permission in place of read: an execute-only page is readable by HLVX only', () => {
      const s = hlvSetup();
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      assert.equal(attempt(s.r, PRIV_S, false, [H.hlvx_wu(a0, a1)], 0x4000_2010n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(0xccdd_eeffn));
      assert.equal(attempt(s.r, PRIV_S, false, [H.hlvx_hu(a0, a1)], 0x4000_2012n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(0xccddn));
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlv_wu(a0, a1)], 0x4000_2010n), 'M', LOAD_PF, 0x4000_2010n, 0n, 'hlv.wu on X-only');
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlvx_wu(a0, a1)], 0x4000_0010n), 'M', LOAD_PF, 0x4000_0010n, 0n, 'hlvx on R-only (VS)');
      // and at the G stage: GPA + 0x1000 is readable, not executable
      s.r.setCsr(HCSR.vsatp, 0n);
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlvx_wu(a0, a1)], GPA + 0x1010n), 'M', LOAD_GPF, GPA + 0x1010n, (GPA + 0x1010n) >> 2n, 'hlvx, G R-only');
    });
    it('HLVX also needs read and execute from PMP (it cannot read execute-only physical memory)', () => {
      const r = hrig();
      r.setPmp([[0x18 | 0x4, ((BigInt(DATA) >> 2n) | 0x1ffn)], [0x1f, (1n << 54n) - 1n]]); // DATA: NAPOT 4 KiB, X only
      r.setCsr(HCSR.hstatus, HS.SPVP);
      expectTrap(attempt(r, PRIV_S, false, [H.hlvx_wu(a0, a1)], BigInt(DATA)), 'M', LOAD_AF, BigInt(DATA), 0n, 'PMP X-only');
    });
    it('faults of HLV/HSV: mtval/stval is the guest virtual address and GVA = 1 while SPV = 0 (§13.2.1)', () => {
      const s = hlvSetup();
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      // satp is Bare: still a page fault of the VS stage, not an access fault
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlv_w(a0, a1)], 0x4000_9000n), 'M', LOAD_PF, 0x4000_9000n, 0n, 'into M');
      assert.equal(hex(s.r.csr(CSR.mstatus) & (MSH.GVA | MSH.MPV)), hex(MSH.GVA));
      s.r.setCsr(CSR.medeleg, (1n << 13n) | (1n << 23n));
      expectTrap(attempt(s.r, PRIV_S, false, [H.hlv_w(a0, a1)], 0x4000_9000n), 'HS', LOAD_PF, 0x4000_9000n, 0n, 'into HS');
      assert.equal(hex(s.r.csr(HCSR.hstatus) & (HS.GVA | HS.SPV)), hex(HS.GVA));
      expectTrap(attempt(s.r, PRIV_S, false, [H.hsv_d(a2, a1)], 0x4000_3008n), 'HS', STORE_GPF, 0x4000_3008n, (GPA + 0x1008n) >> 2n, 'hsv, G read-only');
    });
    it('HLV ignores MPRV; MPRV with MPV = 1 makes M-mode loads and stores two-stage (VS or VU per MPP)', () => {
      const s = hlvSetup();
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      s.r.setCsr(CSR.mstatus, MS.MPRV); // MPP = U, MPV = 0: an ordinary load would be U-level, untranslated
      assert.equal(attempt(s.r, PRIV_M, false, [H.hlv_d(a0, a1)], 0x4000_0010n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(0x8899_aabb_ccdd_eeffn));
      s.r.setCsr(CSR.mstatus, MS.MPRV | MSH.MPV | (1n << 11n)); // as VS
      assert.equal(attempt(s.r, PRIV_M, false, [A.ld(a0, a1, 0)], 0x4000_0010n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(0x8899_aabb_ccdd_eeffn));
      s.r.setCsr(CSR.mstatus, MS.MPRV | MSH.MPV); // as VU: the VS page faults
      expectTrap(attempt(s.r, PRIV_M, false, [A.ld(a0, a1, 0)], 0x4000_0010n), 'M', LOAD_PF, 0x4000_0010n, 0n, 'MPRV as VU');
      assert.equal(s.r.csr(CSR.mstatus) & MSH.GVA, MSH.GVA, 'a guest virtual address in mtval');
      s.r.setCsr(CSR.mstatus, MS.MPRV | MSH.MPV); // (the trap into M set MPP = M, MPV = 0)
      assert.equal(attempt(s.r, PRIV_M, false, [A.ld(a0, a1, 0)], 0x4000_1010n).to, 'none', 'MPRV as VU, U page');
    });
    it('misaligned HLV/HSV complete byte by byte through both stages', () => {
      const s = hlvSetup();
      s.r.setCsr(HCSR.hstatus, HS.SPVP);
      assert.equal(attempt(s.r, PRIV_S, false, [H.hlv_d(a0, a1)], 0x4000_0013n).to, 'none');
      assert.equal(hex(s.r.x(a0)), hex(0x0000_0088_99aa_bbccn));
      s.r.setX(a2, 0x1122n);
      runIn(s.r, PRIV_S, false, [H.hsv_h(a2, a1)], 1, (rr) => rr.setX(a1, 0x4000_0041n));
      assert.equal(hex(s.r.peek64(DATA + 0x40)), hex(0x11_2200n));
    });
  });

  describe('TLB entries never cross V (hart-memory.ts)', () => {
    it('the same virtual address under satp (V = 0) and vsatp/hgatp (V = 1) reaches each its own page, back and forth', () => {
      const r = hrig();
      const t = new Tables(r);
      const hsRoot = t.root(false);
      t.map(hsRoot, BigInt(BASE), BASE, RWX_AD, { level: 2 });
      t.map(hsRoot, 0x4000_0000n, DATA, PTE.R | PTE.W | PTE.A | PTE.D);
      const vsRoot = t.root(false);
      t.map(vsRoot, BigInt(BASE), BASE, RWX_AD, { level: 2 });
      t.map(vsRoot, 0x4000_0000n, DATA + 0x1000, PTE.R | PTE.W | PTE.A | PTE.D);
      r.setCsr(CSR.satp, atp(8, hsRoot));
      r.setCsr(HCSR.vsatp, atp(8, vsRoot));
      r.poke64(DATA, 0x505n);
      r.poke64(DATA + 0x1000, 0x515n);
      for (let i = 0; i < 2; i++) {
        attempt(r, PRIV_S, false, [A.ld(a0, a1, 0)], 0x4000_0000n);
        assert.equal(r.x(a0), 0x505n, 'HS');
        attempt(r, PRIV_S, true, [A.ld(a0, a1, 0)], 0x4000_0000n);
        assert.equal(r.x(a0), 0x515n, 'VS');
      }
      // An HLV from HS reaches the guest's page without leaving its translation in HS's TLB.
      r.setCsr(HCSR.hstatus, HS.SPVP);
      attempt(r, PRIV_S, false, [H.hlv_d(a0, a1), A.ld(a2, a1, 0)], 0x4000_0000n);
      assert.deepEqual([r.x(a0), r.x(a2)], [0x515n, 0x505n]);
    });
    it('hfence.gvma and hfence.vvma drop cached guest translations', () => {
      const s = gstage([U_RW | PTE.A | PTE.D, U_RW | PTE.A | PTE.D]);
      attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n);
      assert.equal(hex(s.r.x(a0)), hex(VALUE));
      // Remap GPA+0 to page 1, in memory only; HS runs hfence.gvma; the guest then sees the new mapping.
      s.r.poke64(s.pte(0), s.r.peek64(s.pte(1)));
      attempt(s.r, PRIV_S, false, [H.hfence_gvma()], 0n);
      attempt(s.r, PRIV_S, true, [A.ld(a0, a1, 0)], GPA + 0x10n);
      assert.equal(hex(s.r.x(a0)), hex(VALUE + 1n));
    });
  });
});
