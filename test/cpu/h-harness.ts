// Helpers for the H-extension unit tests: H and VS CSR numbers, encoders for HLV/HLVX/HSV/HFENCE (checked
// against GNU as in h-extension.test.ts), entering a mode with V, parked VS trap handler, and a page-table builder
// for the VS stage (Sv39/Sv48) and the G stage (Sv39x4/Sv48x4) in the rig's RAM.
import type { Privilege } from '../../engine/cpu/privilege';
import { rType, J_SELF } from '../support/asm';
import { BASE, CSR, M_TRAP as M_TRAP_ADDR, Rig, S_TRAP as S_TRAP_ADDR, u64 } from './harness';

export const HCSR = {
  hstatus: 0x600, hedeleg: 0x602, hideleg: 0x603, hie: 0x604, htimedelta: 0x605, hcounteren: 0x606, hgeie: 0x607,
  henvcfg: 0x60a, htval: 0x643, hip: 0x644, hvip: 0x645, htinst: 0x64a, hgatp: 0x680, hgeip: 0xe12,
  vsstatus: 0x200, vsie: 0x204, vstvec: 0x205, vsscratch: 0x240, vsepc: 0x241, vscause: 0x242, vstval: 0x243,
  vsip: 0x244, vsatp: 0x280, mtinst: 0x34a, mtval2: 0x34b, menvcfg: 0x30a, stimecmp: 0x14d, senvcfg: 0x10a,
} as const;

/** hstatus bits (Priv §13.2.1). */
export const HS = {
  VSBE: 1n << 5n, GVA: 1n << 6n, SPV: 1n << 7n, SPVP: 1n << 8n, HU: 1n << 9n, VTVM: 1n << 20n, VTW: 1n << 21n,
  VTSR: 1n << 22n,
} as const;
/** mstatus bits of the H extension (Priv §13.4.1). */
export const MSH = { GVA: 1n << 38n, MPV: 1n << 39n } as const;

/** vstvec: parks on `j .` like M_TRAP and S_TRAP. */
export const VS_TRAP = BASE + 0x1_0200;

// HLV/HLVX/HSV and HFENCE (Priv §13.3; encodings as binutils' riscv-opc.h).
const SYSTEM = 0x73;
const hlv = (funct7: number, rs2: number) => (rd: number, rs1: number) => rType(funct7, rs2, rs1, 4, rd, SYSTEM);
const hsv = (funct7: number) => (rs2: number, rs1: number) => rType(funct7, rs2, rs1, 4, 0, SYSTEM);
export const hlv_b = hlv(0x30, 0), hlv_bu = hlv(0x30, 1), hlv_h = hlv(0x32, 0), hlv_hu = hlv(0x32, 1);
export const hlvx_hu = hlv(0x32, 3), hlv_w = hlv(0x34, 0), hlv_wu = hlv(0x34, 1), hlvx_wu = hlv(0x34, 3);
export const hlv_d = hlv(0x36, 0);
export const hsv_b = hsv(0x31), hsv_h = hsv(0x33), hsv_w = hsv(0x35), hsv_d = hsv(0x37);
export const hfence_vvma = (rs1 = 0, rs2 = 0) => rType(0x11, rs2, rs1, 0, 0, SYSTEM);
export const hfence_gvma = (rs1 = 0, rs2 = 0) => rType(0x31, rs2, rs1, 0, 0, SYSTEM);

/** A rig with PMP open to S and U and a parked vstvec. */
export function hrig(): Rig {
  const r = new Rig();
  r.allowAllPmp();
  r.put(VS_TRAP, J_SELF);
  r.setCsr(HCSR.vstvec, BigInt(VS_TRAP));
  return r;
}

/** Puts the hart in `priv` with virtualization mode `virt`, as a trap or xRET would. */
export function setMode(r: Rig, priv: Privilege, virt: boolean, hart = 0): void {
  const h = r.hart(hart);
  h.priv = priv;
  h.virt = virt;
  h.fx.translationChanged(h);
  h.interruptCheck = true;
}

export const PTE = { V: 1n, R: 2n, W: 4n, X: 8n, U: 16n, G: 32n, A: 64n, D: 128n } as const;
export const RWX_AD = PTE.R | PTE.W | PTE.X | PTE.A | PTE.D;

/**
 * Page tables in the rig's RAM, allocated upwards from `from`. `gstage` tables have a 16 KiB root and a root
 * index two bits wider (Priv §13.5.1).
 */
export class Tables {
  private next: number;

  constructor(readonly r: Rig, from = BASE + 0x8_0000) {
    this.next = from;
  }

  alloc(pages: number): number {
    const align = pages * 4096;
    this.next = Math.ceil(this.next / align) * align;
    const p = this.next;
    this.next += align;
    for (let a = p; a < p + align; a += 8) this.r.poke64(a, 0n);
    return p;
  }

  root(gstage: boolean): number {
    return this.alloc(gstage ? 4 : 1);
  }

  /** The address of va's PTE at `level`, creating the tables above it. */
  entry(root: number, va: bigint, level: number, levels: number, gstage: boolean): number {
    let table = root;
    for (let l = levels - 1; l > level; l--) {
      const at = table + this.index(va, l, levels, gstage) * 8;
      let pte = this.r.peek64(at);
      if ((pte & PTE.V) === 0n) {
        const t = this.alloc(1);
        pte = (BigInt(t / 4096) << 10n) | PTE.V;
        this.r.poke64(at, pte);
      }
      table = Number(pte >> 10n) * 4096;
    }
    return table + this.index(va, level, levels, gstage) * 8;
  }

  /** Maps va → pa with `flags` (V added) at `level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB); returns the PTE address. */
  map(root: number, va: bigint, pa: number, flags: bigint, opts: { level?: number; levels?: number; gstage?: boolean } = {}): number {
    const at = this.entry(root, va, opts.level ?? 0, opts.levels ?? 3, opts.gstage ?? false);
    this.r.poke64(at, (BigInt(Math.floor(pa / 4096)) << 10n) | flags | PTE.V);
    return at;
  }

  private index(va: bigint, level: number, levels: number, gstage: boolean): number {
    const bits = gstage && level === levels - 1 ? 11n : 9n;
    return Number((u64(va) >> BigInt(12 + 9 * level)) & ((1n << bits) - 1n));
  }
}

/** satp/vsatp/hgatp value: MODE 8 (Sv39/Sv39x4) or 9 (Sv48/Sv48x4) with the root's PPN. */
export const atp = (mode: 8 | 9, root: number) => (BigInt(mode) << 60n) | BigInt(root / 4096);

export { CSR };

/** Where the last trap went, with its cause and the CSRs it wrote. */
export interface TrapSeen { to: 'M' | 'HS' | 'VS' | 'none'; cause: bigint; epc: bigint; tval: bigint; tval2: bigint; tinst: bigint }

/** Reads the trap state after a step: which handler the hart parks in, and that level's CSRs. */
export function trapSeen(r: Rig): TrapSeen {
  const pc = r.pc();
  const h = r.hart();
  if (pc === M_TRAP_ADDR && h.priv === 3) {
    return { to: 'M', cause: r.csr(CSR.mcause), epc: r.csr(CSR.mepc), tval: r.csr(CSR.mtval), tval2: r.csr(HCSR.mtval2), tinst: r.csr(HCSR.mtinst) };
  }
  if (pc === S_TRAP_ADDR && h.priv === 1 && !h.virt) {
    return { to: 'HS', cause: r.csr(CSR.scause), epc: r.csr(CSR.sepc), tval: r.csr(CSR.stval), tval2: r.csr(HCSR.htval), tinst: r.csr(HCSR.htinst) };
  }
  if (pc === VS_TRAP && h.priv === 1 && h.virt) {
    return { to: 'VS', cause: r.csr(HCSR.vscause), epc: r.csr(HCSR.vsepc), tval: r.csr(HCSR.vstval), tval2: 0n, tinst: 0n };
  }
  return { to: 'none', cause: 0n, epc: 0n, tval: 0n, tval2: 0n, tinst: 0n };
}

/** Where the test code runs (a page of its own, away from the handlers). */
export const CODE = BASE + 0x80;

/** Runs `insns` from CODE in (priv, virt) for `steps` steps after `setup`. */
export function runIn(r: Rig, priv: Privilege, virt: boolean, insns: number[], steps = 1, setup?: (r: Rig) => void): Rig {
  r.code(CODE, [...insns, J_SELF]);
  setup?.(r);
  setMode(r, priv, virt);
  r.step(steps);
  return r;
}
