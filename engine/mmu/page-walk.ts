// Sv39/Sv48 page-table walks (privileged spec §10.3–10.5, algorithm of §10.3.2), with hardware A/D
// updates as QEMU performs them, superpages, SUM/MXR and the exact page-fault causes.
import { Access } from './hart-memory';

export const SATP_BARE = 0;
export const SATP_SV39 = 8;
export const SATP_SV48 = 9;

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
const MSTATUS_SUM = 1 << 18;
const MSTATUS_MXR = 1 << 19;
const TWO32 = 4294967296;
/** Page-fault causes by access (Priv Table 3.6). */
export const PAGE_FAULT = [13, 15, 12];
const ACCESS_FAULT = [5, 7, 1];

/** What the walker needs from its hart's memory system. */
export interface WalkHost {
  /** RAM byte offset of a PTE at `paddr`, or -1 when it is not RAM or PMP forbids the implicit access. */
  pteOffset(paddr: number, write: boolean): number;
  readonly ramI32: Int32Array;
}

export interface WalkResult {
  /** Physical address, or -1 on a fault. */
  paddr: number;
  /** Exception cause when paddr is -1. */
  cause: number;
  /** Size of the mapping (4 KiB, 2 MiB, 1 GiB, 512 GiB). */
  pageSize: number;
}

export const walkStats = { walks: 0, adUpdates: 0 };

/** Whether a virtual address is canonical for the mode: bits above the top VA bit copy it. */
function canonical(hi: number, mode: number): boolean {
  return mode === SATP_SV39 ? ((hi << 25) >> 25) === hi : ((hi << 16) >> 16) === hi;
}

function vpn(lo: number, hi: number, level: number): number {
  const shift = 12 + 9 * level;
  if (shift + 9 <= 32) return (lo >>> shift) & 0x1ff;
  if (shift >= 32) return (hi >>> (shift - 32)) & 0x1ff;
  return ((lo >>> shift) | (hi << (32 - shift))) & 0x1ff; // VPN[2] straddles the word boundary
}

/**
 * Translates (lo, hi) for an access at effective privilege `priv` (0 U, 1 S) under satp = (satpLo, satpHi).
 * Writes the result into `out`.
 */
export function walk(host: WalkHost, satpLo: number, satpHi: number, mstatus: number,
  lo: number, hi: number, access: Access, priv: number, out: WalkResult): void {
  walkStats.walks++;
  const mode = satpHi >>> 28;
  const levels = mode === SATP_SV39 ? 3 : 4;
  out.paddr = -1;
  out.cause = PAGE_FAULT[access];
  if (!canonical(hi, mode)) return;
  // satp.PPN is bits 43:0: low 32 bits in satpLo, 12 more in satpHi.
  let table = ((satpHi & 0xfff) * TWO32 + (satpLo >>> 0)) * 4096;
  for (let level = levels - 1; level >= 0; level--) {
    const pteAddr = table + vpn(lo, hi, level) * 8;
    const off = host.pteOffset(pteAddr, false);
    if (off < 0) { out.cause = ACCESS_FAULT[access]; return; }
    const w = off >>> 2;
    let pteLo = host.ramI32[w];
    const pteHi = host.ramI32[w + 1];
    if ((pteLo & PTE_V) === 0 || ((pteLo & PTE_R) === 0 && (pteLo & PTE_W) !== 0)) return;
    if ((pteHi >>> 22) !== 0) return; // bits 63:54 reserved (no Svnapot/Svpbmt): must be zero
    const ppnLow = pteLo >>> 10, ppnHigh = pteHi & 0x3fffff; // PPN = bits 53:10
    if ((pteLo & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return;
      if ((pteLo & (PTE_A | PTE_D | PTE_U)) !== 0) return; // non-leaf A/D/U are reserved (Priv §10.3.1)
      table = (ppnHigh * 4194304 + ppnLow) * 4096;
      continue;
    }
    // Leaf: permissions (Priv §10.3.2 step 5).
    if (access === Access.Fetch && (pteLo & PTE_X) === 0) return;
    if (access === Access.Load && (pteLo & PTE_R) === 0 && !((mstatus & MSTATUS_MXR) && (pteLo & PTE_X))) return;
    if (access === Access.Store && (pteLo & PTE_W) === 0) return;
    if (priv === 0 && (pteLo & PTE_U) === 0) return;
    if (priv === 1 && (pteLo & PTE_U) !== 0 && (access === Access.Fetch || (mstatus & MSTATUS_SUM) === 0)) return;
    // A superpage's low PPN bits must be zero (misaligned superpage).
    const lowBits = 9 * level;
    if (lowBits > 0 && (ppnLow & ((1 << lowBits) - 1)) !== 0) return;
    // Hardware A/D update, as QEMU does (Svade not implemented): the PTE must be writable memory.
    const need = PTE_A | (access === Access.Store ? PTE_D : 0);
    if ((pteLo & need) !== need) {
      if (host.pteOffset(pteAddr, true) < 0) { out.cause = ACCESS_FAULT[access]; return; }
      pteLo |= need;
      host.ramI32[w] = pteLo;
      walkStats.adUpdates++;
    }
    const pageSize = 4096 * 2 ** lowBits;
    const base = (ppnHigh * 4194304 + ppnLow) * 4096;
    // Offset within the (super)page from the virtual address: low 12 + 9·level bits.
    const vaOffset = lowBits + 12 <= 32
      ? (lo >>> 0) % pageSize
      : ((hi & ((1 << (lowBits + 12 - 32)) - 1)) * TWO32 + (lo >>> 0));
    out.paddr = base - (base % pageSize) + vaOffset;
    out.pageSize = pageSize;
    return;
  }
}
