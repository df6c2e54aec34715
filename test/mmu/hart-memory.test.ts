// A hart's memory through the Machine: PMP access faults with their mtval (Priv §3.7, §3.1.16), unmapped
// physical addresses, MPRV (§3.1.6.3), TLB invalidation on privilege/MPRV/PMP changes, and decoded-code
// coherence for self-modifying code (Unpriv §6.1 Zifencei; STYLE.md §9: stores into a code page drop it).
import { strict as assert } from 'assert';
import * as A from '../support/asm';
import { J_SELF, X } from '../support/asm';
import {
  BASE, CSR, DATA, hex, M_TRAP, MS, napot, PMP, PRIV_M, PRIV_S, PRIV_U, RAM_END, Rig,
} from '../cpu/harness';

const { zero, ra, t0, t1, t2, t3, s0, a0, a1, a2 } = X;
const ALL_RWX: [number, bigint] = [PMP.NAPOT | PMP.R | PMP.W | PMP.X, (1n << 54n) - 1n];
const UNMAPPED = 0x3000_0000; // nothing on the virt board answers here

/** Entry 0 = the 4 KiB page at DATA with `perms`; entry 1 = everything else, RWX. */
function guarded(perms: number, extra: (r: Rig) => void = () => undefined): Rig {
  const r = new Rig();
  r.setPmp([[PMP.NAPOT | perms, napot(BigInt(DATA), 0x1000n)], ALL_RWX]);
  extra(r);
  return r;
}

function expectFault(r: Rig, cause: bigint, epc: number, tval: number | bigint, what: string): void {
  assert.equal(hex(r.pc()), hex(M_TRAP), `${what}: expected a trap, mcause=${hex(r.csr(CSR.mcause))}`);
  assert.equal(hex(r.csr(CSR.mcause)), hex(cause), `${what}: mcause`);
  assert.equal(hex(r.csr(CSR.mepc)), hex(epc), `${what}: mepc`);
  assert.equal(hex(r.csr(CSR.mtval)), hex(BigInt(tval)), `${what}: mtval`);
}

/** Runs `insns` from BASE in privilege `p` with a1 = `addr`; returns after `steps` steps. */
function attempt(r: Rig, p: 0 | 1 | 3, insns: number[], addr: number | bigint, steps = 1): void {
  r.code(BASE, insns);
  r.setX(a1, BigInt(addr));
  r.setX(a2, 0x1122_3344_5566_7788n);
  r.setX(a0, 0xa0n);
  r.setPriv(p);
  r.step(steps);
}

describe('mmu/hart-memory', () => {
  describe('PMP access faults from S and U (Priv §3.7.1)', () => {
    for (const [name, insn] of [['lb', A.lb(a0, a1, 0)], ['lhu', A.lhu(a0, a1, 0)], ['lw', A.lw(a0, a1, 0)], ['ld', A.ld(a0, a1, 0)]] as const) {
      it(`U ${name} without R: load access fault (5), mtval = address, rd unchanged`, () => {
        const r = guarded(PMP.X);
        attempt(r, PRIV_U, [insn], DATA + 0x18);
        expectFault(r, 5n, BASE, DATA + 0x18, `U ${name}`);
        assert.equal(r.x(a0), 0xa0n);
      });
    }
    it('S is checked like U', () => {
      const r = guarded(PMP.X);
      attempt(r, PRIV_S, [A.lw(a0, a1, 0)], DATA + 0x40);
      expectFault(r, 5n, BASE, DATA + 0x40, 'S lw');
    });
    for (const [name, insn] of [['sb', A.sb(a2, a1, 0)], ['sh', A.sh(a2, a1, 0)], ['sw', A.sw(a2, a1, 0)], ['sd', A.sd(a2, a1, 0)]] as const) {
      it(`U ${name} without W: store access fault (7), mtval = address, memory unchanged`, () => {
        const r = guarded(PMP.R);
        r.poke64(DATA + 0x20, 0n);
        attempt(r, PRIV_U, [insn], DATA + 0x20);
        expectFault(r, 7n, BASE, DATA + 0x20, `U ${name}`);
        assert.equal(r.peek64(DATA + 0x20), 0n);
      });
    }
    it('U AMO without W: store/AMO access fault (7); LR without R: load access fault (5)', () => {
      const r = guarded(PMP.R);
      r.poke64(DATA + 8, 5n);
      attempt(r, PRIV_U, [A.amoadd_d(a0, a2, a1)], DATA + 8);
      expectFault(r, 7n, BASE, DATA + 8, 'U amoadd.d');
      assert.equal(r.peek64(DATA + 8), 5n);
      const r2 = guarded(PMP.X);
      attempt(r2, PRIV_U, [A.lr_w(a0, a1)], DATA + 8);
      expectFault(r2, 5n, BASE, DATA + 8, 'U lr.w');
    });
    it('U fetch without X: instruction access fault (1) with mepc = mtval = the target', () => {
      const r = guarded(PMP.R | PMP.W);
      r.put(DATA, A.addi(a0, a0, 1));
      attempt(r, PRIV_U, [A.jalr(zero, a1, 0)], DATA, 2);
      expectFault(r, 1n, DATA, DATA, 'U fetch');
      assert.equal(r.x(a0), 0xa0n);
    });
    it('U may use what the entry allows', () => {
      const r = guarded(PMP.R | PMP.W | PMP.X);
      r.put(DATA + 0x100, A.addi(a0, a0, 1));
      attempt(r, PRIV_U, [A.sd(a2, a1, 0), A.ld(a0, a1, 0), A.jalr(zero, a1, 0x100)], DATA, 4);
      assert.notEqual(r.pc(), M_TRAP, `trapped: mcause ${r.csr(CSR.mcause)}`);
      assert.equal(r.x(a0), 0x1122_3344_5566_7789n);
    });
    it('a 32-bit instruction whose second half lies outside the executable region: fetch fault on that half', () => {
      // Entry 0 = [DATA, DATA+8) RX; nothing else matches DATA+8 for U. The instruction at DATA+6 spans DATA+6..DATA+9.
      // mepc = its start, mtval = the portion that faulted (Priv §3.1.16).
      const r = new Rig();
      r.setPmp([[PMP.NAPOT | PMP.R | PMP.X, napot(BigInt(DATA), 8n)], [PMP.NAPOT | PMP.X, napot(BigInt(BASE), 0x1000n)]]);
      r.put(DATA + 6, A.addi(a0, a0, 1));
      attempt(r, PRIV_U, [A.jalr(zero, a1, 0)], DATA + 6, 2);
      assert.equal(r.x(a0), 0xa0n, 'the instruction must not execute');
      expectFault(r, 1n, DATA + 6, DATA + 8, 'straddling fetch');
    });
    it('a misaligned load reaching into a denied region faults with mtval = the faulting portion (Priv §3.1.16)', () => {
      // "If mtval is written with a nonzero value when a misaligned load or store causes an access-fault or
      //  page-fault exception, then mtval will contain the virtual address of the portion of the access that
      //  caused the fault." Bytes DATA-2..DATA-1 are allowed, DATA.. is not.
      const r = guarded(PMP.X);
      attempt(r, PRIV_U, [A.lw(a0, a1, 0)], DATA - 2);
      assert.equal(hex(r.csr(CSR.mcause)), hex(5n));
      assert.equal(hex(r.csr(CSR.mtval)), hex(DATA), 'mtval must name the denied portion, not the start of the access');
    });
    it('a misaligned store reaching into a denied region faults with mtval = the faulting portion (Priv §3.1.16)', () => {
      const r = guarded(PMP.R);
      attempt(r, PRIV_U, [A.sd(a2, a1, 0)], DATA - 4);
      assert.equal(hex(r.csr(CSR.mcause)), hex(7n));
      assert.equal(hex(r.csr(CSR.mtval)), hex(DATA), 'mtval must name the denied portion, not the start of the access');
    });
  });

  describe('locked PMP entries bind M-mode too (Priv §3.7.1.2)', () => {
    it('M store to a locked read-only region: store access fault; loads still work', () => {
      const r = new Rig();
      r.setPmp([[PMP.NAPOT | PMP.L | PMP.R, napot(BigInt(DATA), 0x1000n)]]);
      r.poke64(DATA, 42n);
      attempt(r, PRIV_M, [A.ld(a0, a1, 0), A.sd(a2, a1, 0)], DATA, 2);
      expectFault(r, 7n, BASE + 4, DATA, 'M sd to locked R');
      assert.equal(r.x(a0), 42n);
      assert.equal(r.peek64(DATA), 42n);
    });
    it('M fetch from a locked region without X: instruction access fault', () => {
      const r = new Rig();
      r.setPmp([[PMP.NAPOT | PMP.L | PMP.R | PMP.W, napot(BigInt(DATA), 0x1000n)]]);
      r.put(DATA, A.addi(a0, a0, 1));
      attempt(r, PRIV_M, [A.jalr(zero, a1, 0)], DATA, 2);
      expectFault(r, 1n, DATA, DATA, 'M fetch from locked RW');
    });
    it('unlocked entries do not restrict M', () => {
      const r = new Rig();
      r.setPmp([[PMP.NAPOT, napot(BigInt(DATA), 0x1000n)]]);
      attempt(r, PRIV_M, [A.sd(a2, a1, 0), A.ld(a0, a1, 0)], DATA, 2);
      assert.equal(r.x(a0), 0x1122_3344_5566_7788n);
    });
  });

  describe('addresses nothing answers (access faults, Priv §3.5 PMAs)', () => {
    it('load, store, AMO and LR at an unmapped physical address', () => {
      for (const [insn, cause, what] of [
        [A.ld(a0, a1, 0), 5n, 'ld'], [A.lbu(a0, a1, 0), 5n, 'lbu'], [A.sw(a2, a1, 0), 7n, 'sw'], [A.sd(a2, a1, 0), 7n, 'sd'],
        [A.amoswap_w(a0, a2, a1), 7n, 'amoswap.w'], [A.lr_d(a0, a1), 5n, 'lr.d'],
      ] as const) {
        const r = new Rig();
        attempt(r, PRIV_M, [insn], UNMAPPED + 8);
        expectFault(r, cause, BASE, UNMAPPED + 8, what);
      }
    });
    it('fetch from an unmapped address: instruction access fault, mepc = mtval = the target', () => {
      const r = new Rig();
      attempt(r, PRIV_M, [A.jalr(zero, a1, 0)], UNMAPPED, 2);
      expectFault(r, 1n, UNMAPPED, UNMAPPED, 'fetch');
    });
    it('just past the end of RAM', () => {
      const r = new Rig();
      attempt(r, PRIV_M, [A.ld(a0, a1, 0)], RAM_END);
      expectFault(r, 5n, BASE, RAM_END, 'ld at RAM end');
      const r2 = new Rig();
      attempt(r2, PRIV_M, [A.ld(a0, a1, -8)], RAM_END);
      assert.notEqual(r2.pc(), M_TRAP, 'the last doubleword of RAM is accessible');
    });
    it('addresses at or above 2^56 are access faults, mtval keeps all 64 bits', () => {
      for (const addr of [1n << 56n, 0xffff_ffff_8000_0000n]) {
        const r = new Rig();
        attempt(r, PRIV_M, [A.lw(a0, a1, 0)], addr);
        expectFault(r, 5n, BASE, addr, `lw at ${hex(addr)}`);
      }
    });
    it('a misaligned load running off the end of RAM: mtval = the faulting portion (RAM end) (Priv §3.1.16)', () => {
      const r = new Rig();
      attempt(r, PRIV_M, [A.ld(a0, a1, 0)], RAM_END - 4);
      assert.equal(hex(r.csr(CSR.mcause)), hex(5n));
      assert.equal(hex(r.csr(CSR.mtval)), hex(RAM_END), 'mtval must name the portion that faulted');
    });
    it('a 32-bit instruction whose second half lies past RAM: mepc = its start, mtval = the faulting half', () => {
      const r = new Rig();
      r.poke16(RAM_END - 2, 0x0513); // the low half of a 32-bit addi; its high half would be at RAM_END
      r.code(BASE, [A.jalr(zero, a1, 0)]);
      r.setX(a1, BigInt(RAM_END - 2));
      r.step(2);
      expectFault(r, 1n, RAM_END - 2, RAM_END, 'straddling fetch');
    });
    it('MMIO answers loads and stores of the widths it supports (CLINT mtimecmp via sd/ld)', () => {
      const r = new Rig();
      attempt(r, PRIV_M, [A.sd(a2, a1, 0), A.ld(a0, a1, 0), A.lwu(t0, a1, 4)], 0x0200_4000, 3);
      assert.notEqual(r.pc(), M_TRAP);
      assert.equal(hex(r.x(a0)), hex(0x1122_3344_5566_7788n));
      assert.equal(hex(r.x(t0)), hex(0x1122_3344n));
    });
  });

  describe('MPRV: M-mode loads and stores with MPP\'s privilege (Priv §3.1.6.3)', () => {
    it('with MPRV = 1 and MPP = U, an M load or store is checked as U; with MPP = M it is not', () => {
      const r = guarded(PMP.X);
      r.setCsr(CSR.mstatus, MS.MPRV); // MPP = U
      attempt(r, PRIV_M, [A.ld(a0, a1, 0)], DATA);
      expectFault(r, 5n, BASE, DATA, 'M ld with MPRV, MPP = U');
      const ms = r.csr(CSR.mstatus);
      assert.equal(ms & MS.MPRV, MS.MPRV, 'trap entry leaves MPRV alone');
      assert.equal(ms & MS.MPP, MS.MPP, 'MPP = M after a trap from M, so the handler accesses memory as M');

      const w = guarded(PMP.R);
      w.setCsr(CSR.mstatus, MS.MPRV | (1n << 11n)); // MPP = S
      attempt(w, PRIV_M, [A.sw(a2, a1, 0)], DATA);
      expectFault(w, 7n, BASE, DATA, 'M sw with MPRV, MPP = S');

      const ok = guarded(PMP.X);
      ok.setCsr(CSR.mstatus, MS.MPRV | MS.MPP);
      attempt(ok, PRIV_M, [A.ld(a0, a1, 0)], DATA);
      assert.notEqual(ok.pc(), M_TRAP, 'MPRV with MPP = M');
    });
    it('MPRV does not affect instruction fetch', () => {
      const r = new Rig();
      // U may not execute anywhere; M fetches anyway because fetches ignore MPRV.
      r.setPmp([[PMP.NAPOT | PMP.R | PMP.W, (1n << 54n) - 1n]]);
      r.setCsr(CSR.mstatus, MS.MPRV);
      attempt(r, PRIV_M, [A.addi(a0, zero, 1), A.ld(a0, a1, 0)], DATA, 2);
      assert.notEqual(r.pc(), M_TRAP, `trapped: mcause ${r.csr(CSR.mcause)}`);
      assert.equal(r.pc(), BASE + 8);
    });
  });

  describe('cached translations follow privilege, MPRV and PMP changes', () => {
    it('setting MPRV after a permitted M load: the next load is checked as U', () => {
      const r = guarded(PMP.X);
      r.code(BASE, [A.ld(a0, a1, 0), A.csrrs(zero, CSR.mstatus, t0), A.ld(a2, a1, 8)]);
      r.setX(a1, BigInt(DATA)); r.setX(t0, MS.MPRV);
      r.step(3);
      expectFault(r, 5n, BASE + 8, DATA + 8, 'load after csrs MPRV');
    });
    it('mret to U after a permitted M load and store: U accesses to the page fault', () => {
      for (const [insn, cause] of [[A.ld(a2, a1, 8), 5n], [A.sd(a2, a1, 8), 7n]] as const) {
        const r = guarded(PMP.X);
        r.code(BASE, [A.ld(a0, a1, 0), A.sd(a0, a1, 16), A.csrw(CSR.mepc, t1), A.mret()]);
        r.put(BASE + 0x100, insn);
        r.setX(a1, BigInt(DATA)); r.setX(t1, BigInt(BASE + 0x100));
        r.step(5);
        expectFault(r, cause, BASE + 0x100, DATA + 8, 'U access after mret');
      }
    });
    it('a PMP change made in M applies to U loads and stores whose pages were already cached', () => {
      for (const [insn, cause] of [[A.ld(a0, a1, 0), 5n], [A.sd(a2, a1, 0), 7n]] as const) {
        const r = guarded(PMP.R | PMP.W | PMP.X);
        const handler = BASE + 0x2000;
        // M handler: pmpcfg0 = t3 (entry 0 loses its permissions), skip the ecall, return.
        r.put(handler, A.csrw(CSR.pmpcfg0, t3), A.csrr(t2, CSR.mepc), A.addi(t2, t2, 4), A.csrw(CSR.mepc, t2), A.mret());
        r.setCsr(CSR.mtvec, BigInt(handler));
        r.code(BASE, [insn, A.ecall(), insn, J_SELF]);
        r.setX(a1, BigInt(DATA)); r.setX(a2, 7n);
        r.setX(t3, BigInt(PMP.NAPOT) | (BigInt(ALL_RWX[0]) << 8n));
        r.setCsr(CSR.mstatus, 0n); // MPP = U for the mret
        r.setPriv(PRIV_U);
        r.step(1);
        assert.equal(r.pc(), BASE + 4, 'first access allowed');
        r.step(6); // the ecall trap, then the five handler instructions
        r.setCsr(CSR.mtvec, BigInt(M_TRAP));
        assert.equal(hex(r.pc()), hex(BASE + 8), 'back in U after the handler');
        r.step(1);
        expectFault(r, cause, BASE + 8, DATA, 'access after the PMP change');
      }
    });
    it('a trap from M to M with MPRV = 1 switches data accesses from MPP = U (Sv39) to M (bare): no stale translation', () => {
      // MPRV = 1, MPP = U, satp = Sv39 with one gigapage VA 0x4000_0000 → PA 0x8000_0000. The M-mode load through
      // MPRV is translated. The ecall then sets MPP = M, so the handler's load of the same address is an M access
      // without translation (Priv §3.1.6.3): physical 0x4000_xxxx, where nothing answers (load access fault).
      const r = new Rig();
      r.allowAllPmp();
      const PT = BASE + 0x8_0000;
      for (let i = 0; i < 512; i++) r.poke64(PT + 8 * i, 0n);
      r.poke64(PT + 8, (0x80000n << 10n) | 0xdfn); // V R W X U A D
      r.setCsr(CSR.satp, (8n << 60n) | BigInt(PT / 4096));
      const va = 0x4000_0000 + (DATA - BASE);
      r.poke64(DATA, 0x1234_5678n);
      const handler = BASE + 0x2000;
      r.put(handler, A.ld(a2, a1, 0), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(handler));
      r.code(BASE, [A.ld(a0, a1, 0), A.ecall()]);
      r.setX(a1, BigInt(va));
      r.setCsr(CSR.mstatus, MS.MPRV); // MPP = U
      r.step(1);
      assert.equal(hex(r.x(a0)), hex(0x1234_5678n), 'the MPRV load went through the page table');
      r.step(2);
      assert.notEqual(r.x(a2), 0x1234_5678n, 'the handler (effective privilege M) read through the stale U translation');
      assert.equal(hex(r.csr(CSR.mcause)), hex(5n), 'load access fault at the untranslated address');
      assert.equal(hex(r.csr(CSR.mtval)), hex(va));
    });
    it('a privilege change by trap entry: U-denied page, then M (via ecall) may access it', () => {
      const r = guarded(0);
      const handler = BASE + 0x2000;
      r.put(handler, A.ld(a0, a1, 0), J_SELF);
      r.setCsr(CSR.mtvec, BigInt(handler));
      r.poke64(DATA, 99n);
      r.code(BASE, [A.ecall()]);
      r.setX(a1, BigInt(DATA));
      r.setPriv(PRIV_U);
      r.step(3);
      assert.equal(r.pc(), handler + 4);
      assert.equal(r.x(a0), 99n);
    });
  });

  describe('self-modifying code and the decoded-code cache', () => {
    const NEW = A.addi(a0, a0, 100);

    it('a store over an instruction that already ran makes the new instruction run (no fence.i: STYLE.md §9)', () => {
      const r = new Rig();
      r.code(BASE, [A.addi(a0, a0, 1), A.sw(t1, t0, 0), A.jal(zero, -8)]);
      r.setX(t0, BigInt(BASE)); r.setX(t1, BigInt(NEW));
      r.step(4);
      assert.equal(r.x(a0), 101n);
    });
    it('the same with fence.i between the store and the jump back (Unpriv §6.1)', () => {
      const r = new Rig();
      r.code(BASE, [A.addi(a0, a0, 1), A.sw(t1, t0, 0), A.fence_i(), A.jal(zero, -12)]);
      r.setX(t0, BigInt(BASE)); r.setX(t1, BigInt(NEW));
      r.step(5);
      assert.equal(r.x(a0), 101n);
    });
    it('a page whose store TLB entry was filled before its code ran', () => {
      const r = new Rig();
      const B = BASE + 0x3000;
      r.put(B, A.addi(a0, a0, 1), A.jalr(zero, ra, 0));
      r.code(BASE, [A.sw(t2, t0, 0x100), A.jalr(ra, t0, 0), A.sw(t1, t0, 0), A.jalr(ra, t0, 0), J_SELF]);
      r.setX(t0, BigInt(B)); r.setX(t1, BigInt(NEW)); r.setX(t2, 0x5555n);
      r.step(12);
      assert.equal(r.peek32(B + 0x100), 0x5555);
      assert.equal(r.x(a0), 101n);
    });
    it('code rewritten on every round of a loop (decode, drop, refill the store TLB, decode again)', () => {
      const r = new Rig();
      const B = BASE + 0x3000;
      r.put(B, A.addi(a0, a0, 1), A.jalr(zero, ra, 0));
      r.code(BASE, [
        A.jalr(ra, t0, 0), // call B
        A.lw(t2, t0, 0), A.add(t2, t2, t3), A.sw(t2, t0, 0), // B's immediate += 1
        A.addi(s0, s0, -1), A.bne(s0, zero, -20), J_SELF,
      ]);
      r.setX(t0, BigInt(B)); r.setX(t3, 1n << 20n); r.setX(s0, 10n);
      r.m.run(500);
      assert.equal(r.x(a0), 55n); // 1 + 2 + … + 10
    });
    it('AMO and byte stores into code are seen too', () => {
      const r = new Rig();
      r.code(BASE, [A.addi(a0, a0, 1), A.amoswap_w(t2, t1, t0), A.jal(zero, -8)]);
      r.setX(t0, BigInt(BASE)); r.setX(t1, BigInt(NEW));
      r.step(4);
      assert.equal(r.x(a0), 101n);
      assert.equal(hex(r.x(t2)), hex(A.addi(a0, a0, 1)), 'amoswap.w returned the old instruction');

      const b = new Rig();
      b.code(BASE, [A.addi(a0, a0, 1), A.sb(t1, t0, 3), A.jal(zero, -8)]);
      b.setX(t0, BigInt(BASE)); b.setX(t1, 0x06n); // imm[11:4] = 6 → addi a0, a0, 0x61
      b.step(4);
      assert.equal(b.x(a0), 1n + 0x61n);
    });
    it('two compressed instructions replaced by one 32-bit instruction', () => {
      const r = new Rig();
      const T = BASE + 0x3000;
      r.put(T, A.c_addi(a0, 1), A.c_addi(a0, 1));
      r.code(BASE, [A.sw(t1, t0, 0)]);
      r.setX(t0, BigInt(T)); r.setX(t1, BigInt(NEW));
      r.hart().pc = T;
      r.step(2);
      assert.equal(r.x(a0), 2n);
      r.hart().pc = BASE;
      r.step(1);
      r.hart().pc = T;
      r.step(1);
      assert.equal(r.x(a0), 102n);
      assert.equal(r.pc(), T + 4);
    });
    it('an instruction straddling two pages, its upper half rewritten', () => {
      const r = new Rig();
      const T = BASE + 0x4ffe;
      r.put(T, A.addi(a0, a0, 1));
      r.code(BASE, [A.sh(t1, t0, 0)]);
      r.setX(t0, BigInt(T + 2)); r.setX(t1, BigInt(NEW >>> 16));
      r.hart().pc = T;
      r.step(1);
      assert.equal(r.x(a0), 1n);
      r.hart().pc = BASE;
      r.step(1);
      r.hart().pc = T;
      r.step(1);
      assert.equal(r.x(a0), 101n);
    });
    it('another hart\'s store is seen after this hart\'s fence.i', () => {
      const r = new Rig({ harts: 2 });
      const T = BASE + 0x3000;
      r.code(T, [A.fence_i(), A.addi(a0, a0, 1), A.jal(zero, -8)], 0);
      r.code(BASE, [A.sw(t1, t0, 0), J_SELF], 1);
      r.setX(t0, BigInt(T + 4), 1); r.setX(t1, BigInt(NEW), 1);
      r.step(3, 0);
      assert.equal(r.x(a0, 0), 1n);
      r.step(1, 1);
      r.step(3, 0);
      assert.equal(r.x(a0, 0), 101n);
    });
  });
});
