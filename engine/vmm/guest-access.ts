// What a trapped guest instruction asks for, from the instruction table (the decoder's single source of truth):
// the load or store behind an MMIO exit, and the CSR operation behind a virtual-instruction exit.
import { decode, DecodedInsn } from '../isa/decoder';

export interface GuestMemoryAccess {
  kind: 'load' | 'store';
  width: 1 | 2 | 4 | 8;
  /** Loads: sign-extend the value into rd (lb, lh, lw; ld needs neither). */
  signed: boolean;
  /** Loads: destination register; stores: source register. */
  reg: number;
  length: 2 | 4;
}

/** Decoded answers by instruction word: a guest's MMIO and CSR exits come from a few instructions, again and
 *  again. Bounded, so a wild guest cannot grow it without limit. */
const CACHE_LIMIT = 4096;
const accessCache = new Map<number, GuestMemoryAccess | undefined>();
const csrCache = new Map<number, GuestCsrOp | undefined>();

function cached<T>(cache: Map<number, T>, raw: number, compute: (raw: number) => T): T {
  if (cache.has(raw)) return cache.get(raw) as T;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const v = compute(raw);
  cache.set(raw, v);
  return v;
}

/** The plain load or store encoded by `raw`, or undefined (AMOs, LR/SC and anything else cannot be emulated
 *  on a device register: the guest gets an access fault). The result is shared: do not modify it. */
export function memoryAccessOf(raw: number): Readonly<GuestMemoryAccess> | undefined {
  return cached(accessCache, raw >>> 0, decodeMemoryAccess);
}

function decodeMemoryAccess(raw: number): GuestMemoryAccess | undefined {
  const d = decode(raw);
  const mem = d?.def.flags.memory;
  if (!d || !mem || mem.kind === 'amo' || d.def.ext === 'A' || d.def.ext === 'H') return undefined;
  const sem = d.def.semantics;
  return {
    kind: mem.kind, width: mem.width,
    signed: mem.kind === 'load' && mem.width < 8 && !sem.endsWith('u'),
    reg: mem.kind === 'load' ? d.rd : d.rs2, length: d.size,
  };
}

export interface GuestCsrOp {
  csr: number;
  rd: number;
  /** csrrw/csrrs/csrrc, with the immediate forms folded in. */
  op: 'write' | 'set' | 'clear';
  /** Source register, or undefined for the immediate forms (then `imm`). */
  rs1?: number;
  imm: number;
  /** Whether the instruction writes the CSR (csrrs/csrrc with x0 or a zero immediate do not). */
  writes: boolean;
  length: 2 | 4;
}

/** The CSR instruction encoded by `raw`, or undefined. The result is shared: do not modify it. */
export function csrOpOf(raw: number): Readonly<GuestCsrOp> | undefined {
  return cached(csrCache, raw >>> 0, decodeCsrOp);
}

function decodeCsrOp(raw: number): GuestCsrOp | undefined {
  const d: DecodedInsn | undefined = decode(raw);
  if (!d || d.def.ext !== 'Zicsr') return undefined;
  const m = d.def.mnemonic;
  const immediate = m.endsWith('i');
  const op = m.startsWith('csrrw') ? 'write' : m.startsWith('csrrs') ? 'set' : 'clear';
  const src = immediate ? d.imm : d.rs1;
  return {
    csr: d.csr, rd: d.rd, op, rs1: immediate ? undefined : d.rs1, imm: immediate ? d.imm : 0,
    writes: op === 'write' || src !== 0, length: d.size,
  };
}
