// Sv39/Sv48 translation through a hart's memory system: walks, superpages, permission and A/D rules,
// page-fault causes with stval, and TLB invalidation on sfence.vma/satp (privileged spec §10.3).
import { strict as assert } from 'assert';
import { Machine } from '../../engine/machine';
import { csrWrite } from '../../engine/cpu/csr-file';
import { Hart, NO_TRAP } from '../../engine/cpu/hart';

const RAM = 0x8000_0000;
const V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
const MSTATUS_SUM = 1 << 18, MSTATUS_MXR = 1 << 19;

class Sv {
  readonly m = new Machine({ console: { write: () => undefined } });
  readonly h: Hart = this.m.harts[0];
  private next = RAM + 0x10_0000; // page-table pages are allocated from here
  readonly root: number;

  constructor(readonly levels: 3 | 4) {
    // Open PMP for S/U as firmware does (one NAPOT entry over everything, RWX), else every access faults.
    csrWrite(this.h, 0x3b0, -1, 0x3fffff, this.h.fx);
    csrWrite(this.h, 0x3a0, 0x1f, 0, this.h.fx);
    this.root = this.alloc();
    const mode = levels === 3 ? 8n : 9n;
    this.setSatp((mode << 60n) | BigInt(this.root / 4096));
    this.h.priv = 1;
  }

  setSatp(v: bigint): void {
    csrWrite(this.h, 0x180, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0, this.h.fx);
  }

  alloc(): number {
    const p = this.next;
    this.next += 4096;
    this.m.ram.u8.fill(0, p - RAM, p - RAM + 4096);
    return p;
  }

  pteAt(addr: number): bigint { return this.m.ram.view.getBigUint64(addr - RAM, true); }
  setPte(addr: number, v: bigint): void { this.m.ram.view.setBigUint64(addr - RAM, v, true); }

  /** Maps va → pa at `level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB); returns the leaf PTE's address. */
  map(va: bigint, pa: number, flags: number, level = 0): number {
    let table = this.root;
    for (let l = this.levels - 1; l > level; l--) {
      const idx = Number((va >> BigInt(12 + 9 * l)) & 0x1ffn);
      const at = table + idx * 8;
      let pte = this.pteAt(at);
      if ((pte & 1n) === 0n) { const t = this.alloc(); pte = (BigInt(t / 4096) << 10n) | 1n; this.setPte(at, pte); }
      table = Number(pte >> 10n) * 4096;
    }
    const at = table + Number((va >> BigInt(12 + 9 * level)) & 0x1ffn) * 8;
    this.setPte(at, (BigInt(Math.floor(pa / 4096)) << 10n) | BigInt(flags));
    return at;
  }

  load(va: bigint): { value?: bigint; cause?: number; tval?: bigint } {
    const lo = Number(va & 0xffffffffn) | 0, hi = Number((va >> 32n) & 0xffffffffn) | 0;
    const v = this.h.mem.load64(lo, hi);
    return this.outcome(BigInt.asUintN(64, (BigInt(this.h.mem.hiOut) << 32n) | BigInt(v >>> 0)));
  }

  store(va: bigint, value: bigint): { value?: bigint; cause?: number; tval?: bigint } {
    const lo = Number(va & 0xffffffffn) | 0, hi = Number((va >> 32n) & 0xffffffffn) | 0;
    this.h.mem.store64(lo, hi, Number(value & 0xffffffffn) | 0, Number(value >> 32n) | 0);
    return this.outcome(0n);
  }

  private outcome(value: bigint) {
    if (this.h.exc === NO_TRAP) return { value };
    const r = { cause: this.h.exc, tval: BigInt.asUintN(64, (BigInt(this.h.excTvalHi) << 32n) | BigInt(this.h.excTvalLo >>> 0)) };
    this.h.exc = NO_TRAP;
    return r;
  }

  poke(pa: number, v: bigint): void { this.m.ram.view.setBigUint64(pa - RAM, v, true); }
  peek(pa: number): bigint { return this.m.ram.view.getBigUint64(pa - RAM, true); }
}

describe('mmu: Sv39 page walks', () => {
  it('translates a 4 KiB page, sets A on load and D on store', () => {
    const s = new Sv(3);
    const pte = s.map(0x4000_1000n, RAM + 0x20_0000, V | R | W);
    s.poke(RAM + 0x20_0008, 0x1122334455667788n);
    assert.deepEqual(s.load(0x4000_1008n), { value: 0x1122334455667788n });
    assert.equal(s.pteAt(pte) & BigInt(A | D), BigInt(A));
    assert.deepEqual(s.store(0x4000_1010n, 7n), { value: 0n });
    assert.equal(s.peek(RAM + 0x20_0010), 7n);
    assert.equal(s.pteAt(pte) & BigInt(A | D), BigInt(A | D));
  });

  it('maps 2 MiB and 1 GiB superpages, and faults on a misaligned superpage', () => {
    const s = new Sv(3);
    s.map(0x4020_0000n, RAM + 0x40_0000, V | R | A, 1);
    s.poke(RAM + 0x41_2340, 42n);
    assert.deepEqual(s.load(0x4021_2340n), { value: 42n });
    s.map(0xc000_0000n, RAM, V | R | A, 2);
    s.poke(RAM + 0x123_4560, 43n);
    assert.deepEqual(s.load(0xc123_4560n), { value: 43n });
    s.map(0x4060_0000n, RAM + 0x1000, V | R | A, 1); // PPN[0] != 0
    assert.deepEqual(s.load(0x4060_0000n), { cause: 13, tval: 0x4060_0000n });
  });

  it('upper-half (negative) canonical addresses translate; non-canonical ones fault', () => {
    const s = new Sv(3);
    s.map(0xffff_ffc0_0000_0000n, RAM + 0x30_0000, V | R | A);
    s.poke(RAM + 0x30_0018, 99n);
    assert.deepEqual(s.load(0xffff_ffc0_0000_0018n), { value: 99n });
    assert.deepEqual(s.load(0x0000_0040_0000_0000n), { cause: 13, tval: 0x0000_0040_0000_0000n });
    assert.deepEqual(s.store(0x8000_0000_0000_0000n, 1n), { cause: 15, tval: 0x8000_0000_0000_0000n });
  });

  it('raises load/store page faults with stval for unmapped, invalid and write-only-reserved PTEs', () => {
    const s = new Sv(3);
    assert.deepEqual(s.load(0x1234_5678n), { cause: 13, tval: 0x1234_5678n });
    s.map(0x5000_0000n, RAM + 0x20_0000, V | W); // W without R is reserved
    assert.deepEqual(s.load(0x5000_0000n), { cause: 13, tval: 0x5000_0000n });
    s.map(0x5000_1000n, RAM + 0x20_0000, V | R | A);
    assert.deepEqual(s.store(0x5000_1000n, 1n), { cause: 15, tval: 0x5000_1000n });
  });

  it('enforces U, SUM and MXR', () => {
    const s = new Sv(3);
    s.map(0x1000n, RAM + 0x20_0000, V | R | W | U | A | D);
    s.map(0x2000n, RAM + 0x20_1000, V | X | A);
    assert.equal(s.load(0x1000n).cause, 13, 'S may not read a U page without SUM');
    s.h.mstatus |= MSTATUS_SUM; s.h.fx.translationChanged(s.h);
    assert.deepEqual(s.load(0x1000n), { value: 0n });
    assert.equal(s.load(0x2000n).cause, 13, 'execute-only page is not readable');
    s.h.mstatus |= MSTATUS_MXR; s.h.fx.translationChanged(s.h);
    assert.deepEqual(s.load(0x2000n), { value: 0n });
    s.h.priv = 0; s.h.fx.translationChanged(s.h);
    assert.deepEqual(s.load(0x1000n), { value: 0n });
    assert.equal(s.load(0x2000n).cause, 13, 'U may not touch a supervisor page');
  });

  it('caches translations in the TLB until sfence.vma or a satp write', () => {
    const s = new Sv(3);
    const pte = s.map(0x7000n, RAM + 0x20_0000, V | R | A);
    s.poke(RAM + 0x20_0000, 1n);
    s.poke(RAM + 0x20_1000, 2n);
    assert.deepEqual(s.load(0x7000n), { value: 1n });
    s.setPte(pte, (BigInt((RAM + 0x20_1000) / 4096) << 10n) | BigInt(V | R | A));
    assert.deepEqual(s.load(0x7000n), { value: 1n }, 'stale until the TLB is flushed (allowed by the spec)');
    s.h.fx.translationChanged(s.h); // what sfence.vma does
    assert.deepEqual(s.load(0x7000n), { value: 2n });
  });

  it('sfence.vma with an address drops only that page\'s translation', () => {
    const s = new Sv(3);
    const a = s.map(0x7000n, RAM + 0x20_0000, V | R | A);
    const b = s.map(0x8000n, RAM + 0x20_2000, V | R | A);
    s.poke(RAM + 0x20_0000, 1n); s.poke(RAM + 0x20_1000, 2n); s.poke(RAM + 0x20_2000, 3n); s.poke(RAM + 0x20_3000, 4n);
    assert.deepEqual(s.load(0x7000n), { value: 1n });
    assert.deepEqual(s.load(0x8000n), { value: 3n });
    s.setPte(a, (BigInt((RAM + 0x20_1000) / 4096) << 10n) | BigInt(V | R | A));
    s.setPte(b, (BigInt((RAM + 0x20_3000) / 4096) << 10n) | BigInt(V | R | A));
    s.h.fx.pageChanged(s.h, 0x7000, 0); // sfence.vma 0x7000
    assert.deepEqual(s.load(0x7000n), { value: 2n });
    assert.deepEqual(s.load(0x8000n), { value: 3n }, 'the other page keeps its cached translation');
  });

  it('M-mode ignores satp; MPRV with MPP=S translates M-mode loads', () => {
    const s = new Sv(3);
    s.map(0x9000n, RAM + 0x20_0000, V | R | A);
    s.poke(RAM + 0x20_0000, 5n);
    s.h.priv = 3; s.h.fx.translationChanged(s.h);
    assert.equal(s.load(0x9000n).cause, 5, 'physical 0x9000 is nothing: access fault');
    s.h.mstatus |= (1 << 17) | (1 << 11); // MPRV, MPP = S
    s.h.fx.translationChanged(s.h);
    assert.deepEqual(s.load(0x9000n), { value: 5n });
  });

  it('a PTE outside RAM gives an access fault of the access type', () => {
    const s = new Sv(3);
    s.setSatp((8n << 60n) | BigInt(0x1000_0000 / 4096)); // root table in MMIO space
    assert.deepEqual(s.load(0x1000n), { cause: 5, tval: 0x1000n });
    assert.deepEqual(s.store(0x1000n, 0n), { cause: 7, tval: 0x1000n });
  });

  it('satp ignores unsupported modes (Sv57) and keeps Sv39/Sv48', () => {
    const s = new Sv(3);
    const before = s.h.csrHi[0x180];
    s.setSatp(10n << 60n);
    assert.equal(s.h.csrHi[0x180], before);
  });
});

describe('mmu: Sv48 page walks', () => {
  it('translates through four levels, including a 512 GiB-aligned upper-half address', () => {
    const s = new Sv(4);
    s.map(0x0000_7f12_3456_7000n, RAM + 0x20_0000, V | R | A);
    s.poke(RAM + 0x20_0040, 77n);
    assert.deepEqual(s.load(0x0000_7f12_3456_7040n), { value: 77n });
    s.map(0xffff_8000_0000_0000n, RAM + 0x20_1000, V | R | A);
    s.poke(RAM + 0x20_1000, 78n);
    assert.deepEqual(s.load(0xffff_8000_0000_0000n), { value: 78n });
    assert.equal(s.load(0x0001_0000_0000_0000n).cause, 13, 'non-canonical for Sv48');
  });
});
