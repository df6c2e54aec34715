// Machine.modeFilter: the debugger's privilege-change breakpoints stop after the instruction that changed the
// privilege or V (a trap, an xRET), report the net change, and see nothing of a round trip through the built-in
// firmware (an SBI call leaves S-mode and comes back within one instruction).
import { strict as assert } from 'assert';
import { bootMachine } from '../../engine/boot';
import { Machine, ModeChange, StopReason } from '../../engine/machine';
import { addi, csrw, ecall, J_SELF, ld, lui, mret, slli, srli, sret, X } from '../support/asm';

const ENTRY = 0x8000_0000;
/** PMP entry 0: NAPOT over everything, RWX, so S-mode may run (Priv §3.7). */
const PMP_ALL = [addi(X.t1, X.zero, -1), csrw(0x3b0, X.t1), addi(X.t1, X.zero, 0x1f), csrw(0x3a0, X.t1)];

/** li for 0 <= v < 2^32 (zero-extended when bit 31 is set). */
function li(rd: number, v: number): number[] {
  const lo = ((v & 0xfff) ^ 0x800) - 0x800;
  const words = [lui(rd, ((v - lo) / 4096) & 0xfffff), addi(rd, rd, lo)];
  return v >= 0x8000_0000 ? [...words, slli(rd, rd, 32), srli(rd, rd, 32)] : words;
}

function raw(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint32(4 * i, w, true));
  return bytes;
}

/** Raw M-mode code at 0x8000_0000 (`--bios none`). */
function bare(words: number[]): Machine {
  const m = new Machine({ console: { write: () => undefined } });
  bootMachine(m, { bios: 'none', kernel: { name: 'raw', bytes: raw(words) } });
  return m;
}

describe('engine: privilege-change stops (Machine.modeFilter)', () => {
  it('stops after an mret into S and after the ecall back into M, with the new pc', () => {
    // M: mepc = s_code, MPP = S, mret; S: ecall (to M: nothing delegated); M handler at mtvec: spin.
    const sCode = ENTRY + 0x60, handler = ENTRY + 0x80;
    const code = [
      ...PMP_ALL, ...li(X.t0, sCode), csrw(0x341, X.t0), ...li(X.t0, handler), csrw(0x305, X.t0),
      ...li(X.t0, 1 << 11), csrw(0x300, X.t0), mret(),
    ];
    const words = Array(0x84 / 4).fill(J_SELF);
    code.forEach((w, i) => { words[i] = w; });
    words[0x60 / 4] = addi(X.a0, X.zero, 7);
    words[0x64 / 4] = ecall();
    const m = bare(words);
    assert.equal(m.harts[0].pc, ENTRY);
    const seen: ModeChange[] = [];
    m.modeFilter = (c) => { seen.push(c); return true; };
    const s1 = m.run(1000) as Extract<StopReason, { kind: 'privilege' }>;
    assert.equal(s1.kind, 'privilege');
    assert.deepEqual(s1.change, { hartId: 0, fromPriv: 3, fromVirt: false, toPriv: 1, toVirt: false, pc: BigInt(sCode) });
    const s2 = m.run(1000) as Extract<StopReason, { kind: 'privilege' }>;
    assert.deepEqual(s2.change, { hartId: 0, fromPriv: 1, fromVirt: false, toPriv: 3, toVirt: false, pc: BigInt(handler) });
    assert.equal(m.harts[0].getX(X.a0), 7n, 'the S-mode instruction before the ecall ran');
    assert.equal(m.run(1000).kind, 'budget', 'spinning in M: no further change');
    assert.equal(seen.length, 2);
  });

  it('a filter that declines lets the run go on; with no filter there is no stop', () => {
    const words = [...PMP_ALL, ...li(X.t0, ENTRY + 0x40), csrw(0x341, X.t0), ...li(X.t0, 1 << 11), csrw(0x300, X.t0), mret(), J_SELF, J_SELF, J_SELF, J_SELF, J_SELF, J_SELF];
    const m = bare(words);
    let calls = 0;
    m.modeFilter = () => { calls++; return false; };
    assert.equal(m.run(1000).kind, 'budget');
    assert.equal(calls, 1);
    const n = bare(words);
    assert.equal(n.run(1000).kind, 'budget');
  });

  it('an SBI call through the built-in firmware is no net change; the kernel\'s sret to U-mode is', () => {
    // S-mode kernel: an SBI BASE call, then sepc = user code, SPP = U, sret; user code spins.
    const kernel = 0x8020_0000, user = kernel + 0x60;
    const words = Array(0x68 / 4).fill(J_SELF);
    [addi(X.a7, X.zero, 0x10), addi(X.a6, X.zero, 0), ecall(), ...li(X.t0, user), csrw(0x141, X.t0), sret()].forEach((w, i) => { words[i] = w; });
    const m = new Machine({ console: { write: () => undefined } });
    bootMachine(m, { bios: 'builtin', kernel: { name: 'raw', bytes: raw(words) } });
    m.modeFilter = () => true;
    const s = m.run(1000) as Extract<StopReason, { kind: 'privilege' }>;
    assert.equal(s.kind, 'privilege');
    assert.deepEqual(s.change, { hartId: 0, fromPriv: 1, fromVirt: false, toPriv: 0, toVirt: false, pc: BigInt(user) });
    assert.equal(m.harts[0].getX(X.a0), 0n, 'the SBI call returned SBI_SUCCESS on the way');
  });
});

describe('engine: xRET and cached translations', () => {
  it('an mret that stays in M with MPRV set makes loads translate as the new MPP (U): no stale M-mode entry', () => {
    // No PMP entry: U-mode may touch nothing. MPRV = 1 with MPP = M: M-mode loads are M's, so the first load works
    // (and is cached). mret with MPP = M stays in M but leaves MPP = U: the same load is now a U-mode access and
    // must fault (load access fault, cause 5) at the handler.
    const data = ENTRY + 0x100, handler = ENTRY + 0xc0;
    const code = [
      ...li(X.t0, handler), csrw(0x305, X.t0),
      ...li(X.t0, (3 << 11) | (1 << 17)), csrw(0x300, X.t0), // MPP = M, MPRV = 1
      ...li(X.s0, data), ld(X.a0, X.s0, 0),
      0x00000297 /* auipc t0, 0 */, addi(X.t0, X.t0, 16), csrw(0x341, X.t0), mret(),
      ld(X.a1, X.s0, 0), addi(X.a2, X.zero, 1),
    ];
    const words = Array(0x108 / 4).fill(J_SELF);
    code.forEach((w, i) => { words[i] = w; });
    words[0x100 / 4] = 0x12345678;
    words[0x104 / 4] = 0;
    const m = bare(words);
    m.run(200);
    const h = m.harts[0];
    assert.equal(h.getX(X.a0), 0x12345678n, 'the load as M worked');
    assert.equal(h.getPc(), BigInt(handler), 'the load after mret trapped');
    assert.equal(h.csrLo[0x342], 5, 'load access fault: PMP refuses U');
    assert.equal(h.getX(X.a2), 0n);
  });
});
