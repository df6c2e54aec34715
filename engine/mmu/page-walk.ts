// Page-table walks (privileged spec §10.3–10.5, algorithm of §10.3.2) for one translation stage: Sv39/Sv48
// under satp or vsatp, and the H extension's G stage, Sv39x4/Sv48x4 under hgatp (§13.5.1). Hardware A/D
// updates as QEMU performs them, superpages, SUM/MXR, and the exact page-fault or guest-page-fault causes.
import { Access } from './hart-memory';

export const SATP_BARE = 0;
export const SATP_SV39 = 8;
export const SATP_SV48 = 9;

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
const TWO32 = 4294967296;
/** Page-fault causes by access (Priv Table 3.6). */
export const PAGE_FAULT = [13, 15, 12];
/** Guest-page-fault causes by access (Priv §13.6.1): load 21, store/AMO 23, instruction 20. */
export const GUEST_PAGE_FAULT = [21, 23, 20];
const ACCESS_FAULT = [5, 7, 1];

/** Walk options (a bit set, so the slow path allocates nothing). */
export const WALK_SUM = 1;
export const WALK_MXR = 2;
/** HLVX (Priv §13.3.1): execute permission takes the place of read permission. */
export const WALK_HLVX = 4;
/** G-stage (Priv §13.5.1): the input is a guest physical address 2 bits wider than the VA, the root table is
 *  16 KiB, every access is checked as a U-mode access, and faults are guest-page faults. */
export const WALK_GSTAGE = 8;

/** pteOffset's answer when the PTE's own address could not be translated by the G stage: the host recorded a
 *  guest-page fault for an implicit access of VS-stage translation. */
export const PTE_GUEST_PAGE_FAULT = -2;

/** What the walker needs from its hart's memory system. */
export interface WalkHost {
  /** RAM byte offset of a PTE at `paddr`, -1 when it is not RAM or PMP forbids the implicit access, or
   *  PTE_GUEST_PAGE_FAULT when `paddr` is a guest physical address whose G-stage translation failed. */
  pteOffset(paddr: number, write: boolean): number;
  readonly ramI32: Int32Array;
}

export interface WalkResult {
  /** Physical address, or -1 on a fault. */
  paddr: number;
  /** The same address as an exact (lo, hi) pair (paddr loses low bits above 2^53). */
  paLo: number;
  paHi: number;
  /** Exception cause when paddr is -1. */
  cause: number;
  /** Size of the mapping (4 KiB, 2 MiB, 1 GiB, 512 GiB). */
  pageSize: number;
  /** For a guest-page fault raised by an implicit access (a VS-level PTE whose G-stage translation failed):
   *  that PTE's guest physical address, and the mtinst/htinst pseudoinstruction (Priv §13.6.3). */
  gpaLo: number;
  gpaHi: number;
  tinst: number;
}

export function newWalkResult(): WalkResult {
  return { paddr: -1, paLo: 0, paHi: 0, cause: 0, pageSize: 4096, gpaLo: 0, gpaHi: 0, tinst: 0 };
}

export const walkStats = { walks: 0, adUpdates: 0 };

/** Whether the input address is in range: canonical for Sv39/Sv48 (bits above the top VA bit copy it), zero
 *  above bit 40 (Sv39x4) or 49 (Sv48x4) for the G stage. */
function inRange(hi: number, mode: number, gstage: boolean): boolean {
  if (gstage) return mode === SATP_SV39 ? (hi >>> 9) === 0 : (hi >>> 18) === 0;
  return mode === SATP_SV39 ? ((hi << 25) >> 25) === hi : ((hi << 16) >> 16) === hi;
}

/** VPN[level]: 9 bits, or 11 at the G stage's root level. */
function vpn(lo: number, hi: number, level: number, bits: number): number {
  const shift = 12 + 9 * level;
  const mask = (1 << bits) - 1;
  if (shift >= 32) return (hi >>> (shift - 32)) & mask;
  return ((lo >>> shift) | (shift + bits > 32 ? hi << (32 - shift) : 0)) & mask;
}

/**
 * Translates (lo, hi) for an access at effective privilege `priv` (0 U, 1 S) through the table that the
 * satp-format register (rootLo, rootHi) names: MODE in bits 63:60, PPN in 43:0 (VMID/ASID ignored).
 * `flags` is a set of WALK_*. Writes the result into `out`.
 */
export function walk(host: WalkHost, rootLo: number, rootHi: number, flags: number,
  lo: number, hi: number, access: Access, priv: number, out: WalkResult): void {
  walkStats.walks++;
  const gstage = (flags & WALK_GSTAGE) !== 0;
  const mode = rootHi >>> 28;
  const levels = mode === SATP_SV39 ? 3 : 4;
  out.paddr = -1;
  out.cause = gstage ? GUEST_PAGE_FAULT[access] : PAGE_FAULT[access];
  if (!inRange(hi, mode, gstage)) return;
  // PPN is bits 43:0: low 32 bits in rootLo, 12 more in rootHi (hgatp's PPN[1:0] are zero: a 16 KiB root).
  let table = ((rootHi & 0xfff) * TWO32 + (rootLo >>> 0)) * 4096;
  for (let level = levels - 1; level >= 0; level--) {
    const pteAddr = table + vpn(lo, hi, level, gstage && level === levels - 1 ? 11 : 9) * 8;
    const off = host.pteOffset(pteAddr, false);
    if (off < 0) { implicitFault(off, pteAddr, false, access, out); return; }
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
    // Leaf: permissions (Priv §10.3.2 step 5; §13.5.1: the G stage checks every access as U-mode).
    if (access === Access.Fetch && (pteLo & PTE_X) === 0) return;
    if (access === Access.Load) {
      if (flags & WALK_HLVX) { if ((pteLo & PTE_X) === 0) return; }
      else if ((pteLo & PTE_R) === 0 && !((flags & WALK_MXR) && (pteLo & PTE_X))) return;
    }
    if (access === Access.Store && (pteLo & PTE_W) === 0) return;
    if (priv === 0 && (pteLo & PTE_U) === 0) return;
    if (priv === 1 && (pteLo & PTE_U) !== 0 && (access === Access.Fetch || (flags & WALK_SUM) === 0)) return;
    // A superpage's low PPN bits must be zero (misaligned superpage).
    const lowBits = 9 * level;
    if (lowBits > 0 && (ppnLow & ((1 << lowBits) - 1)) !== 0) return;
    // Hardware A/D update, as QEMU does (Svade not implemented): the PTE must be writable memory.
    const need = PTE_A | (access === Access.Store ? PTE_D : 0);
    if ((pteLo & need) !== need) {
      const wOff = host.pteOffset(pteAddr, true);
      if (wOff < 0) { implicitFault(wOff, pteAddr, true, access, out); return; }
      pteLo |= need;
      host.ramI32[wOff >>> 2] = pteLo;
      walkStats.adUpdates++;
    }
    // Physical address: the PPN with the (super)page's low 12 + 9·level bits from the input address.
    const offBits = lowBits + 12;
    const baseLo = (ppnLow << 12) | 0, baseHi = (ppnLow >>> 20) | (ppnHigh << 2);
    if (offBits < 32) {
      const m = (1 << offBits) - 1;
      out.paLo = (baseLo & ~m) | (lo & m); out.paHi = baseHi;
    } else {
      const m = (1 << (offBits - 32)) - 1;
      out.paLo = lo; out.paHi = (baseHi & ~m) | (hi & m);
    }
    out.paddr = out.paHi * TWO32 + (out.paLo >>> 0);
    out.pageSize = 4096 * 2 ** lowBits;
    return;
  }
}

/** A PTE access that failed: an access fault, or a guest-page fault whose htval/mtval2 is the PTE's guest
 *  physical address, reported for the original access type (Priv §13.5.1, §13.6.3). */
function implicitFault(off: number, pteAddr: number, write: boolean, access: Access, out: WalkResult): void {
  if (off !== PTE_GUEST_PAGE_FAULT) { out.cause = ACCESS_FAULT[access]; return; }
  out.cause = GUEST_PAGE_FAULT[access];
  out.gpaLo = pteAddr % TWO32 | 0;
  out.gpaHi = Math.floor(pteAddr / TWO32) | 0;
  out.tinst = write ? 0x3020 : 0x3000; // 64-bit write / read for VS-stage address translation
}
