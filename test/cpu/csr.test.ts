// CSR semantics: WARL legalization, S-mode views of M-mode registers, misa, counters and their enables
// (privileged spec §3.1.1 misa, §3.1.6 mstatus, §3.1.7 mtvec, §3.1.8 delegation, §3.1.9 mip/mie, §3.1.11–12
// counters, §3.1.14 mepc, §10.1 sstatus/sie/sip/satp; unprivileged §9.1 Zicsr).
import { strict as assert } from 'assert';
import * as A from '../support/asm';
import { J_SELF, X } from '../support/asm';
import { BASE, CSR, hex, M_TRAP, MS, mppOf, PRIV_M, PRIV_S, PRIV_U, Rig, u64 } from './harness';

const { zero, t0, a0, a1, a2, a3 } = X;
const ALL = u64(-1n);

/** Executes `csrrw a0, csr, a1` (a1 = v) in M and returns the value then read back with csrr. */
function writeRead(r: Rig, csr: number, v: bigint): bigint {
  r.code(BASE, [A.csrrw(zero, csr, a1), A.csrr(a0, csr)]);
  r.setX(a1, v);
  r.step(2);
  assert.notEqual(r.pc(), M_TRAP, `csr ${hex(csr)} access trapped: mcause ${hex(r.csr(CSR.mcause))}`);
  return r.x(a0);
}

describe('cpu/csr', () => {
  describe('Zicsr instruction semantics (Unpriv §9.1)', () => {
    it('csrrw returns the old value and writes rs1; csrrs sets, csrrc clears', () => {
      const r = new Rig();
      r.code(BASE, [A.csrrw(a0, CSR.mscratch, a1), A.csrrs(a2, CSR.mscratch, a3), A.csrrc(a0, CSR.mscratch, a1), A.csrr(a2, CSR.mscratch)]);
      r.setCsr(CSR.mscratch, 0x1111n);
      r.setX(a1, 0xf0f0_0000_0000_00ffn); r.setX(a3, 0x0f00n);
      r.step();
      assert.equal(r.x(a0), 0x1111n);
      r.step();
      assert.equal(hex(r.x(a2)), hex(0xf0f0_0000_0000_00ffn));
      r.step();
      assert.equal(hex(r.x(a0)), hex(0xf0f0_0000_0000_0fffn));
      r.step();
      assert.equal(hex(r.x(a2)), hex(0x0f00n));
    });
    it('the immediate forms zero-extend a 5-bit uimm', () => {
      const r = new Rig();
      r.code(BASE, [A.csrrwi(a0, CSR.mscratch, 31), A.csrrsi(a0, CSR.mscratch, 0x40 >> 2), A.csrrci(a0, CSR.mscratch, 1), A.csrr(a1, CSR.mscratch)]);
      r.setCsr(CSR.mscratch, ALL);
      r.step();
      assert.equal(r.x(a0), ALL);
      r.step();
      assert.equal(r.x(a0), 31n);
      r.step(2);
      assert.equal(r.x(a1), 31n - 1n);
    });
    it('csrrw with rd = rs1 writes the old rs1 and returns the old CSR', () => {
      const r = new Rig();
      r.code(BASE, [A.csrrw(a0, CSR.mscratch, a0)]);
      r.setCsr(CSR.mscratch, 5n); r.setX(a0, 9n);
      r.step();
      assert.equal(r.x(a0), 5n);
      assert.equal(r.csr(CSR.mscratch), 9n);
    });
  });

  describe('mstatus (Priv §3.1.6)', () => {
    it('reads UXL = SXL = 2 (64-bit) and ignores writes to them', () => {
      const r = new Rig();
      const v = writeRead(r, CSR.mstatus, 0n);
      assert.equal((v >> 32n) & 3n, 2n, 'UXL');
      assert.equal((v >> 34n) & 3n, 2n, 'SXL');
      const w = writeRead(r, CSR.mstatus, 0x0000_0005_0000_0000n);
      assert.equal((w >> 32n) & 0xfn, 0xan);
    });
    it('writing all ones sets the implemented fields and leaves unimplemented ones zero', () => {
      const r = new Rig();
      const v = writeRead(r, CSR.mstatus, ALL);
      const must = MS.SIE | MS.MIE | MS.SPIE | MS.MPIE | MS.SPP | MS.MPP | MS.MPRV | MS.TVM | MS.TW | MS.TSR;
      assert.equal(hex(v & must), hex(must), 'writable fields');
      // The H extension's GVA (38) and MPV (39) are writable (Priv §13.4.1).
      assert.equal(hex(v & (3n << 38n)), hex(3n << 38n), 'GVA and MPV');
      // Zero here: UIE/UPIE (bits 0, 4), UBE (6), VS (10:9), FS (14:13), XS (16:15), WPRI 31:23, MBE/SBE (37:36; little-endian
      // only), WPRI 62:40, and SD (63) because FS/VS/XS are all Off.
      const mustBeZero = (1n << 0n) | (1n << 4n) | (1n << 6n) | (3n << 9n) | (3n << 13n) | (3n << 15n) | (0x1ffn << 23n)
        | (3n << 36n) | (((1n << 23n) - 1n) << 40n) | (1n << 63n);
      assert.equal(hex(v & mustBeZero), hex(0n), 'read-only-zero fields');
    });
    it('MPP is WARL: the reserved value 2 (H) is not stored', () => {
      const r = new Rig();
      for (const start of [0n, 1n, 3n]) {
        writeRead(r, CSR.mstatus, start << 11n);
        const v = writeRead(r, CSR.mstatus, 2n << 11n);
        assert.notEqual(mppOf(v), 2, `MPP from ${start}`);
        assert.ok([0, 1, 3].includes(mppOf(v)));
      }
      for (const p of [0n, 1n, 3n]) assert.equal(mppOf(writeRead(r, CSR.mstatus, p << 11n)), Number(p));
    });
  });

  describe('sstatus is a view of mstatus (Priv §10.1.1)', () => {
    it('shows SIE, SPIE, SPP (and UXL = 2) but none of the M-only fields', () => {
      const r = new Rig();
      r.setCsr(CSR.mstatus, MS.MIE | MS.MPIE | MS.MPP | MS.MPRV | MS.TVM | MS.TW | MS.TSR);
      const only = r.csr(CSR.sstatus);
      assert.equal(hex(only & 0xffff_ffffn), hex(0n), 'M-only fields are invisible in sstatus');
      assert.equal((only >> 32n) & 3n, 2n, 'UXL');
      assert.equal((only >> 34n) & 3n, 0n, 'SXL is not part of sstatus');
      r.setCsr(CSR.mstatus, MS.SIE | MS.SPIE | MS.SPP);
      assert.equal(hex(r.csr(CSR.sstatus) & 0xffff_ffffn), hex(MS.SIE | MS.SPIE | MS.SPP));
    });
    it('writing sstatus changes only the S fields of mstatus', () => {
      const r = new Rig();
      r.setCsr(CSR.mstatus, MS.MIE | (3n << 11n) | MS.TSR);
      writeRead(r, CSR.sstatus, ALL);
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & (MS.SIE | MS.SPIE | MS.SPP), MS.SIE | MS.SPIE | MS.SPP);
      assert.equal(ms & (MS.MIE | MS.MPIE | MS.MPRV | MS.TVM | MS.TW), MS.MIE, 'M fields unchanged');
      assert.equal(mppOf(ms), 3);
      assert.equal(ms & MS.TSR, MS.TSR);
      writeRead(r, CSR.sstatus, 0n);
      const ms2 = r.csr(CSR.mstatus);
      assert.equal(ms2 & (MS.SIE | MS.SPIE | MS.SPP), 0n);
      assert.equal(ms2 & (MS.MIE | MS.TSR), MS.MIE | MS.TSR);
    });
    it('S-mode reads and writes sstatus with csr instructions', () => {
      const r = new Rig();
      r.allowAllPmp();
      r.code(BASE, [A.csrrsi(a0, CSR.sstatus, 2), A.csrr(a1, CSR.sstatus)]);
      r.setCsr(CSR.mstatus, MS.MIE);
      r.setPriv(PRIV_S);
      r.step(2);
      assert.equal(r.x(a0) & 0xffff_ffffn, 0n);
      assert.equal(r.x(a1) & 0xffff_ffffn, MS.SIE);
      assert.equal(r.csr(CSR.mstatus) & (MS.MIE | MS.SIE), MS.MIE | MS.SIE);
    });
  });

  describe('mie/mip, sie/sip and delegation masks (Priv §3.1.8–3.1.9, §10.1.3)', () => {
    it('mie holds exactly the six standard enables and the H extension\'s VSSIE, VSTIE, VSEIE (SGEIE: GEILEN = 0)', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, CSR.mie, ALL)), hex(0xaaan | 0x444n));
    });
    it('mip: software may write SSIP, STIP, SEIP and VSSIP (hvip.VSSIP) but not MSIP, MTIP, MEIP, VSTIP, VSEIP', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, CSR.mip, ALL)), hex(0x226n));
      assert.equal(hex(writeRead(r, CSR.mip, 0n)), hex(0n));
    });
    it('medeleg bit 11 (ecall from M) is read-only zero', () => {
      const r = new Rig();
      const v = writeRead(r, CSR.medeleg, ALL);
      assert.equal(v & (1n << 11n), 0n);
      for (const c of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15]) assert.equal((v >> BigInt(c)) & 1n, 1n, `medeleg[${c}] is delegable`);
    });
    it('mideleg holds the S-level interrupt bits', () => {
      const r = new Rig();
      const v = writeRead(r, CSR.mideleg, ALL);
      assert.equal(v & 0x222n, 0x222n);
    });
    it('sie and sip see only delegated interrupts', () => {
      const r = new Rig();
      r.setCsr(CSR.mie, 0xaaan);
      r.setCsr(CSR.mip, 0x222n);
      r.setCsr(CSR.mideleg, 0n);
      assert.equal(r.csr(CSR.sie), 0n, 'nothing delegated: sie reads 0');
      assert.equal(r.csr(CSR.sip), 0n, 'nothing delegated: sip reads 0');
      r.setCsr(CSR.mideleg, 0x222n);
      assert.equal(hex(r.csr(CSR.sie)), hex(0x222n));
      assert.equal(hex(r.csr(CSR.sip)), hex(0x222n));
      r.setCsr(CSR.mideleg, 1n << 5n);
      assert.equal(hex(r.csr(CSR.sie)), hex(1n << 5n));
    });
    it('writing sie changes only delegated enables in mie', () => {
      const r = new Rig();
      r.setCsr(CSR.mie, 1n << 11n);
      r.setCsr(CSR.mideleg, 1n << 1n);
      writeRead(r, CSR.sie, ALL);
      assert.equal(hex(r.csr(CSR.mie)), hex((1n << 11n) | (1n << 1n)));
      writeRead(r, CSR.sie, 0n);
      assert.equal(hex(r.csr(CSR.mie)), hex(1n << 11n));
    });
    it('sip: only SSIP is writable, and only when delegated', () => {
      const r = new Rig();
      r.setCsr(CSR.mideleg, 0n);
      writeRead(r, CSR.sip, ALL);
      assert.equal(r.csr(CSR.mip), 0n, 'undelegated SSIP not writable through sip');
      r.setCsr(CSR.mideleg, 0x222n);
      assert.equal(hex(writeRead(r, CSR.sip, ALL)), hex(1n << 1n), 'STIP/SEIP are read-only in sip');
      assert.equal(hex(r.csr(CSR.mip)), hex(1n << 1n));
    });
  });

  describe('mip.SEIP with an external line (Priv §3.1.9)', () => {
    it('csrrs/csrrc on mip use only the software-writable SEIP bit, never the external signal', () => {
      // "the signal from the interrupt controller is not used to calculate the value written to SEIP. Only the
      //  software-writable SEIP bit participates in the read-modify-write sequence of a CSRRS or CSRRC instruction."
      for (const insn of [A.csrrs(zero, CSR.mip, t0), A.csrrc(zero, CSR.mip, t0)]) {
        const r = new Rig();
        r.code(BASE, [insn]);
        r.setX(t0, 1n << 1n); // SSIP
        r.raiseLines(1 << 9); // the PLIC drives SEIP
        assert.equal(r.csr(CSR.mip) & (1n << 9n), 1n << 9n, 'reads show the line');
        r.step();
        r.hart().mipLines &= ~(1 << 9); // the PLIC drops the line
        r.hart().interruptCheck = true;
        assert.equal(r.csr(CSR.mip) & (1n << 9n), 0n, `${hex(insn)} latched the external SEIP into the software bit`);
      }
    });
  });

  describe('misa (Priv §3.1.1)', () => {
    it('reads MXL = 2 and extensions A, C, H, I, M, S, U', () => {
      const r = new Rig();
      const letters = (v: bigint) => [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((_, i) => (v >> BigInt(i)) & 1n).join('');
      const v = r.csr(CSR.misa);
      assert.equal(v >> 62n, 2n, 'MXL');
      assert.equal(letters(v & 0x3ff_ffffn), 'ACHIMSU');
      assert.equal(hex(v), hex(0x8000_0000_0014_1185n));
    });
    it('writes are ignored (misa is read-only here) and do not trap', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, CSR.misa, 0n)), hex(0x8000_0000_0014_1185n));
    });
  });

  describe('trap vector and exception pc registers', () => {
    it('mepc and sepc clear bit 0 (IALIGN = 16: bit 1 is kept)', () => {
      const r = new Rig();
      assert.equal(hex(writeRead(r, CSR.mepc, 0x8000_0003n)), hex(0x8000_0002n));
      assert.equal(hex(writeRead(r, CSR.mepc, ALL)), hex(ALL - 1n));
      assert.equal(hex(writeRead(r, CSR.sepc, 0x8000_0001n)), hex(0x8000_0000n));
    });
    it('mtvec/stvec: MODE 0 and 1 are stored; a write with MODE >= 2 leaves the register unchanged', () => {
      for (const csr of [CSR.mtvec, CSR.stvec]) {
        const r = new Rig();
        assert.equal(hex(writeRead(r, csr, 0x8000_4000n)), hex(0x8000_4000n));
        assert.equal(hex(writeRead(r, csr, 0x8000_5001n)), hex(0x8000_5001n));
        assert.equal(hex(writeRead(r, csr, 0x8000_6002n)), hex(0x8000_5001n), 'MODE 2');
        assert.equal(hex(writeRead(r, csr, 0x8000_6003n)), hex(0x8000_5001n), 'MODE 3');
      }
    });
    it('mret jumps to mepc as written (bit 0 already clear)', () => {
      const r = new Rig();
      r.put(BASE + 0x102, J_SELF);
      r.code(BASE, [A.csrw(CSR.mepc, a1), A.mret()]);
      r.setX(a1, BigInt(BASE + 0x103));
      r.setCsr(CSR.mstatus, 3n << 11n);
      r.step(2);
      assert.equal(hex(r.pc()), hex(BASE + 0x102));
    });
  });

  describe('counters (Priv §3.1.11, §3.1.10 side-effect rule, Unpriv "Zicntr")', () => {
    it('minstret counts retired instructions: k instructions between two reads differ by k + 1', () => {
      const r = new Rig();
      r.code(BASE, [A.csrr(a0, CSR.minstret), A.addi(t0, t0, 1), A.addi(t0, t0, 1), A.addi(t0, t0, 1), A.csrr(a1, CSR.minstret),
        A.csrr(a2, CSR.instret)]);
      r.step(6);
      assert.equal(r.x(a1) - r.x(a0), 4n);
      assert.equal(r.x(a2) - r.x(a1), 1n, 'instret shadows minstret');
    });
    it('ecall and illegal instructions do not retire (Unpriv §2.8: "not considered to retire")', () => {
      const r = new Rig();
      const handler = BASE + 0x400;
      r.put(handler, A.csrr(a1, CSR.minstret), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(handler));
      r.code(BASE, [A.csrr(a0, CSR.minstret), A.ecall()]);
      r.step(3);
      assert.equal(r.x(a1) - r.x(a0), 1n, 'only the first csrr retired');
      const r2 = new Rig();
      r2.put(handler, A.csrr(a1, CSR.minstret), J_SELF);
      r2.setCsr(CSR.mtvec, BigInt(handler));
      r2.code(BASE, [A.csrr(a0, CSR.minstret), 0x0000_000b]);
      r2.step(3);
      assert.equal(r2.x(a1) - r2.x(a0), 1n, 'the illegal instruction did not retire');
    });
    it('a value written to minstret is what the next instruction reads (Priv §3.1.10: the write replaces the increment)', () => {
      const r = new Rig();
      r.code(BASE, [A.csrw(CSR.minstret, a1), A.csrr(a0, CSR.minstret), A.csrr(a2, CSR.minstret)]);
      r.setX(a1, 0x1_0000_0000n + 1000n);
      r.step(3);
      assert.equal(hex(r.x(a0)), hex(0x1_0000_0000n + 1000n));
      assert.equal(hex(r.x(a2)), hex(0x1_0000_0000n + 1001n));
    });
    it('mcycle is writable and keeps counting from the written value', () => {
      const r = new Rig();
      r.code(BASE, [A.csrw(CSR.mcycle, a1), A.csrr(a0, CSR.mcycle), A.addi(t0, t0, 1), A.csrr(a2, CSR.cycle)]);
      r.setX(a1, 5000n);
      r.step(4);
      assert.ok(r.x(a0) >= 5000n && r.x(a0) <= 5001n, `mcycle ${r.x(a0)}`);
      assert.ok(r.x(a2) > r.x(a0), 'cycle advances');
    });
    it('mcountinhibit.IR stops minstret and mcountinhibit.CY stops mcycle (Priv §3.1.12)', () => {
      // "When the CY, IR, or HPMn bit is set, the corresponding counter does not increment." Both bits are writable here.
      for (const [bit, counter, name] of [[4, CSR.minstret, 'IR/minstret'], [1, CSR.mcycle, 'CY/mcycle']] as const) {
        const r = new Rig();
        r.code(BASE, [A.csrrsi(zero, 0x320, bit), A.csrr(a0, counter), A.addi(t0, t0, 1), A.addi(t0, t0, 1), A.csrr(a1, counter)]);
        r.step(5);
        assert.equal(r.csr(0x320) & BigInt(bit), BigInt(bit), `${name}: the inhibit bit is writable`);
        assert.equal(r.x(a1), r.x(a0), `${name}: counter advanced while inhibited`);
      }
    });
    it('time reads the CLINT mtime', () => {
      const r = new Rig();
      r.code(BASE, [A.csrr(a0, CSR.time), A.lui(t0, 0x200c), A.ld(a1, t0, -8)]); // 0x200bff8 = mtime
      r.step(3);
      assert.ok(r.x(a1) >= r.x(a0) && r.x(a1) - r.x(a0) <= 1n, `time ${r.x(a0)}, mtime ${r.x(a1)}`);
    });
    for (const [name, csr, bit] of [['cycle', CSR.cycle, 0], ['time', CSR.time, 1], ['instret', CSR.instret, 2], ['hpmcounter3', CSR.hpmcounter3, 3]] as const) {
      it(`${name}: mcounteren gates S and U, scounteren gates U (Priv §3.1.11, §10.1.5)`, () => {
        const cases: [0 | 1 | 3, bigint, bigint, boolean][] = [
          // [priv, mcounteren, scounteren, allowed]
          [PRIV_S, 0n, ALL, false], [PRIV_S, 1n << BigInt(bit), 0n, true],
          [PRIV_U, 1n << BigInt(bit), 0n, false], [PRIV_U, 0n, 1n << BigInt(bit), false], [PRIV_U, 1n << BigInt(bit), 1n << BigInt(bit), true],
          [PRIV_U, ALL & ~(1n << BigInt(bit)), ALL, false], [PRIV_M, 0n, 0n, true],
        ];
        for (const [p, mc, sc, allowed] of cases) {
          const r = new Rig();
          r.allowAllPmp();
          r.code(BASE, [A.csrr(a0, csr)]);
          r.setCsr(CSR.mcounteren, mc);
          r.setCsr(CSR.scounteren, sc);
          r.setPriv(p);
          r.step();
          const what = `${name} in ${['U', 'S', '', 'M'][p]} with mcounteren=${hex(mc)} scounteren=${hex(sc)}`;
          if (allowed) assert.equal(r.pc(), BASE + 4, `${what} should read`);
          else {
            assert.equal(r.pc(), M_TRAP, `${what} should trap`);
            assert.equal(r.csr(CSR.mcause), 2n);
          }
        }
      });
    }
  });

  describe('satp (Priv §10.1.11)', () => {
    it('a write selecting a reserved MODE has no effect at all', () => {
      const r = new Rig();
      writeRead(r, CSR.satp, 0n);
      // 1–7 and 11–15 are reserved or custom for RV64 (Priv §10.1.11 Table "encoding of satp MODE").
      for (const mode of [1n, 2n, 7n, 11n, 12n, 15n]) {
        assert.equal(hex(writeRead(r, CSR.satp, (mode << 60n) | 0x1234n)), hex(0n), `MODE ${mode}`);
      }
    });
  });

  describe('identification registers (Priv §3.1.2–3.1.5)', () => {
    it('mhartid reads each hart\'s id; mvendorid, marchid, mimpid read 0', () => {
      const r = new Rig({ harts: 2 });
      for (const h of [0, 1]) {
        r.code(BASE + 0x100 * h, [A.csrr(a0, CSR.mhartid), A.csrr(a1, CSR.mvendorid), A.csrr(a2, CSR.marchid), A.csrr(a3, CSR.mimpid)], h);
        r.step(4, h);
        assert.equal(r.x(a0, h), BigInt(h));
        assert.equal(r.x(a1, h) | r.x(a2, h) | r.x(a3, h), 0n);
      }
    });
  });

});
